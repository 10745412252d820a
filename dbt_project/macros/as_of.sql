{#- Figures "as known on" var('as_of'): keep only rows released on or before that date. -#}
{% macro as_of_filter(column) -%}
    {%- if var('as_of', none) -%} and cast({{ column }} as date) <= cast('{{ var("as_of") }}' as date){%- endif -%}
{%- endmacro %}
