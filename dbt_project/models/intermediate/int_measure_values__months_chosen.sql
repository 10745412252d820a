-- Grain: region × count measure × period_type (month, ytd) × year × month.
-- Role: the monthly lane's one value per region, period and measure, with the precedence of
-- int_measure_values__chosen:
--   records complete             -> records (the report figure, if any, kept for reconciliation)
--   else a complete report value -> the report (published, or the sum of every month 1..N)
--   else records partial         -> records, marked partial (k of n children)
--   else a partial report sum    -> the report's months so far, marked partial
{{ config(materialized='view') }}
with rec as (select * from {{ ref('int_record_measures__months') }}),

rep as (select * from {{ ref('int_report_measures__months') }}),

keys as (
    select region_code, measure_code, period_type, year, quarter, month from rec
    union
    select region_code, measure_code, period_type, year, quarter, month from rep
),

chosen as (
    select
        k.*,
        rec.is_complete as rec_complete,
        rec.value as rec_value,
        rep.value as rep_value,
        case
            when rec.is_complete then 'records'
            when rep.is_complete then 'report'
            when rec.value is not null then 'records'
            else 'report'
        end as value_source,
        rec.n_children, rec.k_children_complete, rec.n_records,
        rec.released_on as rec_released_on,
        rep.released_on as rep_released_on,
        rep.is_complete as rep_complete,
        rep.derived_from
    from keys as k
    left join rec
        on k.region_code = rec.region_code and k.measure_code = rec.measure_code
        and k.period_type = rec.period_type and k.year = rec.year and k.month = rec.month
    left join rep
        on k.region_code = rep.region_code and k.measure_code = rep.measure_code
        and k.period_type = rep.period_type and k.year = rep.year and k.month = rep.month
)

select
    region_code,
    measure_code,
    period_type,
    year,
    quarter,
    month,
    case when value_source = 'records' then rec_value else rep_value end as value,
    value_source,
    case when value_source = 'records' then coalesce(rec_complete, false) else coalesce(rep_complete, false) end
        as is_complete,
    n_children as coverage_n,
    k_children_complete as coverage_k,
    n_records,
    rec_value as records_value,
    rec_complete as records_complete,
    rep_value as report_value,
    derived_from as report_derived_from,
    case when value_source = 'records' then rec_released_on else rep_released_on end as released_on
from chosen
