-- Grain: region × indicator × period_type (month, ytd) × year × month.
-- Role: the monthly lane's values with their comparisons, as int_indicator_values__comparison_bases
-- and __compared are for quarters: 同比 (the same month, or the same 1–N月累计, a year earlier)
-- and 环比 (month rows only: the previous month, January's the previous December; mom_*). The
-- series-break rule applies as for quarters (macros/comparisons.sql): a comparison whose base
-- straddles a registered break without a restated base is null and flagged. 较近5年均值 is not
-- computed for months (prev5_* null).
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
{%- set months = ref('int_indicator_values__months') %}
{%- set base_columns = 'region_code, indicator_code, period_type, value, numerator, denominator, is_complete, period, period_start' %}
with lined_up as (
    -- Each value under the key of every period compared with it: its own (years_back 0: the key
    -- exists even without any base), the same month or 1–N月累计 a year later (同比 base) and,
    -- for a month row, the next month (环比 base, years_back null). A union of shifted scans
    -- grouped by the key, not self-joins, so that the filter of a batch (years, provinces)
    -- reaches every scan (as int_indicator_values__comparison_bases).
    select year, month, 0 as years_back, {{ base_columns }} from {{ months }}
    union all
    select year + 1 as year, month, 1 as years_back, {{ base_columns }} from {{ months }}
    union all
    select
        case when month = 12 then year + 1 else year end as year,
        case when month = 12 then 1 else month + 1 end as month,
        cast(null as integer) as years_back,
        {{ base_columns }}
    from {{ months }}
    where period_type = 'month'
),

by_key as (
    select
        region_code, indicator_code, period_type, year, month,
        {{ lined_up_bases('mom') }}
    from lined_up
    group by region_code, indicator_code, period_type, year, month
    having min(years_back) = 0  -- a value of its own (the join below needs one too)
),

bases as (
    -- the key from by_key (the filter of a batch goes there), the rest from p
    select
        b.region_code, b.indicator_code, b.period_type, b.year, p.quarter, b.month, p.value,
        p.numerator, p.denominator, p.denominator_year, p.denominator_basis, p.value_source,
        p.is_complete, p.coverage_k, p.coverage_n, p.n_records, p.records_value, p.report_value,
        p.released_on, p.period, p.period_start, p.period_end,
        b.yoy_value as yoy_base_value_raw,
        case when b.yoy_value is not null then b.yoy_start end as yoy_base_start,
        b.yoy_numerator as yoy_base_numerator_raw,
        b.yoy_denominator as yoy_base_denominator_raw,
        b.yoy_complete as yoy_base_complete,
        b.yoy_period as yoy_base_period,
        b.mom_value as mom_base_value_raw,
        case when b.mom_value is not null then b.mom_start end as mom_base_start
    from by_key as b
    inner join {{ months }} as p
        on b.region_code = p.region_code and b.indicator_code = p.indicator_code
        and b.period_type = p.period_type and b.year = p.year and b.month = p.month
),

flagged as (
    select b.*, brk.yoy_break, brk.mom_break, brk.break_note_zh, brk.break_note_en
    from bases as b
    left join {{ ref('indicators') }} as i on b.indicator_code = i.indicator_code
    left join {{ series_break_flags(
        'i.numerator_measure',
        [('yoy', 'b.yoy_base_start'), ('mom', 'b.mom_base_start')],
        'b.period_end',
        notes_since='coalesce(b.yoy_base_start, b.mom_base_start, b.period_start)') }} as brk on true
)

select
    f.region_code, f.indicator_code, f.period_type, f.period, f.year, f.quarter, f.month,
    cast(null as integer) as years_elapsed,
    f.period_start, f.period_end, f.value, f.numerator, f.denominator, f.denominator_year,
    f.denominator_basis, f.value_source, f.is_complete, f.coverage_k, f.coverage_n, f.n_records,
    f.records_value, f.report_value,
    {{ comparison_columns('f.value', 'f.yoy_base_value_raw', ['yoy_base_value', 'yoy_abs', 'yoy_pct'], 'f.yoy_break') }},
    {{ comparison_columns('f.value', 'f.mom_base_value_raw', ['mom_base_value', 'mom_abs', 'mom_pct'], 'f.mom_break') }},
    f.yoy_break or f.mom_break as break_flag,
    f.yoy_break,
    f.mom_break,
    false as prev5_break,
    case when f.yoy_break or f.mom_break then f.break_note_zh end as break_note_zh,
    case when f.yoy_break or f.mom_break then f.break_note_en end as break_note_en,
    f.released_on,
    {{ unless_broken('f.yoy_break', 'f.yoy_base_numerator_raw') }} as yoy_base_numerator,
    {{ unless_broken('f.yoy_break', 'f.yoy_base_denominator_raw') }} as yoy_base_denominator,
    f.yoy_base_complete,
    f.yoy_base_period
from flagged as f
