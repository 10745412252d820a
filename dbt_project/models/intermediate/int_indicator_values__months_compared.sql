-- Grain: region × indicator × period_type (month, ytd) × year × month.
-- Role: the monthly lane's values with their comparisons, as int_indicator_values__comparison_bases
-- and __compared are for quarters: 同比 (the same month, or the same 1–N月累计, a year earlier)
-- and 环比 (month rows only: the previous month, January's the previous December; mom_*). The
-- series-break rule applies as for quarters (macros/comparisons.sql): a comparison whose base
-- straddles a registered break without a restated base is null and flagged. 较近5年均值 is not
-- computed for months (prev5_* null).
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
{%- set keys = ['region_code', 'indicator_code'] %}
{%- set months = ref('int_indicator_values__months') %}
with bases as (
    select
        p.*,
        y.value as yoy_base_value_raw,
        case when y.value is not null then y.period_start end as yoy_base_start,
        y.numerator as yoy_base_numerator_raw,
        y.denominator as yoy_base_denominator_raw,
        y.is_complete as yoy_base_complete,
        y.period as yoy_base_period,
        m.value as mom_base_value_raw,
        case when m.value is not null then m.period_start end as mom_base_start
    from {{ months }} as p
    left join {{ months }} as y on {{ same_month_years_before('p', 'y', keys) }}
    left join {{ months }} as m on {{ previous_month('p', 'm', keys) }}
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
