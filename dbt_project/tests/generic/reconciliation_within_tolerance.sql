{#- Record totals and published totals disagree by more than 0.5 (a warning: the report stands
    for the region when records are partial; the difference is shown on the quality page). -#}
{% test reconciliation_within_tolerance(model) %}
select * from {{ model }} where status = 'mismatch'
{% endtest %}
