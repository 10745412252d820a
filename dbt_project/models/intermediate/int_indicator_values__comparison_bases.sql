-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Role: every indicator value with the bases it is compared against, before the series-break
-- rule (int_indicator_values__compared applies it): 同比 (same period one year earlier; a plan
-- period's from int_indicator_values__plan_periods), 环比 (previous quarter; quarters only) and
-- 较近5年均值 (mean of the same period in the five previous years; null unless all five exist),
-- each with the first day of its base and the events, exposure and completeness behind it.
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
{%- set columns = [
    'region_code', 'indicator_code', 'period_type', 'period', 'year', 'quarter', 'value', 'numerator',
    'denominator', 'denominator_year', 'denominator_basis', 'value_source', 'is_complete', 'coverage_k',
    'coverage_n', 'n_records', 'records_value', 'report_value', 'released_on', 'years_elapsed',
    'period_start', 'period_end', 'yoy_base_value', 'yoy_base_start',
    'qoq_base_value', 'qoq_base_start', 'prev5_mean', 'prev5_base_start',
    'yoy_base_numerator', 'yoy_base_denominator', 'yoy_base_complete', 'yoy_base_period',
    'prev5_numerator', 'prev5_denominator', 'prev5_complete'] %}
{%- set periods = ref('int_indicator_values__periods') %}
{%- set n_prev = comparison_prev_years() %}
{%- set base_columns = 'region_code, indicator_code, period_type, quarter, value, numerator, denominator, is_complete, period, period_start' %}
with lined_up as (
    -- Each value under the key of every period compared with it: its own (years_back 0: the key
    -- exists even without any base), the same period 1 to 5 years later (同比 base at 1,
    -- 较近5年均值 bases at 1..5) and the next quarter (环比 base, years_back null). A union of
    -- shifted scans grouped by the key, not self-joins: a filter on the key (the mart's years and
    -- provinces of a batch) reaches every scan, where the right side of a left join was built
    -- from every year and region (docs/scale.md).
    {%- for k in range(n_prev + 1) %}
    select year + {{ k }} as year, {{ k }} as years_back, {{ base_columns }} from {{ periods }}
    union all
    {%- endfor %}
    select
        case when quarter = 4 then year + 1 else year end as year,
        cast(null as integer) as years_back,
        region_code, indicator_code, period_type,
        case when quarter = 4 then 1 else quarter + 1 end as quarter,
        value, numerator, denominator, is_complete, period, period_start
    from {{ periods }}
    where period_type = 'quarter'
),

bases as (
    select
        region_code, indicator_code, period_type, year, quarter,
        {{ lined_up_bases('qoq') }},
        {%- set prev = 'case when years_back >= 1 then ' %}
        {{ previous_years_mean(prev ~ 'value end') }} as prev5_mean,
        case when {{ previous_years_all(prev ~ 'value end') }} then {{ exact_sum(prev ~ 'numerator end') }} end as prev5_numerator,
        case when {{ previous_years_all(prev ~ 'value end') }} then {{ exact_sum(prev ~ 'denominator end') }} end as prev5_denominator,
        case when {{ previous_years_all(prev ~ 'value end') }} then bool_and({{ prev }}is_complete end) end as prev5_complete
    from lined_up
    group by region_code, indicator_code, period_type, year, quarter
    having min(years_back) = 0  -- a value of its own (the join below needs one too)
),

compared as (
    select
        b.region_code, b.indicator_code, b.period_type, p.period, b.year, b.quarter,
        p.value, p.numerator, p.denominator, p.denominator_year, p.denominator_basis,
        p.value_source, p.is_complete, p.coverage_k, p.coverage_n, p.n_records,
        p.records_value, p.report_value, p.released_on,
        cast(null as integer) as years_elapsed,
        p.period_start, p.period_end,
        b.yoy_value as yoy_base_value,
        case when b.yoy_value is not null then b.yoy_start end as yoy_base_start,
        b.qoq_value as qoq_base_value,
        case when b.qoq_value is not null then b.qoq_start end as qoq_base_start,
        b.prev5_mean,
        case when b.prev5_mean is not null then {{ date_from_parts('b.year - ' ~ n_prev, 1, 1) }} end
            as prev5_base_start,
        b.yoy_numerator as yoy_base_numerator,
        b.yoy_denominator as yoy_base_denominator,
        b.yoy_complete as yoy_base_complete,
        b.yoy_period as yoy_base_period,
        b.prev5_numerator,
        b.prev5_denominator,
        b.prev5_complete
    -- the key from bases (the filter on year and period_type goes there), the rest from p
    from bases as b
    inner join {{ periods }} as p
        on b.region_code = p.region_code and b.indicator_code = p.indicator_code
        and b.period_type = p.period_type and b.year = p.year
        and b.quarter is not distinct from p.quarter
)

select {{ columns | join(', ') }} from compared
union all
select {{ columns | join(', ') }} from {{ ref('int_indicator_values__plan_periods') }}
