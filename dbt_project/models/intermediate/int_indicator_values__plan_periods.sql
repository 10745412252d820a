-- Grain: region × indicator × plan period (五年规划期, seed plan_periods), one row: the period so
-- far, through its latest year with an annual value (years_elapsed = 1..5).
-- Role: the plan-period value of fct_indicator_values (counts: the total; rates: 年均, the mean
-- of the annual values) and its 同比 base, the previous plan period over the same number of
-- elapsed years. Laid out like int_indicator_values__comparison_bases (no 环比, no five-year mean).
-- A table, rebuilt at every build (as the mart rebuilds its plan-period rows): as a view, every
-- batch of the statistics chain computed it four times over every year (for the values, and
-- for the three lookups of int_indicator_values__missing): at 1M records the statistics' full
-- build took 131 s with both views, 78 s with both tables (docs/scale.md).
{{ config(materialized='table') }}
with indicators as (select * from {{ ref('indicators') }}),

annual as (
    select
        b.*,
        p.plan_period,
        p.first_year,
        b.year - p.first_year + 1 as year_index
    from {{ ref('int_indicator_values__base') }} as b
    inner join {{ ref('plan_periods') }} as p on b.year between p.first_year and p.last_year
    where b.period_type = 'year'
),

plan_cumulative as (
    -- Value of each plan period over its first k years, k = 1..5 (all k years present).
    select
        a.region_code, a.indicator_code, a.plan_period, a.first_year, k.year_index as years_elapsed,
        case when i.kind = 'count' then {{ exact_sum('a.value') }} else {{ exact_avg('a.value') }} end as value,
        {{ exact_sum('a.numerator') }} as numerator,
        {{ exact_sum('a.denominator') }} as denominator,
        count(*) as n_years,
        count(a.value) as n_values,
        bool_and(a.is_complete) as is_complete,
        max(a.released_on) as released_on,
        min(a.coverage_k) as coverage_k,
        max(a.coverage_n) as coverage_n,
        sum(a.n_records) as n_records,
        {{ dbt.listagg('distinct a.value_source', "'+'", 'order by a.value_source') }} as value_source
    from annual as a
    inner join indicators as i on a.indicator_code = i.indicator_code
    inner join {{ values_table('year_index', [1, 2, 3, 4, 5]) }} as k on a.year_index <= k.year_index
    group by a.region_code, a.indicator_code, a.plan_period, a.first_year, k.year_index, i.kind
    having count(*) = k.year_index
)

select
    c.region_code, c.indicator_code, 'plan_period' as period_type, c.plan_period as period,
    c.first_year + c.years_elapsed - 1 as year, cast(null as integer) as quarter,
    case when c.n_values = c.n_years then c.value end as value,
    c.numerator, c.denominator,
    cast(null as integer) as denominator_year, 'sum_of_annual' as denominator_basis,
    c.value_source, c.is_complete, c.coverage_k, c.coverage_n, c.n_records,
    cast(null as double) as records_value, cast(null as double) as report_value,
    c.released_on, c.years_elapsed,
    {{ date_from_parts('c.first_year', 1, 1) }} as period_start,
    {{ date_from_parts('c.first_year + c.years_elapsed - 1', 12, 31) }} as period_end,
    prev.value as yoy_base_value,
    case when prev.value is not null then {{ date_from_parts('c.first_year - 5', 1, 1) }} end as yoy_base_start,
    cast(null as double) as qoq_base_value, cast(null as date) as qoq_base_start,
    cast(null as double) as prev5_mean, cast(null as date) as prev5_base_start,
    prev.numerator as yoy_base_numerator,
    prev.denominator as yoy_base_denominator,
    prev.is_complete as yoy_base_complete,
    prev.plan_period as yoy_base_period,
    cast(null as double) as prev5_numerator, cast(null as double) as prev5_denominator,
    cast(null as boolean) as prev5_complete
from plan_cumulative as c
left join plan_cumulative as prev
    on c.region_code = prev.region_code and c.indicator_code = prev.indicator_code
    and prev.first_year = c.first_year - 5 and prev.years_elapsed = c.years_elapsed
-- Only the latest elapsed year of each period is published as its plan-period row.
where c.years_elapsed = (
    select max(x.years_elapsed) from plan_cumulative as x
    where x.region_code = c.region_code and x.indicator_code = c.indicator_code
        and x.plan_period = c.plan_period
)
