-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Role: every indicator value with the bases it is compared against, before the series-break
-- rule (int_indicator_values__compared applies it): 同比 (same period one year earlier; a plan
-- period's from int_indicator_values__plan_periods), 环比 (previous quarter; quarters only) and
-- 较近5年均值 (mean of the same period in the five previous years; null unless all five exist),
-- each with the first day of its base and the events, exposure and completeness behind it.
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
{%- set keys = ['region_code', 'indicator_code'] %}
{%- set columns = [
    'region_code', 'indicator_code', 'period_type', 'period', 'year', 'quarter', 'value', 'numerator',
    'denominator', 'denominator_year', 'denominator_basis', 'value_source', 'is_complete', 'coverage_k',
    'coverage_n', 'n_records', 'records_value', 'report_value', 'released_on', 'years_elapsed',
    'period_start', 'period_end', 'yoy_base_value', 'yoy_base_start',
    'qoq_base_value', 'qoq_base_start', 'prev5_mean', 'prev5_base_start',
    'yoy_base_numerator', 'yoy_base_denominator', 'yoy_base_complete', 'yoy_base_period',
    'prev5_numerator', 'prev5_denominator', 'prev5_complete'] %}
{%- set periods = ref('int_indicator_values__periods') %}
with prev5 as (
    -- The five-year mean of every value: the same period in each of the five previous years,
    -- all five with a value. Grouped by the value's own key, so that the mart's filter on the
    -- years it rebuilds reaches this scan.
    select
        p.region_code, p.indicator_code, p.period_type, p.year, p.quarter,
        {{ previous_years_mean('h.value') }} as mean_value,
        case when {{ previous_years_all('h.value') }} then {{ exact_sum('h.numerator') }} end as numerator,
        case when {{ previous_years_all('h.value') }} then {{ exact_sum('h.denominator') }} end as denominator,
        case when {{ previous_years_all('h.value') }} then bool_and(h.is_complete) end as is_complete
    from {{ periods }} as p
    left join {{ periods }} as h on {{ same_period_previous_years('p', 'h', keys) }}
    group by p.region_code, p.indicator_code, p.period_type, p.year, p.quarter
),

compared as (
    select
        prev5.region_code, prev5.indicator_code, prev5.period_type, p.period, prev5.year, prev5.quarter,
        p.value, p.numerator, p.denominator, p.denominator_year, p.denominator_basis,
        p.value_source, p.is_complete, p.coverage_k, p.coverage_n, p.n_records,
        p.records_value, p.report_value, p.released_on,
        cast(null as integer) as years_elapsed,
        p.period_start, p.period_end,
        y.value as yoy_base_value,
        case when y.value is not null then y.period_start end as yoy_base_start,
        q.value as qoq_base_value,
        case when q.value is not null then q.period_start end as qoq_base_start,
        prev5.mean_value as prev5_mean,
        case when prev5.mean_value is not null then {{ date_from_parts('p.year - ' ~ comparison_prev_years(), 1, 1) }} end
            as prev5_base_start,
        y.numerator as yoy_base_numerator,
        y.denominator as yoy_base_denominator,
        y.is_complete as yoy_base_complete,
        y.period as yoy_base_period,
        prev5.numerator as prev5_numerator,
        prev5.denominator as prev5_denominator,
        prev5.is_complete as prev5_complete
    -- the key from prev5 (the filter on year and period_type goes there), the rest from p
    from prev5
    inner join {{ periods }} as p
        on prev5.region_code = p.region_code and prev5.indicator_code = p.indicator_code
        and prev5.period_type = p.period_type and prev5.year = p.year
        and prev5.quarter is not distinct from p.quarter
    left join {{ periods }} as y on {{ same_period_years_before('p', 'y', keys) }}
    left join {{ periods }} as q on {{ previous_quarter('p', 'q', keys) }}
)

select {{ columns | join(', ') }} from compared
union all
select {{ columns | join(', ') }} from {{ ref('int_indicator_values__plan_periods') }}
