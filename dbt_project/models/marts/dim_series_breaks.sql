-- Grain: one row per registered series break (seed series_breaks) × indicator whose numerator
-- is the break's measure: comparisons across effective_from are not like with like unless the
-- base was restated.
select
    b.break_id,
    i.indicator_code,
    b.measure_code,
    b.effective_from,
    b.restated_base,
    b.note_zh,
    b.note_en
from {{ ref('series_breaks') }} as b
inner join {{ ref('indicators') }} as i on b.measure_code = i.numerator_measure
