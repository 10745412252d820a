-- Grain: one row per region code (GB/T 2260) with its parent and child count.
with regions as (select * from {{ ref('regions') }})

select
    r.region_code,
    r.name_zh,
    r.name_en,
    r.level,
    r.parent_code,
    p.name_zh as parent_name_zh,
    r.valid_from,
    r.valid_to,
    (select count(*) from regions as c where c.parent_code = r.region_code) as n_children,
    r.note
from regions as r
left join regions as p on r.parent_code = p.region_code
