-- Quarter spine with start/end dates, from var('first_year') to 2035.
with years as (
    select unnest(range({{ var('first_year') }}, 2036)) as year
),

quarters as (
    select unnest([1, 2, 3, 4]) as quarter
)

select
    y.year,
    q.quarter,
    y.year * 10 + q.quarter as quarter_seq_key,
    y.year * 4 + q.quarter - 1 as quarter_index,
    make_date(y.year, 3 * q.quarter - 2, 1) as quarter_start,
    last_day(make_date(y.year, 3 * q.quarter, 1)) as quarter_end
from years as y
cross join quarters as q
