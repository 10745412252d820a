-- 基础指标 / denominators in the long format (see macros/stg_long_format.sql): the figures for all
-- sectors. Rows split by sector (the optional `sector` column) are stg_raw__denominators_sectors'.
{{ stg_long_format('denominators', where='sector is null') }}
