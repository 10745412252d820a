-- 数据时效 / Warns (severity warn) with one row per record source whose latest complete quarter
-- is behind the latest quarter due; shown as a Dagster asset check on marts/fct_source_freshness.
{% test source_is_fresh(model) %}
select source, expected_period, latest_complete_period, quarters_behind, days_overdue
from {{ model }} where status <> 'fresh'
{% endtest %}
