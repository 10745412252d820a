-- Grain: region × count measure × period_type (month, ytd) × year × month.
-- Role: the monthly lane's one value per region, period and measure, with the precedence of
-- int_measure_values__chosen:
--   records complete             -> records (the report figure, if any, kept for reconciliation)
--   else a complete report value -> the report (published, or the sum of every month 1..N)
--   else records partial         -> records, marked partial (k of n children)
--   else a partial report sum    -> the report's months so far, marked partial
{{ config(materialized='view') }}
-- Each input is read once: a records row and a report row of the same key are one group of
-- their union, not two left joins to the union of their keys. DuckDB materialises a CTE read
-- twice, and a filter on this view (a batch of years and provinces of
-- int_indicator_values__months) then stopped above it: every year's monthly lane was computed
-- for each batch (at 1M records 20 s for one year, 1.6 s now; docs/scale.md). A key has at
-- most one row on each side (their grains), so each max() below picks that row's value.
with sides as (
    select
        region_code, measure_code, period_type, year, quarter, month,
        true as is_records, value, is_complete, released_on,
        n_children, k_children_complete, n_records, cast(null as {{ dbt.type_string() }}) as derived_from
    from {{ ref('int_record_measures__months') }}
    union all
    select
        region_code, measure_code, period_type, year, quarter, month,
        false, value, is_complete, released_on,
        null, null, null, derived_from
    from {{ ref('int_report_measures__months') }}
),

paired as (
    select
        region_code, measure_code, period_type, year, quarter, month,
        max(case when is_records then is_complete end) as rec_complete,
        max(case when is_records then value end) as rec_value,
        max(case when is_records then released_on end) as rec_released_on,
        max(case when not is_records then is_complete end) as rep_complete,
        max(case when not is_records then value end) as rep_value,
        max(case when not is_records then released_on end) as rep_released_on,
        max(n_children) as n_children,
        max(k_children_complete) as k_children_complete,
        max(n_records) as n_records,
        max(derived_from) as derived_from
    from sides
    group by region_code, measure_code, period_type, year, quarter, month
),

chosen as (
    select
        *,
        case
            when rec_complete then 'records'
            when rep_complete then 'report'
            when rec_value is not null then 'records'
            else 'report'
        end as value_source
    from paired
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
