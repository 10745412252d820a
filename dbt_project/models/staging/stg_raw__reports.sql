-- 统计报表 / report tables in the long format (see macros/stg_long_format.sql).
{{ stg_long_format('reports') }}
