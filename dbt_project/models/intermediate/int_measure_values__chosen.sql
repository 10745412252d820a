-- One value per region × period × count measure, choosing between records and report tables:
--   records complete           -> records (and the report figure, if any, is kept for reconciliation)
--   else a report figure       -> the report (the region's own published total)
--   else records partial       -> records, marked partial (k of n children)
with rec as (select * from {{ ref('int_record_measures__periods') }}),

rep as (select * from {{ ref('int_report_measures__periods') }}),

keys as (
    select region_code, measure_code, period_type, year, quarter from rec
    union
    select region_code, measure_code, period_type, year, quarter from rep
)

select
    k.region_code,
    k.measure_code,
    k.period_type,
    k.year,
    k.quarter,
    case
        when rec.is_complete then rec.value
        when rep.value is not null then rep.value
        else rec.value
    end as value,
    case
        when rec.is_complete then 'records'
        when rep.value is not null then 'report'
        else 'records'
    end as value_source,
    coalesce(rec.is_complete, false) or rep.value is not null as is_complete,
    rec.n_children as coverage_n,
    rec.k_children_complete as coverage_k,
    rec.n_records,
    rec.value as records_value,
    rec.is_complete as records_complete,
    rep.value as report_value,
    rep.derived_from as report_derived_from,
    case
        when rec.is_complete then rec.released_on
        when rep.value is not null then rep.released_on
        else rec.released_on
    end as released_on
from keys as k
left join rec
    on k.region_code = rec.region_code and k.measure_code = rec.measure_code
    and k.period_type = rec.period_type and k.year = rec.year
    and k.quarter is not distinct from rec.quarter
left join rep
    on k.region_code = rep.region_code and k.measure_code = rep.measure_code
    and k.period_type = rep.period_type and k.year = rep.year
    and k.quarter is not distinct from rep.quarter
