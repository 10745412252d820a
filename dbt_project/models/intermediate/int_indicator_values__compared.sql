-- Grain: region × indicator × period_type (quarter, ytd, year, plan_period) × period.
-- Role: every indicator value with its comparisons after the series-break rule
-- (macros/comparisons.sql): a 同比, 环比 or 较近5年均值 whose base straddles a registered break
-- without a restated base is null and flagged (yoy_break, qoq_break, prev5_break, break_flag),
-- with the notes of the breaks in the compared span. A break applies to an indicator through
-- its numerator measure. The bases' events and exposures (for the noise statistics) are null
-- with their comparison.
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
with flagged as (
    select r.*, brk.yoy_break, brk.qoq_break, brk.prev5_break, brk.break_note_zh, brk.break_note_en
    from {{ ref('int_indicator_values__comparison_bases') }} as r
    left join {{ ref('indicators') }} as i on r.indicator_code = i.indicator_code
    left join {{ series_break_flags(
        'i.numerator_measure',
        [('yoy', 'r.yoy_base_start'), ('qoq', 'r.qoq_base_start'), ('prev5', 'r.prev5_base_start')],
        'r.period_end',
        notes_since='coalesce(r.prev5_base_start, r.yoy_base_start, r.period_start)') }} as brk on true
)

select
    f.region_code, f.indicator_code, f.period_type, f.period, f.year, f.quarter, f.years_elapsed,
    f.period_start, f.period_end, f.value, f.numerator, f.denominator, f.denominator_year,
    f.denominator_basis, f.value_source, f.is_complete, f.coverage_k, f.coverage_n, f.n_records,
    f.records_value, f.report_value,
    {{ comparison_columns('f.value', 'f.yoy_base_value', ['yoy_base_value', 'yoy_abs', 'yoy_pct'], 'f.yoy_break') }},
    {{ comparison_columns('f.value', 'f.qoq_base_value', ['qoq_base_value', 'qoq_abs', 'qoq_pct'], 'f.qoq_break') }},
    {{ comparison_columns('f.value', 'f.prev5_mean', ['prev5_mean', 'vs_prev5_mean_abs', 'vs_prev5_mean_pct'], 'f.prev5_break') }},
    f.yoy_break or f.qoq_break or f.prev5_break as break_flag,
    f.yoy_break,
    f.qoq_break,
    f.prev5_break,
    case when f.yoy_break or f.qoq_break or f.prev5_break then f.break_note_zh end as break_note_zh,
    case when f.yoy_break or f.qoq_break or f.prev5_break then f.break_note_en end as break_note_en,
    f.released_on,
    {{ unless_broken('f.yoy_break', 'f.yoy_base_numerator') }} as yoy_base_numerator,
    {{ unless_broken('f.yoy_break', 'f.yoy_base_denominator') }} as yoy_base_denominator,
    f.yoy_base_complete,
    f.yoy_base_period,
    {{ unless_broken('f.prev5_break', 'f.prev5_numerator') }} as prev5_numerator,
    {{ unless_broken('f.prev5_break', 'f.prev5_denominator') }} as prev5_denominator,
    f.prev5_complete
from flagged as f
