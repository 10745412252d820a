{#- The combination of columns is unique (no package download needed). Returns each repeated
    combination with its count. -#}
{% test unique_combination_of_columns(model, columns) %}
{{ unique_combination_sql(model, columns) }}
{% endtest %}
