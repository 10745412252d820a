{#- Spark form of list_to_rows (macros/portable.sql): explode() of an array column. -#}
{% macro spark__list_to_rows(list) -%}
    explode({{ list }})
{%- endmacro %}
