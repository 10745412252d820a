-- Record-derived measure values for every region of the tree with any coverage, by
-- quarter, YTD (1–N月累计) and year. A covered quarter with no records is a true zero.
with coverage as (select * from {{ ref('int_coverage__quarterly') }}),

measures as (
    select measure_code, record_source from {{ ref('measures') }}
    where record_source is not null
),

closure as (select * from {{ ref('int_regions__closure') }}),

rolled as (
    -- Sum numerators up the tree: every record counts for each of its ancestors.
    select
        c.ancestor_code as region_code,
        r.year,
        r.quarter,
        r.measure_code,
        {{ exact_sum('r.value') }} as value,
        sum(r.n_records) as n_records,
        max(r.released_on) as released_on
    from {{ ref('int_records__quarterly_measures') }} as r
    inner join closure as c on r.region_code = c.descendant_code
    group by 1, 2, 3, 4
),

quarterly as (
    select
        cv.region_code,
        cv.year,
        cv.quarter,
        m.measure_code,
        coalesce(r.value, 0) as value,
        coalesce(r.n_records, 0) as n_records,
        r.released_on,
        cv.is_complete,
        cv.n_children,
        cv.k_children_complete
    from coverage as cv
    inner join measures as m on cv.source = m.record_source
    left join rolled as r
        on
            cv.region_code = r.region_code
            and cv.year = r.year
            and cv.quarter = r.quarter
            and m.measure_code = r.measure_code
),

ytd as (
    select
        q.region_code,
        q.year,
        q.quarter,
        q.measure_code,
        {{ exact_sum('p.value') }} as value,
        sum(p.n_records) as n_records,
        max(p.released_on) as released_on,
        count(*) = q.quarter and bool_and(p.is_complete) as is_complete,
        q.n_children,
        q.k_children_complete
    from quarterly as q
    inner join quarterly as p
        on
            q.region_code = p.region_code
            and q.measure_code = p.measure_code
            and q.year = p.year
            and p.quarter <= q.quarter
    group by q.region_code, q.year, q.quarter, q.measure_code, q.n_children, q.k_children_complete
)

select 'quarter' as period_type, * from quarterly
union all
select 'ytd' as period_type, * from ytd
union all
select
    'year' as period_type,
    region_code,
    year,
    null as quarter,
    measure_code,
    value,
    n_records,
    released_on,
    is_complete,
    n_children,
    k_children_complete
from ytd
where quarter = 4
