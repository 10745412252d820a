-- Grain: region × domain × breakdown × category_code. Every category a region (or a region below
-- it) has ever recorded, in any year, for the breakdowns the domain publishes (seeds/
-- breakdowns.csv), with its bilingual name: marts.fct_breakdowns has a row for it in every
-- period the record source covers the region, 0 where nothing was recorded. A region that has
-- recorded any month gets all twelve (month_no 1..12). Names come from the seeds (sectors,
-- accident categories and grades, hazards) or are fixed here (months, operating vehicle); a
-- free-text value is its own name, a blank one is 'unknown' (未填报 / Not stated).
with recorded as (
    select distinct region_code, domain, breakdown, category_code
    from {{ ref('int_breakdowns__quarterly') }}
    where breakdown <> 'month'
    union all
    select distinct r.region_code, r.domain, r.breakdown, m.category_code
    from (
        select distinct region_code, domain, breakdown
        from {{ ref('int_breakdowns__quarterly') }}
        where breakdown = 'month'
    ) as r
    cross join {{ values_table('category_code', ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']) }} as m
),

categories as (
    -- up the region tree: a category recorded below a region is one of the region's
    select distinct c.ancestor_code as region_code, r.domain, r.breakdown, r.category_code
    from recorded as r
    inner join {{ ref('int_regions__closure') }} as c on r.region_code = c.descendant_code
    inner join {{ ref('breakdowns') }} as b on r.domain = b.domain and r.breakdown = b.breakdown
),

names as (
    select 'sector' as breakdown, sector_code as category_code, min(name_zh) as name_zh, min(name_en) as name_en
    from {{ ref('sectors') }}
    group by sector_code
    union all
    select 'category', category_code, name_zh, name_en from {{ ref('accident_categories') }}
    union all
    select 'grade', grade_code, name_zh, name_en from {{ ref('accident_grades') }}
    union all
    select 'hazard', hazard_code, name_zh, name_en from {{ ref('hazards') }}
    union all
    select * from (values
        {%- for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                         'September', 'October', 'November', 'December'] %}
        ('month', '{{ '%02d' % loop.index }}', '{{ loop.index }}月', '{{ name }}'),
        {%- endfor %}
        ('operating_vehicle', 'operating', '涉及营运车辆', 'Operating vehicle involved'),
        ('operating_vehicle', 'non_operating', '未涉及营运车辆', 'No operating vehicle')
    ) as t (breakdown, category_code, name_zh, name_en)
)

select
    c.region_code,
    c.domain,
    c.breakdown,
    c.category_code,
    case when c.breakdown = 'month' then cast(c.category_code as integer) end as month_no,
    coalesce(n.name_zh, case when c.category_code = 'unknown' then '未填报' else c.category_code end)
        as category_name_zh,
    coalesce(n.name_en, case when c.category_code = 'unknown' then 'Not stated' else c.category_code end)
        as category_name_en
from categories as c
left join names as n on c.breakdown = n.breakdown and c.category_code = n.category_code
