-- Published totals (report tables) as measure values by quarter, YTD and year.
-- A figure published at its own grain wins; otherwise it is derived: quarters from monthly
-- figures or from differences of cumulative (1–N月累计) figures, YTD and year from quarters.
with published as (
    select p.*
    from {{ ref('int_published_values__latest') }} as p
    inner join {{ ref('measures') }} as m on p.measure_code = m.measure_code
    where p.origin = 'report' and m.kind = 'count'
),

direct as (
    select
        region_code, measure_code, year,
        case period_grain when 'year' then 'year' when 'quarter' then 'quarter' else 'ytd' end as period_type,
        case when period_grain = 'year' then null else quarter end as quarter,
        value, released_on, 1 as priority, period as derived_from
    from published
    where period_grain in ('year', 'quarter') or (period_grain = 'cum_month' and month_to % 3 = 0)
),

from_months as (
    select
        region_code, measure_code, year, 'quarter' as period_type, quarter,
        {{ exact_sum('value') }} as value, max(released_on) as released_on, 2 as priority,
        'months ' || {{ dbt.listagg('period', "','", 'order by period') }} as derived_from
    from published
    where period_grain = 'month'
    group by region_code, measure_code, year, quarter
    having count(*) = 3
),

quarters as (
    select * from direct where period_type = 'quarter'
    union all
    select * from from_months
),

best_quarters as (
    select * from (
        select *, row_number() over (
            partition by region_code, measure_code, year, quarter order by priority
        ) as rk
        from quarters
    ) where rk = 1
),

ytd_from_quarters as (
    select
        q.region_code, q.measure_code, q.year, 'ytd' as period_type, q.quarter,
        {{ exact_sum('p.value') }} as value, max(p.released_on) as released_on, 3 as priority,
        'sum of quarters' as derived_from
    from best_quarters as q
    inner join best_quarters as p
        on q.region_code = p.region_code and q.measure_code = p.measure_code
        and q.year = p.year and p.quarter <= q.quarter
    group by q.region_code, q.measure_code, q.year, q.quarter
    having count(*) = q.quarter
),

direct_ytd as (select * from direct where period_type = 'ytd'),

quarter_from_ytd as (
    select
        c.region_code, c.measure_code, c.year, 'quarter' as period_type, c.quarter,
        c.value - coalesce(p.value, 0) as value,
        greatest(c.released_on, p.released_on) as released_on, 3 as priority,
        'difference of cumulative figures' as derived_from
    from direct_ytd as c
    left join direct_ytd as p
        on c.region_code = p.region_code and c.measure_code = p.measure_code
        and c.year = p.year and p.quarter = c.quarter - 1
    where c.quarter = 1 or p.value is not null
),

year_from_ytd as (
    select
        region_code, measure_code, year, 'year' as period_type, null as quarter,
        value, released_on, 4 as priority, 'cumulative to Q4' as derived_from
    from (select * from direct_ytd union all select * from ytd_from_quarters)
    where quarter = 4
),

candidates as (
    select * from direct
    union all select * from from_months
    union all select * from ytd_from_quarters
    union all select * from quarter_from_ytd
    union all select * from year_from_ytd
)

select region_code, measure_code, period_type, year, quarter, value, released_on, derived_from
from (
    select *, row_number() over (
        partition by region_code, measure_code, period_type, year, quarter order by priority
    ) as rk
    from candidates
)
where rk = 1
