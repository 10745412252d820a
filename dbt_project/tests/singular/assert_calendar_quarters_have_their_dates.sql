-- Every quarter of the calendar spine starts on the first day of its first month and ends on
-- the last day of its third. Every coverage and submission join reads these dates: an engine
-- whose date functions return NULL or shift a day would empty those joins with every other
-- test passing (Spark did, docs/spark_spike.md cause 17).
select year, quarter, quarter_start, quarter_end
from {{ ref('int_calendar__quarters') }}
where
    quarter_start is null
    or quarter_end is null
    or extract(year from quarter_start) <> year
    or extract(month from quarter_start) <> 3 * quarter - 2
    or extract(day from quarter_start) <> 1
    or extract(year from quarter_end) <> year
    or extract(month from quarter_end) <> 3 * quarter
    or extract(month from {{ dbt.dateadd('day', 1, 'quarter_end') }}) = extract(month from quarter_end)
