{#- The record sources (raw tables of dated records that reporting units submit quarterly) and
    the column dating each record, which decides its quarter: Source.date_column in
    pipelines/lib/contracts.py. Read by the submission tracker and the freshness mart. -#}
{% macro record_sources() -%}
    {{ return({
        'accidents': 'occurred_at',
        'road_traffic': 'occurred_at',
        'fires': 'occurred_at',
        'disasters': 'started_on',
        'enforcement': 'inspected_on',
    }) }}
{%- endmacro %}

{#- The reporting deadline of a quarter for a unit: `deadline_day` days after the quarter's last
    day (seed reporting_units). -#}
{% macro submission_deadline(quarter_end, deadline_day) -%}
    cast({{ dbt.dateadd('day', deadline_day, quarter_end) }} as date)
{%- endmacro %}
