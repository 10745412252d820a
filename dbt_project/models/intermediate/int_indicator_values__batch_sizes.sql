-- Grain: year × province (the first two digits of region_code; '00' the national total).
-- Role: the number of base values (int_indicator_values__base rows) of each year and province,
-- by which indicator_values_year_batches() cuts a large build of the indicator-value chain into
-- batches of whole years, or of ranges of provinces within a year too large for one batch
-- (macros/marts/fct_indicator_values_inputs.sql). A table, rebuilt at every build.
select year, substring(region_code, 1, 2) as province, count(*) as base_rows
from {{ ref('int_indicator_values__base') }}
group by year, substring(region_code, 1, 2)
