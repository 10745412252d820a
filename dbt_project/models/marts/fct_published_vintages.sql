-- Grain: every release of every report-table and denominator figure (region × period ×
-- measure × release), newest first; is_current marks the release the marts use.
with unioned as (
    select 'report' as origin, * from {{ ref('stg_raw__reports') }}
    union all
    select 'denominator' as origin, * from {{ ref('stg_raw__denominators') }}
)

select
    origin,
    region_code,
    period,
    measure_code,
    value,
    unit,
    value_as_published,
    unit_as_published,
    released_on,
    publication,
    _file_path as file_path,
    _row_number as row_number,
    _file_sha256 as file_sha256,
    row_number() over (
        partition by region_code, period, measure_code
        order by released_on desc, _loaded_at desc, _file_path desc, _row_number desc
    ) = 1 as is_current
from unioned
