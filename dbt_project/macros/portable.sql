{#- Portable forms of the few constructs the models need that dbt's cross-database macros
    (dbt.listagg, dbt.dateadd, dbt.datediff, dbt.last_day, dbt.split_part, ...) do not cover.
    Each dispatches: `default__` is plain SQL another engine (Spark, Trino, PostgreSQL) runs;
    `duckdb__` exists only where DuckDB has a shorter or faster native form. An adapter can add
    its own `<adapter>__` form without touching the models. -#}

{#- The date of year, month, day given as SQL expressions (dbt.date takes literals only). -#}
{% macro date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('date_from_parts')(year, month, day)) }}
{%- endmacro %}

{% macro default__date_from_parts(year, month, day) -%}
    {#- Months and days counted from 2000-01-01: only date arithmetic, no engine-specific constructor. -#}
    cast({{ dbt.dateadd('day', '(' ~ day ~ ') - 1',
        dbt.dateadd('month', '((' ~ year ~ ') - 2000) * 12 + (' ~ month ~ ') - 1', "cast('2000-01-01' as date)")) }} as date)
{%- endmacro %}

{% macro duckdb__date_from_parts(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}

{#- First and last day of a quarter (quarter 1..4). -#}
{% macro quarter_start(year, quarter) -%}
    {{ date_from_parts(year, '3 * (' ~ quarter ~ ') - 2', 1) }}
{%- endmacro %}

{% macro quarter_end(year, quarter) -%}
    {{ dbt.last_day(date_from_parts(year, '3 * (' ~ quarter ~ ')', 1), 'month') }}
{%- endmacro %}

{#- An inline table of one column from a compile-time list, e.g. a quarter spine:
    `(select 1 as quarter union all select 2 as quarter ...)`; every engine runs it.
    sql_type casts each value when the column type matters downstream. -#}
{% macro values_table(column, values, sql_type=none) -%}
    (
    {%- for v in values %}
        select {% if sql_type %}cast({{ v if v is number else "'" ~ v ~ "'" }} as {{ sql_type }}){% else %}{{ v if v is number else "'" ~ v ~ "'" }}{% endif %} as {{ column }}
        {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- Integer division of non-negative integers (DuckDB spells it `//`, PostgreSQL `/`, Spark `div`). -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    cast(floor(({{ numerator }}) / ({{ denominator }})) as integer)
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{#- One row per item of a delimited text (no dbt cross-database macro explodes a list). Used as
    a select-list item, `{{ split_to_rows('t.kinds', "';'") }} as kind`. The default is the
    DuckDB spelling (PostgreSQL: unnest(string_to_array(...))); Spark: macros/spark/portable.sql. -#}
{% macro split_to_rows(text, delimiter) -%}
    {{ return(adapter.dispatch('split_to_rows')(text, delimiter)) }}
{%- endmacro %}

{% macro default__split_to_rows(text, delimiter) -%}
    unnest(string_split({{ text }}, {{ delimiter }}))
{%- endmacro %}

{#- One row per element of a list column (the Python models write lists of structs). -#}
{% macro list_to_rows(list) -%}
    {{ return(adapter.dispatch('list_to_rows')(list)) }}
{%- endmacro %}

{% macro default__list_to_rows(list) -%}
    unnest({{ list }})
{%- endmacro %}
