-- Every complete annual numerator of a rate indicator needs its denominator for that
-- region-year (or the previous year-end for stocks). A miss leaves the rate empty: warn, with
-- the region, year and missing denominator measure, so the statistician can request it.
{{ config(severity='warn') }}

select
    region_code,
    indicator_code,
    denominator_measure,
    period as year
from {{ ref('fct_indicator_values') }}
where
    indicator_kind = 'rate'
    and period_type = 'year'
    and completeness = 'complete'
    and numerator is not null
    and denominator is null
