{#- Spark forms of macros/portable.sql. split() takes a regex: the delimiter is quoted.
    split_to_rows is called once macros/portable.sql has it (docs/spark_spike.md, cause 8). -#}
{% macro spark__split_to_rows(text, delimiter) -%}
    explode(split({{ text }}, concat('\\Q', {{ delimiter }}, '\\E')))
{%- endmacro %}

{#- default__date_from_parts nests dbt.dateadd, whose Spark form repeats its argument four times
    per call: int_calendar__quarters compiled to 618 KB of SQL, planned for minutes, and gave
    NULL dates under spark.sql.timestampType=TIMESTAMP_NTZ. Spark has make_date (3.0+). -#}
{% macro spark__date_from_parts(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}
