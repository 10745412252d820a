-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Role: every compared indicator value (int_indicator_values__compared) with its completeness
-- and its noise statistics (docs/methods.md §3). A missing submission makes the value partial
-- however complete the coverage registry says it is.
-- The count model of the numerator (seed measures.count_model) decides the statistics:
--   poisson           events (accidents, fires): variance = count;
--   compound_poisson  persons (deaths, injuries): one event kills several, variance = Σ k_j²
--                     over events j of k_j persons (int_record_measures__clusters); where only
--                     a report total exists, the cluster ratio pooled over every region's
--                     records of the measure in the same year (1 without any);
--   none              amounts (money, area, person-times): no interval, no test.
-- Both carry one dispersion factor D = c + max(0, φ − c)·f: c the cluster ratio Σk²/Σk of the
-- period's events, φ the series' year-to-year dispersion (int_measure_values__dispersion), f
-- the share of a year the period spans (¼ a quarter, N/4 a 1–N月累计, 1 a year or plan period:
-- a year effect on a quarter is a quarter of it). Intervals: Fay–Feuer gamma limits on the
-- count with variance D·n (exact Garwood when D = 1). 同比 and 较近5年均值: the rate ratio shown,
-- its interval and p-value from the exact conditional test on effective counts n/D (UDFs of the
-- dbt plugin pipelines.dbt_udfs). Signals: a family of comparisons is one region, period and
-- comparison, headline indicators (named in advance, seed indicators.headline) apart from the
-- rest; within it Benjamini–Hochberg q-values control the false-discovery rate at 5%:
-- significant when q < 0.05, within_noise ("no evidence of change") otherwise, partial_coverage
-- when either side rests on partial data. reliability = 'low' below 20 effective events (ONS).
-- Year-incremental like the mart (macros/incremental_years.sql, inputs in
-- macros/marts/fct_indicator_values_inputs.sql): a build computes only the years whose inputs
-- changed and the five after each, and the plan-period rows; a family (below) lies within one
-- year, so a year's rows need no other year's statistics. As a view over every year, each
-- build computed the whole chain whatever the mart kept: its filter did not reach past the
-- Benjamini–Hochberg windows.
-- A build of many years (a full build) computes them in batches of whole years, or of ranges of
-- provinces for a year too large for one, one statement each (indicator_values_year_batches,
-- SAFETY_DBT_YEAR_BATCH_ROWS): one statement over every year of a national drop spilled tens
-- of GB (docs/scale.md).
{{ indicator_values_chain_config() }}
{%- set batches = indicator_values_year_batches(indicator_values_rebuilt_years()) %}
{%- set missing = ref('int_indicator_values__missing') %}
{%- set clusters = ref('int_record_measures__clusters') %}
with joined as (
    select
        c.*,
        case when c.is_complete and ms.region_code is null then 'complete' else 'partial' end as completeness,
        coalesce(ms.missing_submissions, 0) as missing_submissions,
        ms.missing_units,
        i.kind = 'count' as is_count,
        i.scale,
        i.headline,
        {{ numerator_measure_used('i.indicator_code', 'i.numerator_measure') }} as numerator_measure_used,
        coalesce(nm.count_model, 'none') as count_model,
        coalesce(nm.count_model, 'none') <> 'none' and (i.kind = 'count' or i.denominator_from = 'denominator') as poisson,
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
    where {{ indicator_values_rebuilt_rows(batches, 'c') }}
),

pooled_clusters as (
    -- the fallback where a period has no records: every region's records of the measure in
    -- the value's year (by year, so that a new quarter touches only its year's values)
    select measure_code, year, sum(persons_sq) / sum(persons) as cluster_ratio
    from {{ clusters }}
    group by measure_code, year
),

cluster_shapes as (
    {{ cluster_shapes(clusters) }}
),

cluster_sums as (
    -- Σk, Σk² and max k of the events in the period (cur), its 同比 base (yoy) and its
    -- five-year base (prev5); a plan period's base is the previous plan period
    {%- for role, back, n_years in [
        ('cur', '0', 'coalesce(j.years_elapsed, 1)'),
        ('yoy', "case when j.period_type = 'plan_period' then 5 else 1 end", 'coalesce(j.years_elapsed, 1)'),
        ('prev5', '1', comparison_prev_years())] %}
    select
        j.region_code, j.indicator_code, j.period_type, j.period, '{{ role }}' as role,
        sum(cl.persons) as persons, sum(cl.persons_sq) as persons_sq, max(cl.max_per_event) as max_per_event
    from joined as j
    inner join cluster_shapes as cl
        on j.region_code = cl.region_code and j.numerator_measure_used = cl.measure_code
        and {{ period_clusters('cl', 'j.period_type', 'j.year', 'j.quarter', back, n_years) }}
    where j.count_model = 'compound_poisson'{{ " and j.period_type <> 'plan_period'" if role == 'prev5' }}
    group by 1, 2, 3, 4
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

dispersed as (
    select
        j.*,
        d.phi,
        d.phi_basis,
        case j.period_type when 'quarter' then 0.25 when 'ytd' then j.quarter / 4.0 else 1.0 end as year_share,
        {%- for role in ['cur', 'yoy', 'prev5'] %}
        case
            when j.count_model <> 'compound_poisson' then 1.0
            when cs_{{ role }}.persons > 0 then cs_{{ role }}.persons_sq / cs_{{ role }}.persons
            else coalesce(pc.cluster_ratio, 1.0)
        end as {{ role }}_cluster_ratio,
        cs_{{ role }}.max_per_event as {{ role }}_max_per_event{{ ',' if not loop.last }}
        {%- endfor %}
    from joined as j
    left join {{ ref('int_measure_values__dispersion') }} as d
        on j.region_code = d.region_code and j.numerator_measure_used = d.measure_code and j.year = d.year
    left join pooled_clusters as pc on j.numerator_measure_used = pc.measure_code and j.year = pc.year
    {%- for role in ['cur', 'yoy', 'prev5'] %}
    left join cluster_sums as cs_{{ role }}
        on j.region_code = cs_{{ role }}.region_code and j.indicator_code = cs_{{ role }}.indicator_code
        and j.period_type = cs_{{ role }}.period_type and j.period = cs_{{ role }}.period
        and cs_{{ role }}.role = '{{ role }}'
    {%- endfor %}
),

factored as (
    -- D = c + max(0, φ − c)·f for the value and each base
    select
        x.*,
        {%- for role, name in [('cur', 'dispersion_factor'), ('yoy', 'yoy_dispersion_factor'), ('prev5', 'prev5_dispersion_factor')] %}
        x.{{ role }}_cluster_ratio
        + greatest(0.0, coalesce(x.phi, 1.0) - x.{{ role }}_cluster_ratio) * x.year_share as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from dispersed as x
),

exposed as (
    -- Exposure E such that value = events / E: 1 for a count (5 for the five-year base, whose
    -- mean is compared); for a rate, denominator ÷ scale. A plan period's rate is the mean of
    -- its annual rates, so E is taken as implied by the value (numerator ÷ value): the interval
    -- is then that of the pooled rate with the same point (exact when denominators are equal).
    select
        j.*,
        case
            when not j.poisson or j.value is null or j.numerator is null then 'none'
            when j.dispersion_factor = 1 then 'poisson_exact'
            else 'gamma_dispersed'
        end as ci_method,
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
    from factored as j
),

tested as (
    select
        x.*,
        x.ci_method <> 'none' and x.yoy_base_value is not null and x.yoy_base_numerator is not null as yoy_tested,
        x.ci_method <> 'none' and x.prev5_mean is not null and x.prev5_numerator is not null as prev5_tested
    from exposed as x
),

p_values as (
    -- narrow (the key, the family, the p-values): the windows below sort these rows, not the
    -- wide ones (at a national drop, sorting the wide rows four times spilled tens of GB)
    select
        t.region_code, t.indicator_code, t.period_type, t.period, t.headline,
        {%- for cmp, n0, e0 in [('yoy', 'yoy_base_numerator', 'yoy_e0'), ('prev5', 'prev5_numerator', 'prev5_e0')] %}
        case
            when t.{{ cmp }}_tested
                then dispersed_rr_p_value(t.numerator, t.e1, t.dispersion_factor, t.{{ n0 }}, t.{{ e0 }}, t.{{ cmp }}_dispersion_factor)
        end as {{ cmp }}_p,
        t.{{ cmp }}_tested and t.completeness = 'complete' and coalesce(t.{{ 'yoy_base_clean' if cmp == 'yoy' else 'prev5_base_clean' }}, false)
            as {{ cmp }}_in_family{{ ',' if not loop.last }}
        {%- endfor %}
    from tested as t
),

bh_values as (
    -- Benjamini–Hochberg within each family (region × period × comparison × headline or not):
    -- q_(i) = min over j ≥ i of m·p_(j)/j (pipelines/lib/dispersion.benjamini_hochberg); m/j
    -- first, so that q is exactly p when m = j (never below it by a rounding)
    select
        t.*,
        {%- for cmp in ['yoy', 'prev5'] %}
        {%- set family = 'partition by t.region_code, t.period_type, t.period, t.headline, t.' ~ cmp ~ '_in_family' %}
        case when t.{{ cmp }}_in_family then least(1.0, min(t.{{ cmp }}_p * (t.{{ cmp }}_m / t.{{ cmp }}_rank)) over (
            {{ family }} order by t.{{ cmp }}_p desc, t.indicator_code desc rows between unbounded preceding and current row
        )) end as {{ cmp }}_q{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            p.*,
            {%- for cmp in ['yoy', 'prev5'] %}
            {%- set family = 'partition by p.region_code, p.period_type, p.period, p.headline, p.' ~ cmp ~ '_in_family' %}
            count(*) over ({{ family }}) as {{ cmp }}_m,
            row_number() over ({{ family }} order by p.{{ cmp }}_p, p.indicator_code) as {{ cmp }}_rank{{ ',' if not loop.last }}
            {%- endfor %}
        from p_values as p
    ) as t
),

q_values as (
    -- every row with its p-values, ranks and Benjamini–Hochberg q-values (one row a key)
    select x.*, b.yoy_p, b.yoy_in_family, b.prev5_p, b.prev5_in_family, b.yoy_m, b.yoy_rank, b.prev5_m, b.prev5_rank, b.yoy_q, b.prev5_q
    from tested as x
    inner join bh_values as b
        on
            x.region_code = b.region_code and x.indicator_code = b.indicator_code
            and x.period_type = b.period_type and x.period = b.period
)


-- Rate ratio = value ÷ base (so yoy_pct = 100 × (ratio − 1)); interval and p-value from the
-- conditional test on effective counts; the signal from the family's q-value.
select
    t.*,
    case when t.ci_method <> 'none' then t.numerator / t.dispersion_factor end as effective_events,
    case when t.ci_method <> 'none' then
        case when t.numerator / t.dispersion_factor < 20 then 'low' else 'ok' end
    end as reliability,
    {%- for bound in ['low', 'high'] %}
    case
        when t.ci_method <> 'none'
            then dispersed_ci_{{ bound }}(
                t.numerator, t.dispersion_factor * t.numerator,
                greatest(coalesce(t.cur_max_per_event, 1.0), t.dispersion_factor)
            ) / t.e1
    end as ci_{{ bound }},
    {%- endfor %}
    {%- for cmp, base, n0, e0, clean in [
        ('yoy', 'yoy_base_value', 'yoy_base_numerator', 'yoy_e0', 'yoy_base_clean'),
        ('prev5', 'prev5_mean', 'prev5_numerator', 'prev5_e0', 'prev5_base_clean')] %}
    {%- set args = 't.numerator, t.e1, t.dispersion_factor, t.' ~ n0 ~ ', t.' ~ e0 ~ ', t.' ~ cmp ~ '_dispersion_factor' %}
    case when t.{{ cmp }}_tested then {{ safe_divide('t.value', 't.' ~ base) }} end as {{ cmp }}_rate_ratio,
    case when t.{{ cmp }}_tested then dispersed_rr_ci_low({{ args }}) end as {{ cmp }}_rr_low,
    case when t.{{ cmp }}_tested then dispersed_rr_ci_high({{ args }}) end as {{ cmp }}_rr_high,
    t.{{ cmp }}_p as {{ cmp }}_p_value,
    t.{{ cmp }}_q as {{ cmp }}_q_value,
    case
        when not t.{{ cmp }}_tested then null
        when t.completeness = 'partial' or not coalesce(t.{{ clean }}, false) then 'partial_coverage'
        when t.{{ cmp }}_q < 0.05 then 'significant'
        else 'within_noise'
    end as {{ cmp }}_signal{{ ',' if not loop.last }}
    {%- endfor %}
from q_values as t
