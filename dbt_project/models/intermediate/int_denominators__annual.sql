-- Annual denominators per region: the region's own published figure (latest vintage), or,
-- when it has none, the sum of its children's when every valid child has one.
-- Three passes climb county -> city -> province -> nation.
with own as (
    select
        p.region_code, p.measure_code, p.year, p.value, p.released_on,
        'published' as basis
    from {{ ref('int_published_values__latest') }} as p
    inner join {{ ref('measures') }} as m on p.measure_code = m.measure_code
    where m.kind in ('stock', 'flow') and p.period_grain = 'year'
),

regions as (select * from {{ ref('regions') }}),

valid_children as (
    -- Children valid at the end of each year that has data.
    select
        r.parent_code, y.year, count(*) as n_children
    from regions as r
    cross join (select distinct year from own) as y
    where r.parent_code is not null
        and (r.valid_from is null or r.valid_from <= {{ date_from_parts('y.year', 12, 31) }})
        and (r.valid_to is null or r.valid_to >= {{ date_from_parts('y.year', 12, 31) }})
    group by 1, 2
),

level_0 as (select * from own),
{% for i in range(3) %}
level_{{ i + 1 }} as (
    select * from level_{{ i }}
    union all
    select
        r.parent_code as region_code, l.measure_code, l.year,
        {{ exact_sum('l.value') }} as value, max(l.released_on) as released_on, 'sum_of_children' as basis
    from level_{{ i }} as l
    inner join regions as r on l.region_code = r.region_code
    inner join valid_children as vc on r.parent_code = vc.parent_code and l.year = vc.year
    where not exists (
        select 1 from level_{{ i }} as x
        where x.region_code = r.parent_code and x.measure_code = l.measure_code and x.year = l.year
    )
    group by r.parent_code, l.measure_code, l.year, vc.n_children
    having count(*) = vc.n_children
),
{% endfor %}

final as (select * from level_3)

select * from final
