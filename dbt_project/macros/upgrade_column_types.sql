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
    {%- set changed = [('fct_breakdowns', 'n_records', 'HUGEINT', 'bigint'),
                       ('fct_indicator_values', 'n_records', 'HUGEINT', 'bigint')] -%}
    {%- set stale = [] -%}
    {%- if execute -%}
    {%- for table, column, old_type, new_type in changed -%}
    {%- set found = run_query(
        "select count(*) from information_schema.columns where table_catalog = '" ~ target.database
        ~ "' and table_schema = 'marts' and table_name = '" ~ table ~ "' and column_name = '" ~ column
        ~ "' and data_type = '" ~ old_type ~ "'") -%}
    {%- if found.columns[0].values()[0] > 0 -%}
    {%- do stale.append((table, column, new_type)) -%}
    {%- do log("upgrading marts." ~ table ~ "." ~ column ~ " " ~ old_type ~ " -> " ~ new_type
        ~ " / 升级列类型", info=true) -%}
    {%- endif -%}
    {%- endfor -%}
    {%- endif -%}
    {%- for table, column, new_type in stale -%}
    alter table {{ adapter.quote(target.database) }}.marts.{{ table }} alter column {{ column }} type {{ new_type }};
    {% endfor -%}
    select 1
{%- endmacro %}
