{#- on-run-start (dbt_project.yml): bring the published marts of an older warehouse to the column
    types the contracts now declare, before an incremental build compares them (fct_breakdowns
    fails on a changed type, on_schema_change='fail'; fct_indicator_values would keep the old one).
    Each entry: a column whose type changed, and since when. A no-op on a new or current
    warehouse.
      2026-12-04  n_records HUGEINT (DuckDB's sum()) -> BIGINT: one type every engine has
                  (docs/spark_spike.md, cause 2) -#}
{% macro upgrade_column_types() -%}
    {{ return(adapter.dispatch('upgrade_column_types')()) }}
{%- endmacro %}

{% macro default__upgrade_column_types() -%}
    select 1
{%- endmacro %}

{% macro duckdb__upgrade_column_types() -%}
    {%- set changed = {('fct_breakdowns', 'n_records'): ('HUGEINT', 'bigint'),
                       ('fct_indicator_values', 'n_records'): ('HUGEINT', 'bigint')} -%}
    {%- set stale = [] -%}
    {%- if execute -%}
    {#- one query a build: the marts' columns still of an old type -#}
    {%- set sql -%}
    select table_name, column_name from information_schema.columns
    where table_catalog = '{{ target.database }}' and table_schema = 'marts' and (
        {%- for key, types in changed.items() %}
        {{ 'or ' if not loop.first }}(table_name = '{{ key[0] }}' and column_name = '{{ key[1] }}' and data_type = '{{ types[0] }}')
        {%- endfor %})
    order by table_name, column_name
    {%- endset -%}
    {%- for table, column in run_query(sql).rows -%}
    {%- set types = changed[(table, column)] -%}
    {%- do stale.append((table, column, types[1])) -%}
    {%- do log("upgrading marts." ~ table ~ "." ~ column ~ " " ~ types[0] ~ " -> " ~ types[1]
        ~ " / 升级列类型", info=true) -%}
    {%- endfor -%}
    {%- endif -%}
    {%- for table, column, new_type in stale -%}
    alter table {{ adapter.quote(target.database) }}.marts.{{ table }} alter column {{ column }} type {{ new_type }};
    {% endfor -%}
    select 1
{%- endmacro %}
