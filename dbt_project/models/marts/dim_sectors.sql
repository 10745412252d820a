-- Grain: one row per sector of the registry (seed sectors) and validity span: the scopes (口径)
-- a sector belongs to. The indicator registry names the flag that scopes each numerator
-- (dim_indicators.sector_scope); int_accidents__current applies the same flags to records.
select
    sector_code,
    name_zh,
    name_en,
    in_ps_total,
    in_imc,
    in_road_transport,
    valid_from,
    valid_to
from {{ ref('sectors') }}
