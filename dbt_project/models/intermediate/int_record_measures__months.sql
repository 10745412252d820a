-- Grain: region × measure × period_type (month, ytd) × year × month.
-- Role: the monthly lane's record-derived measure values for every region of the tree with any
-- coverage: each month, and 1–N月累计 (ytd through month N) at the months that are not a
-- quarter's end (the quarter-end 1–N月累计 are int_record_measures__periods' ytd rows).
-- The roll-up of macros/period_rollup.sql by month: records summed up the region tree, then
-- zero-filled for the months the source covers the region. A month's coverage is its quarter's
-- (int_coverage__quarterly: reporting units are registered by date, not by month), up to the
-- source's latest month with records, so the unloaded months of a quarter are not taken as
-- zeros. A ytd is complete when every month 1..N is present and complete.
{{ config(materialized='view') }}
with coverage as (select * from {{ ref('int_coverage__quarterly') }}),

measures as (
    select measure_code, record_source from {{ ref('measures') }}
    where record_source is not null
),

horizon as (
    -- the latest month with records, per source
    select record_source as source, max(year * 12 + month - 1) as last_month_index
    from {{ ref('int_record_measures__monthly') }}
    group by record_source
),

rolled as (
    -- every record counts for each ancestor of its region
    {{ region_tree_sum(ref('int_record_measures__monthly'), ['year', 'quarter', 'month', 'measure_code']) }}
),

months_of_coverage as (
    select cv.*, cv.quarter * 3 - 2 + k.k as month
    from coverage as cv
    cross join {{ values_table('k', [0, 1, 2]) }} as k
    inner join horizon as h
        on cv.source = h.source and cv.year * 12 + cv.quarter * 3 - 3 + k.k <= h.last_month_index
),

monthly as (
    select
        cv.region_code,
        cv.year,
        cv.quarter,
        cv.month,
        m.measure_code,
        {{ zero_filled_columns('cv', 'r') }}
    from months_of_coverage as cv
    inner join measures as m on cv.source = m.record_source
    left join rolled as r
        on
            cv.region_code = r.region_code
            and cv.year = r.year
            and cv.month = r.month
            and m.measure_code = r.measure_code
),

running as (
    select
        *,
        cast(sum(cast(value as decimal(38, 10))) over w as double) as ytd_value,
        sum(n_records) over w as ytd_n_records,
        max(released_on) over w as ytd_released_on,
        count(*) over w = month and bool_and(is_complete) over w as ytd_is_complete
    from monthly
    window w as (
        partition by region_code, year, measure_code
        order by month rows between unbounded preceding and current row
    )
)

-- the month row, and the ytd row at a month that is not a quarter's end: one scan of `running`,
-- not a union of two. DuckDB materialises a CTE read twice, and a filter on the view (a
-- statistics model's years and provinces) then stopped above it: every year's windows were
-- computed for each batch (docs/scale.md)
select
    p.period_type, r.region_code, r.year, r.quarter, r.month, r.measure_code,
    case when p.period_type = 'month' then r.value else r.ytd_value end as value,
    case when p.period_type = 'month' then r.n_records else r.ytd_n_records end as n_records,
    case when p.period_type = 'month' then r.released_on else r.ytd_released_on end as released_on,
    case when p.period_type = 'month' then r.is_complete else r.ytd_is_complete end as is_complete,
    r.n_children, r.k_children_complete
from running as r
cross join {{ values_table('period_type', ['month', 'ytd']) }} as p
where p.period_type = 'month' or r.month % 3 <> 0
