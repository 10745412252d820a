-- 基础指标 / denominators in the long format (see macros/stg_long_format.sql): the figures for all
-- sectors. Rows split by sector (the optional `sector` column) are stg_raw__denominators_sectors'.
{{ stg_long_format('denominators') }}
    and not exists (
        select 1 from source as split
        where split.sector is not null
            and split._file_path = renamed._file_path and split._row_number = renamed._row_number
    )
