{#- Views are built as tables on Spark (the root project's view materialization for the spark
    adapter; DuckDB never uses it). Spark inlines a view, and the project's views stack
    (int_indicator_values__months_statistics reads __months_compared, which reads __months, ...):
    creating the top view alone planned for 114 s and ran out of a 2 GiB driver
    (java.lang.OutOfMemoryError: Java heap space; docs/spark_spike.md, causes 11-12). As tables
    each level is planned once. `--vars '{spark_views_as_tables: false}'` keeps them views. -#}
{% materialization view, adapter='spark' -%}
    {%- if var('spark_views_as_tables', true) -%}
        {{ return(context['materialization_table_spark']()) }}
    {%- else -%}
        {{ return(create_or_replace_view()) }}
    {%- endif -%}
{%- endmaterialization %}
