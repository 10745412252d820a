-- Grain: region × measure × period_type (month, ytd) × year × month.
-- Role: the monthly lane's published totals (report tables, count measures): each month, and
-- 1–N月累计 (ytd through month N) at the months that are not a quarter's end (those are
-- int_report_measures__periods' ytd rows). A figure published at its own grain wins:
--   month: published 'YYYYMmm'; else the difference of the published 1–N and 1–(N−1)月累计
--          (January: the 1–1月累计 itself);
--   ytd:   published 'YYYYM01-NN' - it stands as published whatever months are loaded; else the
--          sum of months 1..N when every one is there (complete); else the sum of the months
--          there are, is_complete false (partial: flagged, never in place of a published figure).
with published as (
    select p.*
    from {{ ref('int_published_values__latest') }} as p
    inner join {{ ref('measures') }} as m on p.measure_code = m.measure_code
    where p.origin = 'report' and m.kind = 'count' and p.period_grain in ('month', 'cum_month')
),

direct_months as (
    select
        region_code, measure_code, year, month_to as month, value, released_on,
        1 as priority, period as derived_from
    from published
    where period_grain = 'month'
),

cumulative as (select * from published where period_grain = 'cum_month'),

months_from_cumulative as (
    select
        c.region_code, c.measure_code, c.year, c.month_to as month,
        c.value - coalesce(p.value, 0) as value,
        greatest(c.released_on, p.released_on) as released_on, 2 as priority,
        'difference of cumulative figures' as derived_from
    from cumulative as c
    left join cumulative as p
        on c.region_code = p.region_code and c.measure_code = p.measure_code
        and c.year = p.year and p.month_to = c.month_to - 1
    where c.month_to = 1 or p.value is not null
),

best_months as (
    select * from (
        select *, row_number() over (
            partition by region_code, measure_code, year, month order by priority
        ) as rk
        from (select * from direct_months union all select * from months_from_cumulative) as m
    ) as r
    where rk = 1
),

ytd_ends as (
    -- every 1–N月累计 a month or a cumulative figure makes possible
    select distinct region_code, measure_code, year, month from best_months
    union
    select distinct region_code, measure_code, year, month_to from cumulative
),

ytd_from_months as (
    select
        e.region_code, e.measure_code, e.year, e.month,
        {{ exact_sum('b.value') }} as value, max(b.released_on) as released_on,
        case when count(b.month) = e.month then 3 else 4 end as priority,
        case when count(b.month) = e.month then 'sum of months'
            else 'sum of ' || cast(count(b.month) as {{ dbt.type_string() }}) || ' of '
                || cast(e.month as {{ dbt.type_string() }}) || ' months (partial)' end as derived_from,
        count(b.month) = e.month as is_complete
    from ytd_ends as e
    inner join best_months as b
        on e.region_code = b.region_code and e.measure_code = b.measure_code
        and e.year = b.year and b.month <= e.month
    group by e.region_code, e.measure_code, e.year, e.month
),

candidates as (
    select
        'month' as period_type, region_code, measure_code, year, month, value, released_on,
        priority, derived_from, true as is_complete
    from best_months
    union all
    select
        'ytd', region_code, measure_code, year, month_to, value, released_on,
        1, period, true
    from cumulative
    union all
    select
        'ytd', region_code, measure_code, year, month, value, released_on,
        priority, derived_from, is_complete
    from ytd_from_months
)

select
    region_code, measure_code, period_type, year,
    {{ int_div('month + 2', 3) }} as quarter,
    month, value, released_on, derived_from, is_complete
from (
    select *, row_number() over (
        partition by region_code, measure_code, period_type, year, month order by priority
    ) as rk
    from candidates
) as r
where rk = 1 and (period_type = 'month' or month % 3 <> 0)
