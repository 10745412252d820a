-- 报送缺失 / Warns (severity warn) with one row per reporting unit × quarter whose file is missing
-- after its deadline; shown as a Dagster asset check on marts/fct_submissions.
{% test missing_submissions_none(model) %}
select unit_id, source, period, deadline from {{ model }} where status = 'missing'
{% endtest %}
