{#- Figures "as known on" var('as_of'): keep only rows released on or before that date. -#}
{% macro as_of_filter(column) -%}
    {%- if var('as_of', none) -%} and cast({{ column }} as date) <= cast('{{ var("as_of") }}' as date){%- endif -%}
{%- endmacro %}

{#- The date the warehouse judges deadlines against (pending vs missing, freshness): var('as_of')
    when figures are rebuilt as known on a date, else var('today') (env SAFETY_TODAY, for tests and
    re-runs of a past quarter), else the current date. -#}
{% macro reference_date() -%}
    {%- if var('as_of', none) -%} cast('{{ var("as_of") }}' as date)
    {%- elif var('today', none) -%} cast('{{ var("today") }}' as date)
    {%- else -%} current_date
    {%- endif -%}
{%- endmacro %}
