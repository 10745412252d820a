-- Grain: year × part (year -1: a whole table).
-- Role: the fingerprints of every input of the indicator-value chain at this build
-- (macros/marts/fct_indicator_values_inputs.sql), computed once and read by the three
-- year-incremental models (int_indicator_values__statistics, __months_statistics and
-- marts.fct_indicator_values), each comparing them with those of its own last build
-- (macros/incremental_years.sql). A table, rebuilt at every build.
select year, part, fingerprint
from ({{ fct_indicator_values_inputs() }}) as f
