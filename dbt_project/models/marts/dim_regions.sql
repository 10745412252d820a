-- Grain: one row per region code (GB/T 2260) with its parent and child count.
with regions as (select * from {{ ref('regions') }})

select
    r.region_code,
    r.name_zh,
    -- the registry has English names for the regions the sample uses only; the rest fall back to
    -- the Chinese name so no English label reads empty
    coalesce(r.name_en, r.name_zh) as name_en,
    r.level,
    r.parent_code,
    p.name_zh as parent_name_zh,
    r.valid_from,
    r.valid_to,
    (select count(*) from regions as c where c.parent_code = r.region_code) as n_children,
    r.note
from regions as r
left join regions as p on r.parent_code = p.region_code
