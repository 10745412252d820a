-- Grain: year × part (year -1: a whole table).
-- Role: the fingerprints of every input of the indicator-value chain at this build
-- (macros/marts/fct_indicator_values_inputs.sql), computed once and read by the three
-- year-incremental models (int_indicator_values__statistics, __months_statistics and
-- marts.fct_indicator_values), each comparing them with those of its own last build
-- (macros/incremental_years.sql), and the number of base values of each year (part 'base'),
-- by which indicator_values_year_batches() cuts a large build into batches of years. A table,
-- rebuilt at every build.
select f.year, f.part, f.fingerprint, b.base_rows
from ({{ fct_indicator_values_inputs() }}) as f
left join (
    select year, count(*) as base_rows from {{ ref('int_indicator_values__base') }} group by year
) as b on f.part = 'base' and f.year = b.year
