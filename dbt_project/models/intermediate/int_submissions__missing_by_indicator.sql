-- Grain: indicator × record source × region × quarter × unit. The submissions (报送) missing
-- behind an indicator: due from a record source of its numerator or denominator, counted for
-- the unit's region, every region above it and every region below it. Read by the two tables
-- that count them per value (int_indicator_values__missing, int_indicator_values__months_statistics).
{{ config(materialized='view') }}
with missing_by_region as (
    select s.source, s.quarter_start, s.unit_id, cl.ancestor_code as region_code
    from {{ ref('int_submissions__quarterly') }} as s
    inner join {{ ref('int_regions__closure') }} as cl on s.region_code = cl.descendant_code
    where s.status = 'missing'
    union
    select s.source, s.quarter_start, s.unit_id, cl.descendant_code as region_code
    from {{ ref('int_submissions__quarterly') }} as s
    inner join {{ ref('int_regions__closure') }} as cl on s.region_code = cl.ancestor_code
    where s.status = 'missing'
),

indicator_sources as (
    select distinct i.indicator_code, m.record_source as source
    from {{ ref('indicators') }} as i
    inner join {{ ref('measures') }} as m
        on m.measure_code in (i.numerator_measure, i.denominator_measure)
    where m.record_source is not null
)

select isrc.indicator_code, mr.source, mr.region_code, mr.quarter_start, mr.unit_id
from indicator_sources as isrc
inner join missing_by_region as mr on isrc.source = mr.source
