-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period; only the
-- values with at least one missing submission.
-- Role: 报送缺失 behind each indicator value resting on records: the submissions due in the
-- value's period from a record source of its numerator or denominator that are missing, for
-- the unit's region, every region above it and every region below it
-- (int_submissions__missing_by_indicator).
-- A table, rebuilt at every build: as a view, each batch of the statistics chain computed it
-- three times (the value's, its 同比 base's and its five-year base's missing submissions), each
-- a scan of every year's values (docs/scale.md). Few rows: only values with a missing submission.
{{ config(materialized='table') }}
with period_rows as (
    select region_code, indicator_code, period_type, period, year, quarter, period_start, period_end, value_source
    from {{ ref('int_indicator_values__periods') }}
    union all
    select region_code, indicator_code, period_type, period, year, quarter, period_start, period_end, value_source
    from {{ ref('int_indicator_values__plan_periods') }}
)

select
    f.region_code, f.indicator_code, f.period_type, f.period, f.year, f.quarter,
    count(distinct mr.unit_id || '/' || cast(mr.quarter_start as {{ dbt.type_string() }})) as missing_submissions,
    {{ dbt.listagg('distinct mr.unit_id', "', '", 'order by mr.unit_id') }} as missing_units
from period_rows as f
inner join {{ ref('int_submissions__missing_by_indicator') }} as mr
    on
        mr.indicator_code = f.indicator_code and mr.region_code = f.region_code
        and mr.quarter_start between f.period_start and f.period_end
where f.value_source like '%records%'
group by 1, 2, 3, 4, 5, 6
