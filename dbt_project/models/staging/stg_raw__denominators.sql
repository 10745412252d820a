-- 基础指标 / denominators in the long format (see macros/stg_long_format.sql).
{{ stg_long_format('denominators') }}
