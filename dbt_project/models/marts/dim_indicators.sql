-- Grain: one row per indicator of the registry (seed indicators).
select * from {{ ref('indicators') }}
