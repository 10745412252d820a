-- Grain: one row per measure of the registry (seed measures): names, canonical unit, dimension
-- and kind (count, stock or flow).
select
    measure_code,
    name_zh,
    name_en,
    domain,
    kind,
    dimension,
    canonical_unit as unit,
    record_source,
    description_en
from {{ ref('measures') }}
