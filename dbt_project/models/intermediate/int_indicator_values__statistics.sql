-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Role: every compared indicator value (int_indicator_values__compared) with its completeness
-- and its noise statistics (docs/methods.md). A missing submission makes the value partial
-- however complete the coverage registry says it is. Counts of events and rates on them get an
-- exact Poisson (Garwood) 95% interval; 同比 and 较近5年均值 get the rate ratio with its exact
-- conditional interval and p-value (UDFs from the dbt plugin pipelines.dbt_udfs) and a signal:
-- significant / within_noise, or partial_coverage when either side rests on partial data.
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
{%- set missing = ref('int_indicator_values__missing') %}
with joined as (
    select
        c.*,
        case when c.is_complete and ms.region_code is null then 'complete' else 'partial' end as completeness,
        coalesce(ms.missing_submissions, 0) as missing_submissions,
        ms.missing_units,
        i.kind = 'count' as is_count,
        i.scale,
        coalesce(nm.poisson, false) and (i.kind = 'count' or i.denominator_from = 'denominator') as poisson,
        c.yoy_base_complete and myb.region_code is null as yoy_base_clean,
        c.prev5_complete and m5.region_code is null as prev5_base_clean
    from {{ ref('int_indicator_values__compared') }} as c
    inner join {{ ref('indicators') }} as i on c.indicator_code = i.indicator_code
    left join {{ ref('measures') }} as nm on i.numerator_measure = nm.measure_code
    left join {{ missing }} as ms
        on
            c.region_code = ms.region_code and c.indicator_code = ms.indicator_code
            and c.period_type = ms.period_type and c.period = ms.period
    -- the 同比 base's missing submissions
    left join {{ missing }} as myb
        on
            c.region_code = myb.region_code and c.indicator_code = myb.indicator_code
            and c.period_type = myb.period_type and c.yoy_base_period = myb.period
    -- missing submissions in the five-year base: the values whose five previous years hold one
    left join (
        select distinct mb.region_code, mb.indicator_code, mb.period_type, mb.quarter, mb.year + k.n as year
        from {{ missing }} as mb
        cross join {{ values_table('n', range(1, comparison_prev_years() + 1) | list) }} as k
    ) as m5
        on
            c.region_code = m5.region_code and c.indicator_code = m5.indicator_code
            and c.period_type = m5.period_type and c.quarter is not distinct from m5.quarter
            and c.year = m5.year
),

exposed as (
    -- Exposure E such that value = events / E: 1 for a count (5 for the five-year base, whose
    -- mean is compared); for a rate, denominator ÷ scale. A plan period's rate is the mean of
    -- its annual rates, so E is taken as implied by the value (numerator ÷ value): the interval
    -- is then that of the pooled rate with the same point (exact when denominators are equal).
    select
        j.*,
        case when j.poisson and j.value is not null and j.numerator is not null then 'poisson_exact' else 'none' end
            as ci_method,
        case
            when j.is_count then 1.0
            when j.numerator > 0 and j.value > 0 then j.numerator / j.value
            else j.denominator / j.scale
        end as e1,
        case
            when j.is_count then 1.0
            when j.yoy_base_numerator > 0 and j.yoy_base_value > 0 then j.yoy_base_numerator / j.yoy_base_value
            else j.yoy_base_denominator / j.scale
        end as yoy_e0,
        case when j.is_count then 5.0 else j.prev5_denominator / j.scale end as prev5_e0
    from joined as j
),

tested as (
    select
        x.*,
        x.ci_method <> 'none' and x.yoy_base_value is not null and x.yoy_base_numerator is not null as yoy_tested,
        x.ci_method <> 'none' and x.prev5_mean is not null and x.prev5_numerator is not null as prev5_tested
    from exposed as x
),

p_values as (
    select
        t.*,
        case when t.yoy_tested then rate_ratio_p_value(t.numerator, t.e1, t.yoy_base_numerator, t.yoy_e0) end as yoy_p,
        case when t.prev5_tested then rate_ratio_p_value(t.numerator, t.e1, t.prev5_numerator, t.prev5_e0) end as prev5_p
    from tested as t
)

-- Rate ratio = value ÷ base (so yoy_pct = 100 × (ratio − 1)); interval and p-value from the
-- exact conditional test on events and exposures.
select
    t.*,
    case when t.ci_method <> 'none' then poisson_ci_low(t.numerator) / t.e1 end as ci_low,
    case when t.ci_method <> 'none' then poisson_ci_high(t.numerator) / t.e1 end as ci_high,
    {%- for cmp, base, n0, e0, clean in [
        ('yoy', 'yoy_base_value', 'yoy_base_numerator', 'yoy_e0', 'yoy_base_clean'),
        ('prev5', 'prev5_mean', 'prev5_numerator', 'prev5_e0', 'prev5_base_clean')] %}
    case when t.{{ cmp }}_tested then {{ safe_divide('t.value', 't.' ~ base) }} end as {{ cmp }}_rate_ratio,
    case when t.{{ cmp }}_tested then rate_ratio_ci_low(t.numerator, t.e1, t.{{ n0 }}, t.{{ e0 }}) end as {{ cmp }}_rr_low,
    case when t.{{ cmp }}_tested then rate_ratio_ci_high(t.numerator, t.e1, t.{{ n0 }}, t.{{ e0 }}) end as {{ cmp }}_rr_high,
    t.{{ cmp }}_p as {{ cmp }}_p_value,
    case
        when not t.{{ cmp }}_tested then null
        when t.completeness = 'partial' or not coalesce(t.{{ clean }}, false) then 'partial_coverage'
        when t.{{ cmp }}_p < 0.05 then 'significant'
        else 'within_noise'
    end as {{ cmp }}_signal{{ ',' if not loop.last }}
    {%- endfor %}
from p_values as t
