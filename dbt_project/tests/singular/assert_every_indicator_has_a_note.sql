-- Every indicator of seeds/indicators.csv has a quality and methodology note
-- (seeds/indicator_notes.csv). Returns the indicators without one.
{{ config(meta={'dagster': {'ref': {'name': 'indicator_notes'}}}) }}  -- the asset checked (dagster-dbt)
select i.indicator_code
from {{ ref('indicators') }} as i
left join {{ ref('indicator_notes') }} as n on i.indicator_code = n.indicator_code
where n.indicator_code is null
