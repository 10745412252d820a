-- Report-table figures that jump by more than var('report_jump_factor') (default 3×) against
-- the previous period of the same grain. The disaster-statistics rules require a written
-- explanation for sharp jumps, so this warns rather than blocks. Small counts (both ≤ 10) are
-- ignored: 1 → 4 is not a jump worth a note.
{{ config(severity='warn') }}

{%- set factor = var('report_jump_factor', 3) %}

with reports as (
    select * from {{ ref('int_report_measures__periods') }}
    where period_type in ('quarter', 'year')
),

paired as (
    select
        cur.region_code,
        cur.measure_code,
        cur.period_type,
        cur.year,
        cur.quarter,
        prev.value as previous_value,
        cur.value
    from reports as cur
    inner join reports as prev
        on
            cur.region_code = prev.region_code
            and cur.measure_code = prev.measure_code
            and cur.period_type = prev.period_type
            and (
                (cur.period_type = 'year' and prev.year = cur.year - 1)
                or (
                    cur.period_type = 'quarter'
                    and prev.year * 4 + prev.quarter = cur.year * 4 + cur.quarter - 1
                )
            )
)

select *
from paired
where
    greatest(value, previous_value) > 10
    and (value > previous_value * {{ factor }} or value * {{ factor }} < previous_value)
