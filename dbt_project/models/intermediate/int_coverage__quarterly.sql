-- Which regions have complete record coverage, per record source and quarter.
-- A leaf region is covered when a reporting unit for that source covers it or an ancestor.
-- A region is complete when all its valid leaves are covered; otherwise it is partial,
-- with k of n children complete. The tree is the registry cut at the depth the source's data
-- are coded (`expanded` below). Quarters run up to the source's latest loaded quarter.
with quarters as (select * from {{ ref('int_calendar__quarters') }}),

regions as (select * from {{ ref('regions') }}),

closure as (select * from {{ ref('int_regions__closure') }}),

registered_units as (
    select source, region_code, valid_from, valid_to, 'registered' as basis
    from {{ ref('reporting_units') }}
),

records as (
    select
        r.region_code,
        r.year,
        m.record_source as source
    from {{ ref('int_record_measures__quarterly') }} as r
    inner join {{ ref('measures') }} as m on r.measure_code = m.measure_code
),

inferred_units as (
    -- Records from a region no registered unit covers (e.g. an external drop): the region is
    -- taken as covered for the years it sent records, flagged basis = 'inferred'.
    select distinct
        r.source,
        r.region_code,
        {{ date_from_parts('r.year', 1, 1) }} as valid_from,
        {{ date_from_parts('r.year', 12, 31) }} as valid_to,
        'inferred' as basis
    from records as r
    where not exists (
        select 1
        from registered_units as u
        inner join closure as c on u.region_code = c.ancestor_code
        where c.descendant_code = r.region_code and u.source = r.source
    )
),

units as (
    select * from registered_units
    union all
    select * from inferred_units
),

horizon as (
    select
        m.record_source as source,
        max(r.year * 4 + r.quarter - 1) as last_quarter_index
    from {{ ref('int_record_measures__quarterly') }} as r
    inner join {{ ref('measures') }} as m on r.measure_code = m.measure_code
    group by 1
),

sources as (
    select distinct source from units
),

source_quarters as (
    select
        s.source,
        q.*
    from sources as s
    inner join horizon as h on s.source = h.source
    inner join quarters as q on q.quarter_index <= h.last_quarter_index
),

named as (
    -- the regions a source's records or reporting units name
    select distinct source, region_code from records
    union
    select distinct source, region_code from registered_units
),

expanded as (
    -- Coverage is judged at the depth the source's data are coded: a region's children enter
    -- the tree only when the source names one of its strict descendants (the full GB/T 2260
    -- registry lists every county, but records coded to a city say nothing about its
    -- counties, so those counties get no zero rows). Every child of an expanded region is
    -- in, so a county that never reports still makes its city partial.
    select distinct
        n.source,
        c.ancestor_code as region_code
    from named as n
    inner join closure as c on n.region_code = c.descendant_code
    where c.ancestor_code <> c.descendant_code
),

valid_regions as (
    select
        sq.source,
        sq.year,
        sq.quarter,
        sq.quarter_start,
        sq.quarter_end,
        r.region_code,
        r.parent_code
    from source_quarters as sq
    inner join regions as r
        on (r.valid_from is null or r.valid_from <= sq.quarter_end)
        and (r.valid_to is null or r.valid_to >= sq.quarter_start)
    where r.parent_code is null or exists (
        select 1 from expanded as e
        where e.source = sq.source and e.region_code = r.parent_code
    )
),

leaves as (
    select v.*
    from valid_regions as v
    where not exists (
        select 1 from valid_regions as c
        where
            c.parent_code = v.region_code
            and c.source = v.source and c.year = v.year and c.quarter = v.quarter
    )
),

covered_leaves as (
    select distinct
        l.source,
        l.year,
        l.quarter,
        l.region_code
    from leaves as l
    inner join closure as c on l.region_code = c.descendant_code
    inner join units as u
        on
            u.region_code = c.ancestor_code
            and u.source = l.source
            and u.valid_from <= l.quarter_end
            and (u.valid_to is null or u.valid_to >= l.quarter_start)
),

per_region as (
    select
        v.source,
        v.year,
        v.quarter,
        v.region_code,
        count(*) as n_leaves,
        count(cl.region_code) as n_covered_leaves
    from valid_regions as v
    inner join closure as c on v.region_code = c.ancestor_code
    inner join leaves as l
        on
            c.descendant_code = l.region_code
            and l.source = v.source and l.year = v.year and l.quarter = v.quarter
    left join covered_leaves as cl
        on
            l.region_code = cl.region_code
            and l.source = cl.source and l.year = cl.year and l.quarter = cl.quarter
    group by 1, 2, 3, 4
),

children as (
    select
        v.source,
        v.year,
        v.quarter,
        v.parent_code as region_code,
        count(*) as n_children,
        count(case when p.n_covered_leaves = p.n_leaves then 1 end) as k_children_complete
    from valid_regions as v
    inner join per_region as p
        on
            v.region_code = p.region_code
            and v.source = p.source and v.year = p.year and v.quarter = p.quarter
    where v.parent_code is not null
    group by 1, 2, 3, 4
)

select
    p.source,
    p.year,
    p.quarter,
    p.region_code,
    p.n_leaves,
    p.n_covered_leaves,
    p.n_covered_leaves = p.n_leaves as is_complete,
    coalesce(ch.n_children, 0) as n_children,
    coalesce(ch.k_children_complete, 0) as k_children_complete
from per_region as p
left join children as ch
    on
        p.region_code = ch.region_code
        and p.source = ch.source and p.year = ch.year and p.quarter = ch.quarter
where p.n_covered_leaves > 0
