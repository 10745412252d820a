-- Grain: region × indicator × period_type (month, ytd) × year × month.
-- Role: the monthly lane's compared values (int_indicator_values__months_compared) with their
-- completeness and noise statistics, by the rules of int_indicator_values__statistics
-- (docs/methods.md §3 and "Months"):
--   completeness  partial when the value is, or when a submission due in a quarter the period
--                 touches is missing (submissions are tracked by quarter: a month's submission
--                 status is its quarter's; int_submissions__missing_by_indicator);
--   D = c + max(0, φ − c)·f with f = 1/12 for a month, N/12 for a 1–N月累计; c the cluster
--                 ratio Σk²/Σk of the events of the quarters the period touches (clusters are
--                 kept by quarter: a month takes its quarter's), else the pooled ratio;
--   intervals, 同比 rate ratios and p-values from the same UDFs; q-values by Benjamini–Hochberg
--   within each family region × period_type × period × headline, as for quarters.
-- The columns are those of int_indicator_values__statistics the mart reads, with month and mom_*.
-- Year-incremental like the mart (macros/incremental_years.sql, inputs in
-- macros/marts/fct_indicator_values_inputs.sql): a build computes only the years whose inputs
-- changed and the five after each (this lane has no plan-period rows); a family lies within
-- one year, so a year's rows need no other year's statistics. As a view over every year, each
-- build computed the whole lane whatever the mart kept: its filter did not reach past the
-- Benjamini–Hochberg windows.
-- A build of many years (a full build) computes them in batches of whole years, or of ranges of
-- provinces for a year too large for one, one statement each (indicator_values_year_batches,
-- SAFETY_DBT_YEAR_BATCH_ROWS): one statement over every year of a national drop spilled tens
-- of GB (docs/scale.md).
{{ indicator_values_chain_config(plan_periods=false) }}
{%- set batches = indicator_values_year_batches(indicator_values_rebuilt_years()) %}
{%- set clusters = ref('int_record_measures__clusters') %}
with compared as (
    select
        c.*,
        -- the first day of the first quarter the period touches
        case when c.period_type = 'month' then {{ quarter_start('c.year', 'c.quarter') }} else c.period_start end
            as quarters_from
    from {{ ref('int_indicator_values__months_compared') }} as c
    -- the years rebuilt and the year before each: a value's 同比 base is partial when its
    -- base period has missing submissions (myb below), so `missing` needs the base's year too
    where {{ indicator_values_rebuilt_rows(batches, 'c', plan_periods=false, previous_years=1) }}
),

missing as (
    select
        f.region_code, f.indicator_code, f.period_type, f.period,
        count(distinct mr.unit_id || '/' || cast(mr.quarter_start as {{ dbt.type_string() }})) as missing_submissions,
        {{ dbt.listagg('distinct mr.unit_id', "', '", 'order by mr.unit_id') }} as missing_units
    from compared as f
    inner join {{ ref('int_submissions__missing_by_indicator') }} as mr
        on mr.indicator_code = f.indicator_code and mr.region_code = f.region_code
        and mr.quarter_start between f.quarters_from and f.period_end
    where f.value_source like '%records%'
    group by 1, 2, 3, 4
),

joined as (
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
        c.yoy_base_complete and myb.region_code is null as yoy_base_clean
    from compared as c
    inner join {{ ref('indicators') }} as i on c.indicator_code = i.indicator_code
    left join {{ ref('measures') }} as nm on i.numerator_measure = nm.measure_code
    left join missing as ms
        on c.region_code = ms.region_code and c.indicator_code = ms.indicator_code
        and c.period_type = ms.period_type and c.period = ms.period
    left join missing as myb
        on c.region_code = myb.region_code and c.indicator_code = myb.indicator_code
        and c.period_type = myb.period_type and c.yoy_base_period = myb.period
    where {{ indicator_values_rebuilt_rows(batches, 'c', plan_periods=false) }}
),

pooled_clusters as (
    select measure_code, year, sum(persons_sq) / sum(persons) as cluster_ratio
    from {{ clusters }}
    group by measure_code, year
),

cluster_shapes as (
    {{ cluster_shapes(clusters) }}
),

cluster_sums as (
    -- Σk, Σk² and max k of the events of the quarters the period (cur) and its 同比 base (yoy) touch
    {%- for role, back in [('cur', '0'), ('yoy', '1')] %}
    select
        j.region_code, j.indicator_code, j.period_type, j.period, '{{ role }}' as role,
        sum(cl.persons) as persons, sum(cl.persons_sq) as persons_sq, max(cl.max_per_event) as max_per_event
    from joined as j
    inner join cluster_shapes as cl
        on j.region_code = cl.region_code and j.numerator_measure_used = cl.measure_code
        and {{ period_clusters('cl', "case j.period_type when 'month' then 'quarter' else 'ytd' end", 'j.year', 'j.quarter', back, 1) }}
    where j.count_model = 'compound_poisson'
    group by 1, 2, 3, 4
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

factored as (
    select
        x.*,
        {%- for role, name in [('cur', 'dispersion_factor'), ('yoy', 'yoy_dispersion_factor')] %}
        x.{{ role }}_cluster_ratio
        + greatest(0.0, coalesce(x.phi, 1.0) - x.{{ role }}_cluster_ratio) * x.year_share as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            j.*,
            d.phi,
            d.phi_basis,
            case j.period_type when 'month' then 1 / 12e0 else j.month / 12e0 end as year_share,
            {%- for role in ['cur', 'yoy'] %}
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
        {%- for role in ['cur', 'yoy'] %}
        left join cluster_sums as cs_{{ role }}
            on j.region_code = cs_{{ role }}.region_code and j.indicator_code = cs_{{ role }}.indicator_code
            and j.period_type = cs_{{ role }}.period_type and j.period = cs_{{ role }}.period
            and cs_{{ role }}.role = '{{ role }}'
        {%- endfor %}
    ) as x
),

tested as (
    -- exposure E such that value = events / E (as for quarters), and whether 同比 is tested
    select
        x.*,
        x.ci_method <> 'none' and x.yoy_base_value is not null and x.yoy_base_numerator is not null as yoy_tested
    from (
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
            end as yoy_e0
        from factored as j
    ) as x
),

p_values as (
    -- narrow (the key, the family, the p-values): the windows below sort these rows, not the
    -- wide ones (at a national drop, sorting the wide rows four times spilled tens of GB)
    select
        t.region_code, t.indicator_code, t.period_type, t.period, t.headline,
        case
            when t.yoy_tested
                then dispersed_rr_p_value(t.numerator, t.e1, t.dispersion_factor, t.yoy_base_numerator, t.yoy_e0, t.yoy_dispersion_factor)
        end as yoy_p,
        t.yoy_tested and t.completeness = 'complete' and coalesce(t.yoy_base_clean, false) as yoy_in_family
    from tested as t
),

bh_values as (
    -- Benjamini–Hochberg within each family (region × period × headline or not), as for quarters
    {%- set family = 'partition by t.region_code, t.period_type, t.period, t.headline, t.yoy_in_family' %}
    select
        t.*,
        case when t.yoy_in_family then least(1.0, min(t.yoy_p * (t.yoy_m / t.yoy_rank)) over (
            {{ family }} order by t.yoy_p desc, t.indicator_code desc rows between unbounded preceding and current row
        )) end as yoy_q
    from (
        select
            p.*,
            count(*) over ({{ family | replace('t.', 'p.') }}) as yoy_m,
            row_number() over ({{ family | replace('t.', 'p.') }} order by p.yoy_p, p.indicator_code) as yoy_rank
        from p_values as p
    ) as t
),

q_values as (
    -- every row with its p-values, ranks and Benjamini–Hochberg q-values (one row a key)
    select x.*, b.yoy_p, b.yoy_in_family, b.yoy_m, b.yoy_rank, b.yoy_q
    from tested as x
    inner join bh_values as b
        on
            x.region_code = b.region_code and x.indicator_code = b.indicator_code
            and x.period_type = b.period_type and x.period = b.period
)

select
    t.region_code, t.indicator_code, t.period_type, t.period, t.year, t.quarter, t.years_elapsed,
    t.period_start, t.period_end, t.value, t.numerator, t.denominator, t.denominator_year,
    t.denominator_basis, t.value_source, t.completeness, t.missing_submissions, t.missing_units,
    t.coverage_k, t.coverage_n, t.n_records, t.records_value, t.report_value,
    t.yoy_base_value, t.yoy_abs, t.yoy_pct,
    cast(null as double) as qoq_base_value, cast(null as double) as qoq_abs, cast(null as double) as qoq_pct,
    cast(null as double) as prev5_mean, cast(null as double) as vs_prev5_mean_abs,
    cast(null as double) as vs_prev5_mean_pct,
    t.break_flag, t.yoy_break, t.prev5_break, t.break_note_zh, t.break_note_en, t.released_on,
    t.ci_method,
    {%- for bound in ['low', 'high'] %}
    case
        when t.ci_method <> 'none'
            then dispersed_ci_{{ bound }}(
                t.numerator, t.dispersion_factor * t.numerator,
                greatest(coalesce(t.cur_max_per_event, 1.0), t.dispersion_factor)
            ) / t.e1
    end as ci_{{ bound }},
    {%- endfor %}
    {%- set args = 't.numerator, t.e1, t.dispersion_factor, t.yoy_base_numerator, t.yoy_e0, t.yoy_dispersion_factor' %}
    case when t.yoy_tested then {{ safe_divide('t.value', 't.yoy_base_value') }} end as yoy_rate_ratio,
    case when t.yoy_tested then dispersed_rr_ci_low({{ args }}) end as yoy_rr_low,
    case when t.yoy_tested then dispersed_rr_ci_high({{ args }}) end as yoy_rr_high,
    t.yoy_p as yoy_p_value,
    case
        when not t.yoy_tested then null
        when t.completeness = 'partial' or not coalesce(t.yoy_base_clean, false) then 'partial_coverage'
        when t.yoy_q < 0.05 then 'significant'
        else 'within_noise'
    end as yoy_signal,
    cast(null as double) as prev5_rate_ratio, cast(null as double) as prev5_rr_low,
    cast(null as double) as prev5_rr_high, cast(null as double) as prev5_p_value,
    cast(null as {{ dbt.type_string() }}) as prev5_signal,
    t.count_model,
    t.cur_cluster_ratio,
    t.phi,
    t.phi_basis,
    t.dispersion_factor,
    t.yoy_dispersion_factor,
    cast(null as double) as prev5_dispersion_factor,
    case when t.ci_method <> 'none' then t.numerator / t.dispersion_factor end as effective_events,
    case when t.ci_method <> 'none' then
        case when t.numerator / t.dispersion_factor < 20 then 'low' else 'ok' end
    end as reliability,
    t.yoy_q as yoy_q_value,
    cast(null as double) as prev5_q_value,
    t.month,
    t.mom_base_value,
    t.mom_abs,
    t.mom_pct
from q_values as t
