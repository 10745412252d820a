-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Comparisons (all in percent where *_pct):
--   yoy  同比: same period one year earlier (quarter, YTD 1–N月累计, year); for a plan period,
--        the previous plan period over the same number of elapsed years.
--   qoq  环比: previous quarter (quarters only).
--   prev5 较近5年均值: mean of the same period in the five previous years; null unless all five exist.
-- A comparison whose base straddles a registered series break is null and break_flag is true,
-- unless the break has a restated base.
-- Noise (docs/methods.md): counts of events and rates on them get an exact Poisson (Garwood) 95%
-- interval; 同比 and 较近5年均值 get the rate ratio with its exact conditional interval and p-value
-- (UDFs from the dbt plugin pipelines.dbt_udfs) and a signal: significant / within_noise, or
-- partial_coverage when either side rests on partial data (a partial count is only a lower bound).
--
-- Year-incremental (macros/incremental_years.sql): a build rebuilds only the years whose inputs
-- changed since the last build (base values, missing submissions; macros/marts/
-- fct_indicator_values_inputs.sql) and the five years after each (同比, 环比 and the previous
-- five-year mean read up to five years back); the plan-period rows are rebuilt at every build;
-- a change to a seed or to the dbt code rebuilds every year.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    full_refresh=(true if var('as_of', none) else none),
    pre_hook="{{ year_state_pre_hook(fct_indicator_values_inputs(), years_after=fct_indicator_values_years_after(), always_rebuilt=fct_indicator_values_always_rebuilt()) }}",
    post_hook="{{ year_state_post_hook(fct_indicator_values_inputs()) }}",
) }}
{%- set year_incremental = year_incremental_build() %}
{%- set reach = fct_indicator_values_years_after() %}
{%- set rebuild = rebuild_plan(fct_indicator_values_inputs(), years_after=reach).get('years', []) if year_incremental else [] %}
with base as (
    select * from {{ ref('int_indicator_values__base') }}
    {%- if year_incremental %}
    -- the years rebuilt and the five before each; every year's annual values (plan periods)
    where year in ({{ year_list(with_previous_years(rebuild, reach)) }}) or period_type = 'year'
    {%- endif %}
),

indicators as (select * from {{ ref('indicators') }}),

plan_periods as (
    select * from (values
        ('2011-2015', '“十二五”', 2011, 2015),
        ('2016-2020', '“十三五”', 2016, 2020),
        ('2021-2025', '“十四五”', 2021, 2025),
        ('2026-2030', '“十五五”', 2026, 2030)
    ) as t (plan_period, plan_name_zh, first_year, last_year)
),

annual as (
    select
        b.*,
        p.plan_period,
        p.first_year,
        b.year - p.first_year + 1 as year_index
    from base as b
    inner join plan_periods as p on b.year between p.first_year and p.last_year
    where b.period_type = 'year'
),

plan_cumulative as (
    -- Value of each plan period over its first k years, k = 1..5: counts are totals,
    -- rates are 年均 (mean of the annual values).
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
),

plan_rows as (
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
        prev.numerator as yoy_base_numerator,
        prev.denominator as yoy_base_denominator,
        prev.is_complete as yoy_base_complete,
        prev.plan_period as yoy_base_period
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
),

periodic as (
    select
        b.*,
        case b.period_type
            when 'year' then cast(b.year as {{ dbt.type_string() }})
            else cast(b.year as {{ dbt.type_string() }}) || 'Q' || cast(b.quarter as {{ dbt.type_string() }})
        end as period,
        case b.period_type
            when 'quarter' then {{ quarter_start('b.year', 'b.quarter') }}
            else {{ date_from_parts('b.year', 1, 1) }}
        end as period_start,
        case b.period_type
            when 'year' then {{ date_from_parts('b.year', 12, 31) }}
            else {{ quarter_end('b.year', 'b.quarter') }}
        end as period_end
    from base as b
),

compared as (
    select
        p.region_code, p.indicator_code, p.period_type, p.period, p.year, p.quarter,
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
        case when prev5.mean_value is not null then {{ date_from_parts('p.year - 5', 1, 1) }} end as prev5_base_start,
        y.numerator as yoy_base_numerator,
        y.denominator as yoy_base_denominator,
        y.is_complete as yoy_base_complete,
        y.period as yoy_base_period,
        prev5.numerator as prev5_numerator,
        prev5.denominator as prev5_denominator,
        prev5.is_complete as prev5_complete
    from periodic as p
    left join periodic as y
        on p.region_code = y.region_code and p.indicator_code = y.indicator_code
        and p.period_type = y.period_type and y.year = p.year - 1
        and p.quarter is not distinct from y.quarter
    left join periodic as q
        on p.period_type = 'quarter' and q.period_type = 'quarter'
        and p.region_code = q.region_code and p.indicator_code = q.indicator_code
        and q.year * 4 + q.quarter = p.year * 4 + p.quarter - 1
    left join (
        select
            cur.region_code, cur.indicator_code, cur.period_type, cur.year, cur.quarter,
            {{ exact_avg('h.value') }} as mean_value,
            {{ exact_sum('h.numerator') }} as numerator,
            {{ exact_sum('h.denominator') }} as denominator,
            bool_and(h.is_complete) as is_complete
        from periodic as cur
        inner join periodic as h
            on cur.region_code = h.region_code and cur.indicator_code = h.indicator_code
            and cur.period_type = h.period_type and cur.quarter is not distinct from h.quarter
            and h.year between cur.year - 5 and cur.year - 1
        {%- if year_incremental %}
        where cur.year in ({{ year_list(rebuild) }})
        {%- endif %}
        group by 1, 2, 3, 4, 5
        having count(h.value) = 5
    ) as prev5
        on p.region_code = prev5.region_code and p.indicator_code = prev5.indicator_code
        and p.period_type = prev5.period_type and p.year = prev5.year
        and p.quarter is not distinct from prev5.quarter
    {%- if year_incremental %}
    where p.year in ({{ year_list(rebuild) }})
    {%- endif %}
),

all_rows as (
    select
        region_code, indicator_code, period_type, period, year, quarter, value, numerator,
        denominator, denominator_year, denominator_basis, value_source, is_complete, coverage_k,
        coverage_n, n_records, records_value, report_value, released_on, years_elapsed,
        period_start, period_end, yoy_base_value, yoy_base_start,
        qoq_base_value, qoq_base_start, prev5_mean, prev5_base_start,
        yoy_base_numerator, yoy_base_denominator, yoy_base_complete, yoy_base_period,
        prev5_numerator, prev5_denominator, prev5_complete
    from compared
    union all
    select
        region_code, indicator_code, period_type, period, year, quarter, value, numerator,
        denominator, denominator_year, denominator_basis, value_source, is_complete, coverage_k,
        coverage_n, n_records, records_value, report_value, released_on, years_elapsed,
        period_start, period_end, yoy_base_value, yoy_base_start,
        cast(null as double) as qoq_base_value, cast(null as date) as qoq_base_start,
        cast(null as double) as prev5_mean, cast(null as date) as prev5_base_start,
        yoy_base_numerator, yoy_base_denominator, yoy_base_complete, yoy_base_period,
        cast(null as double) as prev5_numerator, cast(null as double) as prev5_denominator,
        cast(null as boolean) as prev5_complete
    from plan_rows
),

breaks as (
    -- A break applies to an indicator through its numerator measure.
    select i.indicator_code, b.break_id, b.effective_from, b.restated_base, b.note_zh, b.note_en
    from {{ ref('series_breaks') }} as b
    inner join indicators as i on b.measure_code = i.numerator_measure
),

flagged as (
    select
        r.*,
        exists (
            select 1 from breaks as b
            where b.indicator_code = r.indicator_code and not b.restated_base
                and b.effective_from > r.yoy_base_start and b.effective_from <= r.period_end
        ) as yoy_break,
        exists (
            select 1 from breaks as b
            where b.indicator_code = r.indicator_code and not b.restated_base
                and b.effective_from > r.qoq_base_start and b.effective_from <= r.period_end
        ) as qoq_break,
        exists (
            select 1 from breaks as b
            where b.indicator_code = r.indicator_code and not b.restated_base
                and b.effective_from > r.prev5_base_start and b.effective_from <= r.period_end
        ) as prev5_break,
        (
            select {{ dbt.listagg('b.note_zh', "';'", 'order by b.effective_from') }} from breaks as b
            where b.indicator_code = r.indicator_code
                and b.effective_from > coalesce(r.prev5_base_start, r.yoy_base_start, r.period_start)
                and b.effective_from <= r.period_end
        ) as break_note_zh,
        (
            select {{ dbt.listagg('b.note_en', "'; '", 'order by b.effective_from') }} from breaks as b
            where b.indicator_code = r.indicator_code
                and b.effective_from > coalesce(r.prev5_base_start, r.yoy_base_start, r.period_start)
                and b.effective_from <= r.period_end
        ) as break_note_en
    from all_rows as r
),

regions as (select * from {{ ref('regions') }}),

missing_by_region as (
    -- A missing submission (报送缺失) of a unit affects the unit's region, every region above it
    -- and every region below it, for the record source and quarter it was due.
    select s.source, s.quarter_start, s.unit_id, cl.ancestor_code as region_code
    from {{ ref('int_submissions__quarterly') }} as s
    inner join {{ ref('int_regions__closure') }} as cl on s.region_code = cl.descendant_code
    where s.status = 'missing'
    union
    select s.source, s.quarter_start, s.unit_id, cl.descendant_code as region_code
    from {{ ref('int_submissions__quarterly') }} as s
    inner join {{ ref('int_regions__closure') }} as cl on s.region_code = cl.ancestor_code
    where s.status = 'missing'
),

period_rows as (
    -- The periods of the values and of their 同比 and five-year bases, for the missing-submission
    -- check below (in an incremental build: the years rebuilt, the five before each, plan periods).
    select region_code, indicator_code, period_type, period, year, quarter, period_start, period_end, value_source
    from periodic
    {%- if year_incremental %}
    where year in ({{ year_list(with_previous_years(rebuild, reach)) }})
    {%- endif %}
    union all
    select region_code, indicator_code, period_type, period, year, quarter, period_start, period_end, value_source
    from plan_rows
),

indicator_sources as (
    select i.indicator_code, m.record_source as source
    from indicators as i
    inner join {{ ref('measures') }} as m
        on m.measure_code in (i.numerator_measure, i.denominator_measure)
    where m.record_source is not null
),

missing as (
    -- Values resting on records whose period contains a quarter with a missing submission.
    select
        f.region_code, f.indicator_code, f.period_type, f.period, f.year, f.quarter,
        count(distinct mr.unit_id || '/' || cast(mr.quarter_start as {{ dbt.type_string() }})) as missing_submissions,
        {{ dbt.listagg('distinct mr.unit_id', "', '", 'order by mr.unit_id') }} as missing_units
    from period_rows as f
    inner join indicator_sources as isrc on f.indicator_code = isrc.indicator_code
    inner join missing_by_region as mr
        on
            mr.source = isrc.source and mr.region_code = f.region_code
            and mr.quarter_start between f.period_start and f.period_end
    where f.value_source like '%records%'
    group by 1, 2, 3, 4, 5, 6
),

published as (
select
    f.region_code,
    rg.name_zh as region_name_zh,
    rg.name_en as region_name_en,
    rg.level as region_level,
    f.indicator_code,
    i.name_zh as indicator_name_zh,
    i.name_en as indicator_name_en,
    i.kind as indicator_kind,
    f.period_type,
    f.period,
    f.year,
    f.quarter,
    f.years_elapsed,
    f.period_start,
    f.period_end,
    case f.period_type
        when 'quarter' then cast(f.year as {{ dbt.type_string() }}) || '年第' || cast(f.quarter as {{ dbt.type_string() }}) || '季度'
        when 'ytd' then cast(f.year as {{ dbt.type_string() }}) || '年1-' || cast(f.quarter * 3 as {{ dbt.type_string() }}) || '月'
        when 'year' then cast(f.year as {{ dbt.type_string() }}) || '年'
        else f.period || '年' || case when f.years_elapsed < 5 then '(前' || cast(f.years_elapsed as {{ dbt.type_string() }}) || '年)' else '' end
    end as period_label_zh,
    f.value,
    i.unit_zh as unit,
    i.unit_en,
    f.numerator,
    f.denominator,
    i.numerator_measure,
    i.denominator_measure,
    f.denominator_year,
    f.denominator_basis,
    f.value_source,
    -- A missing submission makes the value partial however complete the coverage registry says
    -- it is: the count is low because a file is missing, not because nothing happened.
    case when f.is_complete and ms.region_code is null then 'complete' else 'partial' end as completeness,
    coalesce(ms.missing_submissions, 0) as missing_submissions,
    ms.missing_units,
    f.coverage_k,
    f.coverage_n,
    f.n_records,
    f.records_value,
    f.report_value,
    case when f.yoy_break then null else f.yoy_base_value end as yoy_base_value,
    case when f.yoy_break then null else f.value - f.yoy_base_value end as yoy_abs,
    case when f.yoy_break then null else {{ pct_change('f.value', 'f.yoy_base_value') }} end as yoy_pct,
    case when f.qoq_break then null else f.qoq_base_value end as qoq_base_value,
    case when f.qoq_break then null else f.value - f.qoq_base_value end as qoq_abs,
    case when f.qoq_break then null else {{ pct_change('f.value', 'f.qoq_base_value') }} end as qoq_pct,
    case when f.prev5_break then null else f.prev5_mean end as prev5_mean,
    case when f.prev5_break then null else f.value - f.prev5_mean end as vs_prev5_mean_abs,
    case when f.prev5_break then null else {{ pct_change('f.value', 'f.prev5_mean') }} end as vs_prev5_mean_pct,
    f.yoy_break or f.qoq_break or f.prev5_break as break_flag,
    f.yoy_break,
    f.prev5_break,
    case when f.yoy_break or f.qoq_break or f.prev5_break then f.break_note_zh end as break_note_zh,
    case when f.yoy_break or f.qoq_break or f.prev5_break then f.break_note_en end as break_note_en,
    f.released_on,
    i.better,
    i.headline,
    i.display_order,
    -- Inputs of the noise statistics (dropped from the output below).
    i.scale as _scale,
    coalesce(nm.poisson, false) and (i.kind = 'count' or i.denominator_from = 'denominator') as _poisson,
    case when f.yoy_break then null else f.yoy_base_numerator end as _yoy_n0,
    case when f.yoy_break then null else f.yoy_base_denominator end as _yoy_d0,
    f.yoy_base_complete and not exists (
        select 1 from missing as mb
        where mb.region_code = f.region_code and mb.indicator_code = f.indicator_code
            and mb.period_type = f.period_type and mb.period = f.yoy_base_period
    ) as _yoy_base_complete,
    case when f.prev5_break then null else f.prev5_numerator end as _prev5_n0,
    case when f.prev5_break then null else f.prev5_denominator end as _prev5_d0,
    f.prev5_complete and not exists (
        select 1 from missing as mb
        where mb.region_code = f.region_code and mb.indicator_code = f.indicator_code
            and mb.period_type = f.period_type and mb.quarter is not distinct from f.quarter
            and mb.year between f.year - 5 and f.year - 1
    ) as _prev5_base_complete
from flagged as f
inner join indicators as i on f.indicator_code = i.indicator_code
left join regions as rg on f.region_code = rg.region_code
left join {{ ref('measures') }} as nm on i.numerator_measure = nm.measure_code
left join missing as ms
    on
        f.region_code = ms.region_code and f.indicator_code = ms.indicator_code
        and f.period_type = ms.period_type and f.period = ms.period
),

exposed as (
    -- Exposure E such that value = events / E: 1 for a count (5 for the five-year base, whose
    -- mean is compared); for a rate, denominator ÷ scale. A plan period's rate is the mean of
    -- its annual rates, so E is taken as implied by the value (numerator ÷ value): the interval
    -- is then that of the pooled rate with the same point (exact when denominators are equal).
    select
        p.*,
        case when p._poisson and p.value is not null and p.numerator is not null then 'poisson_exact' else 'none' end
            as ci_method,
        case
            when p.indicator_kind = 'count' then 1.0
            when p.numerator > 0 and p.value > 0 then p.numerator / p.value
            else p.denominator / p._scale
        end as _e1,
        case
            when p.indicator_kind = 'count' then 1.0
            when p._yoy_n0 > 0 and p.yoy_base_value > 0 then p._yoy_n0 / p.yoy_base_value
            else p._yoy_d0 / p._scale
        end as _yoy_e0,
        case when p.indicator_kind = 'count' then 5.0 else p._prev5_d0 / p._scale end as _prev5_e0
    from published as p
),

tested as (
    select
        x.*,
        case when x.ci_method <> 'none' then poisson_ci_low(x.numerator) / x._e1 end as ci_low,
        case when x.ci_method <> 'none' then poisson_ci_high(x.numerator) / x._e1 end as ci_high,
        x.ci_method <> 'none' and x.yoy_base_value is not null and x._yoy_n0 is not null as _yoy_tested,
        x.ci_method <> 'none' and x.prev5_mean is not null and x._prev5_n0 is not null as _prev5_tested
    from exposed as x
),

p_values as (
    select
        t.*,
        case when t._yoy_tested then rate_ratio_p_value(t.numerator, t._e1, t._yoy_n0, t._yoy_e0) end
            as _yoy_p,
        case when t._prev5_tested then rate_ratio_p_value(t.numerator, t._e1, t._prev5_n0, t._prev5_e0) end
            as _prev5_p
    from tested as t
)

select
    -- Every column of `published` and the interval, without the underscored inputs
    -- (listed, not `t.* exclude (...)`, which only DuckDB and Snowflake accept).
    t.region_code, t.region_name_zh, t.region_name_en, t.region_level, t.indicator_code,
    t.indicator_name_zh, t.indicator_name_en, t.indicator_kind, t.period_type, t.period, t.year,
    t.quarter, t.years_elapsed, t.period_start, t.period_end, t.period_label_zh, t.value, t.unit,
    t.unit_en, t.numerator, t.denominator, t.numerator_measure, t.denominator_measure,
    t.denominator_year, t.denominator_basis, t.value_source, t.completeness, t.missing_submissions,
    t.missing_units, t.coverage_k, t.coverage_n, t.n_records, t.records_value, t.report_value,
    t.yoy_base_value, t.yoy_abs, t.yoy_pct, t.qoq_base_value, t.qoq_abs, t.qoq_pct, t.prev5_mean,
    t.vs_prev5_mean_abs, t.vs_prev5_mean_pct, t.break_flag, t.yoy_break, t.prev5_break,
    t.break_note_zh, t.break_note_en, t.released_on, t.better, t.headline, t.display_order,
    t.ci_method, t.ci_low, t.ci_high,
    -- Rate ratio = value ÷ base (so yoy_pct = 100 × (ratio − 1)); interval and p-value from the
    -- exact conditional test on events and exposures.
    case when t._yoy_tested then {{ safe_divide('t.value', 't.yoy_base_value') }} end as yoy_rate_ratio,
    case when t._yoy_tested then rate_ratio_ci_low(t.numerator, t._e1, t._yoy_n0, t._yoy_e0) end as yoy_rr_low,
    case when t._yoy_tested then rate_ratio_ci_high(t.numerator, t._e1, t._yoy_n0, t._yoy_e0) end as yoy_rr_high,
    t._yoy_p as yoy_p_value,
    case
        when not t._yoy_tested then null
        when t.completeness = 'partial' or not coalesce(t._yoy_base_complete, false) then 'partial_coverage'
        when t._yoy_p < 0.05 then 'significant'
        else 'within_noise'
    end as yoy_signal,
    case when t._prev5_tested then {{ safe_divide('t.value', 't.prev5_mean') }} end as prev5_rate_ratio,
    case when t._prev5_tested then rate_ratio_ci_low(t.numerator, t._e1, t._prev5_n0, t._prev5_e0) end as prev5_rr_low,
    case when t._prev5_tested then rate_ratio_ci_high(t.numerator, t._e1, t._prev5_n0, t._prev5_e0) end as prev5_rr_high,
    t._prev5_p as prev5_p_value,
    case
        when not t._prev5_tested then null
        when t.completeness = 'partial' or not coalesce(t._prev5_base_complete, false) then 'partial_coverage'
        when t._prev5_p < 0.05 then 'significant'
        else 'within_noise'
    end as prev5_signal
from p_values as t
