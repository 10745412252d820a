-- Grain: region × period × measure × release. Every release (vintage) of every report-table
-- and denominator figure, ranked newest first: vintage_rank 1 is the release the marts use.
-- Which release is current is decided here only: int_published_values__latest keeps rank 1,
-- fct_published_vintages publishes every release with is_current.
{{ config(materialized='view') }}
with unioned as (
    select 'report' as origin, * from {{ ref('stg_raw__reports') }}
    union all
    select 'denominator' as origin, * from {{ ref('stg_raw__denominators') }}
)

select
    *,
    row_number() over (
        partition by region_code, period, measure_code
        order by released_on desc, _loaded_at desc, _file_path desc, _row_number desc
    ) as vintage_rank,
    count(*) over (partition by region_code, period, measure_code) as n_vintages,
    min(released_on) over (partition by region_code, period, measure_code) as first_released_on
from unioned
