-- Grain: region × indicator × period_type (month, quarter, ytd, year, plan_period) × period.
-- The published indicator values: each value with its region and indicator, its comparisons
-- (all in percent where *_pct), completeness and noise statistics, from named intermediates:
--   int_indicator_values__periods             quarter / YTD / year values with their period
--   int_indicator_values__plan_periods        plan-period values (seed plan_periods), 同比 base
--   int_indicator_values__comparison_bases    yoy 同比 (same period one year earlier; a plan
--        period: the previous one over as many elapsed years), qoq 环比 (previous quarter),
--        prev5 较近5年均值 (mean of the five previous years; null unless all five exist)
--   int_indicator_values__compared            the series-break rule (macros/comparisons.sql):
--        a comparison whose base straddles a break without a restated base is null, flagged
--   int_indicator_values__missing             missing submissions behind each value
--   int_indicator_values__statistics          completeness, intervals by count model (Poisson,
--        clustered persons, over-dispersion), rate ratios, p-values, FDR q-values, signals and
--        reliability (docs/methods.md §3)
--   int_indicator_values__months_statistics   the monthly lane (issue 17): month rows and
--        1–N月累计 at the months that are not a quarter's end (period 'YYYYMmm'), with 同比, 环比
--        (mom_*: previous month) and the same statistics (int_indicator_values__months*)
--
-- Year-incremental (macros/incremental_years.sql): a build rebuilds only the years whose inputs
-- changed since the last build (base values, missing submissions; macros/marts/
-- fct_indicator_values_inputs.sql) and the five years after each (同比, 环比 and the previous
-- five-year mean read up to five years back); the plan-period rows are rebuilt at every build;
-- a change to a seed or to the dbt code rebuilds every year. The inputs' fingerprints are
-- computed once a build (int_indicator_values__input_fingerprints); the two statistics tables
-- it reads are year-incremental by the same rule, so the years rebuilt here are read from
-- tables, not recomputed through views over every year. Columns added
-- by a code change are appended, and every year is rebuilt then (the code hash changed), so no
-- row keeps an empty new column. Many years (a full build) are computed in batches of whole
-- years, or of ranges of provinces for a year too large for one, one statement each
-- (indicator_values_year_batches: SAFETY_DBT_YEAR_BATCH_ROWS), as in the three tables of the chain.
{{ indicator_values_chain_config(on_schema_change='append_new_columns') }}
{%- set batches = indicator_values_year_batches(indicator_values_rebuilt_years()) %}
{%- set text = dbt.type_string() %}
{%- set stat_columns -%}
region_code, indicator_code, period_type, period, year, quarter, years_elapsed, period_start,
    period_end, value, numerator, denominator, denominator_year, denominator_basis, value_source,
    completeness, missing_submissions, missing_units, coverage_k, coverage_n, n_records,
    records_value, report_value, yoy_base_value, yoy_abs, yoy_pct, qoq_base_value, qoq_abs, qoq_pct,
    prev5_mean, vs_prev5_mean_abs, vs_prev5_mean_pct, break_flag, yoy_break, prev5_break,
    break_note_zh, break_note_en, released_on, ci_method, ci_low, ci_high, yoy_rate_ratio,
    yoy_rr_low, yoy_rr_high, yoy_p_value, yoy_signal, prev5_rate_ratio, prev5_rr_low,
    prev5_rr_high, prev5_p_value, prev5_signal, count_model, cur_cluster_ratio, phi, phi_basis,
    dispersion_factor, yoy_dispersion_factor, prev5_dispersion_factor, effective_events,
    reliability, yoy_q_value, prev5_q_value
{%- endset %}
select
    t.region_code,
    rg.name_zh as region_name_zh,
    coalesce(rg.name_en, rg.name_zh) as region_name_en,  -- as dim_regions
    rg.level as region_level,
    t.indicator_code,
    i.name_zh as indicator_name_zh,
    i.name_en as indicator_name_en,
    i.kind as indicator_kind,
    t.period_type,
    t.period,
    t.year,
    t.quarter,
    t.years_elapsed,
    t.period_start,
    t.period_end,
    case t.period_type
        when 'quarter' then cast(t.year as {{ text }}) || '年第' || cast(t.quarter as {{ text }}) || '季度'
        -- 1–1月累计 is January: '2023年1月', as bulletins print it
        when 'ytd' then cast(t.year as {{ text }}) || '年' || case when t.month > 1 then '1-' else '' end || cast(t.month as {{ text }}) || '月'
        when 'month' then cast(t.year as {{ text }}) || '年' || cast(t.month as {{ text }}) || '月'
        when 'year' then cast(t.year as {{ text }}) || '年'
        else t.period || '年' || case when t.years_elapsed < 5 then '(前' || cast(t.years_elapsed as {{ text }}) || '年)' else '' end
    end as period_label_zh,
    t.value,
    i.unit_zh as unit,
    i.unit_en,
    t.numerator,
    t.denominator,
    i.numerator_measure,
    i.denominator_measure,
    t.denominator_year,
    t.denominator_basis,
    t.value_source,
    t.completeness,
    t.missing_submissions,
    t.missing_units,
    t.coverage_k,
    t.coverage_n,
    cast(t.n_records as {{ dbt.type_bigint() }}) as n_records,  -- DuckDB's sum() is HUGEINT; bigint on every engine
    t.records_value,
    t.report_value,
    t.yoy_base_value, t.yoy_abs, t.yoy_pct,
    t.qoq_base_value, t.qoq_abs, t.qoq_pct,
    t.prev5_mean, t.vs_prev5_mean_abs, t.vs_prev5_mean_pct,
    t.break_flag,
    t.yoy_break,
    t.prev5_break,
    t.break_note_zh,
    t.break_note_en,
    t.released_on,
    i.better,
    i.headline,
    i.display_order,
    t.ci_method, t.ci_low, t.ci_high,
    t.yoy_rate_ratio, t.yoy_rr_low, t.yoy_rr_high, t.yoy_p_value, t.yoy_signal,
    t.prev5_rate_ratio, t.prev5_rr_low, t.prev5_rr_high, t.prev5_p_value, t.prev5_signal,
    t.count_model,
    t.cur_cluster_ratio as cluster_ratio,
    t.phi,
    t.phi_basis,
    t.dispersion_factor,
    t.yoy_dispersion_factor,
    t.prev5_dispersion_factor,
    t.effective_events,
    t.reliability,
    t.yoy_q_value,
    t.prev5_q_value,
    t.month,
    t.mom_base_value,
    t.mom_abs,
    t.mom_pct
from (
    -- the quarterly lane (a ytd's month is its quarter's last) and the monthly lane
    select
        {{ stat_columns }},
        case when period_type = 'ytd' then quarter * 3 end as month,
        cast(null as double) as mom_base_value,
        cast(null as double) as mom_abs,
        cast(null as double) as mom_pct
    from {{ ref('int_indicator_values__statistics') }}
    union all
    select {{ stat_columns }}, month, mom_base_value, mom_abs, mom_pct
    from {{ ref('int_indicator_values__months_statistics') }}
) as t
inner join {{ ref('indicators') }} as i on t.indicator_code = i.indicator_code
left join {{ ref('regions') }} as rg on t.region_code = rg.region_code
-- the years rebuilt and the plan-period rows (every row on a full build)
where {{ indicator_values_rebuilt_rows(batches, 't') }}
