-- Quarter spine with start/end dates, from var('first_year') to 2035.
with years as (
    select * from {{ values_table('year', range(var('first_year'), 2036), 'bigint') }} as y
),

quarters as (
    select * from {{ values_table('quarter', [1, 2, 3, 4]) }} as q
)

select
    y.year,
    q.quarter,
    y.year * 10 + q.quarter as quarter_seq_key,
    y.year * 4 + q.quarter - 1 as quarter_index,
    {{ quarter_start('y.year', 'q.quarter') }} as quarter_start,
    {{ quarter_end('y.year', 'q.quarter') }} as quarter_end
from years as y
cross join quarters as q
