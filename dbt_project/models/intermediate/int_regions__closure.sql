-- Ancestor/descendant pairs of the region tree (each region is its own descendant at depth 0).
with recursive closure as (
    select
        region_code as ancestor_code,
        region_code as descendant_code,
        0 as depth
    from {{ ref('regions') }}
    union all
    select
        c.ancestor_code,
        r.region_code as descendant_code,
        c.depth + 1 as depth
    from closure as c
    inner join {{ ref('regions') }} as r on r.parent_code = c.descendant_code
)

select distinct ancestor_code, descendant_code, depth from closure
