{#- Spark form of dbt.listagg (overrides dbt-spark's, which is array_join(collect_list(...)):
    it drops the ORDER BY, and gives '' instead of NULL when there is nothing to list:
    docs/spark_spike.md, cause 19). Spark 4's own listagg keeps both: the ORDER BY as WITHIN
    GROUP, NULL when every value is NULL. Except with DISTINCT: `listagg(distinct x) within
    group (order by x)` fails in Spark 4.3 (java.lang.ClassCastException: AttributeReference
    cannot be cast to SortOrder), so a distinct list is the sorted set (every such use in the
    project orders by the listed expression; another order is refused at compile time), NULL
    when empty. limit_num as dbt-spark's (a slice). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set m = measure | trim -%}
    {%- if limit_num -%}
    array_join(slice(collect_list({{ measure }}), 1, {{ limit_num }}), {{ delimiter_text }})
    {%- elif m[:9] | lower == 'distinct ' -%}
        {%- set expr = m[9:] | trim -%}
        {%- set order = (order_by_clause or '') | trim -%}
        {%- if order and (order[8:] | trim | lower) not in [expr | lower, (expr ~ ' asc') | lower] -%}
            {{ exceptions.raise_compiler_error("spark__listagg: DISTINCT lists are ordered by the listed expression only, not '" ~ order ~ "'") }}
        {%- endif -%}
    case when count({{ expr }}) > 0 then array_join(array_sort(collect_set({{ expr }})), {{ delimiter_text }}) end
    {%- else -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif -%}
    {%- endif -%}
{%- endmacro %}
