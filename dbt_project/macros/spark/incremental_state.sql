{#- Spark counterparts of the year-incremental state (macros/incremental_years.sql).
    Spark (no Delta/Iceberg) has no DELETE on Parquet/Hive tables and runs one statement per
    call, so the state table is partitioned by model and a build replaces its model's
    partition with one INSERT OVERWRITE (dynamic partition overwrite).
    Called only once incremental_years.sql dispatches incremental_state_table,
    create_incremental_state and year_state_post_hook (docs/spark_spike.md, causes 5-6). -#}
{% macro spark__incremental_state_table() -%}
    intermediate.incremental_state
{%- endmacro %}

{% macro spark__create_incremental_state() -%}
    {%- if execute -%}
    {%- do run_query('create schema if not exists intermediate') -%}
    {%- endif -%}
    create table if not exists intermediate.incremental_state
        (year int, part string, fingerprint string, built_at timestamp, model string)
    using parquet partitioned by (model)
{%- endmacro %}

{% macro spark__year_state_post_hook(fingerprints, keys=none) -%}
    {#- partition column last, as INSERT OVERWRITE ... PARTITION (model) expects -#}
    insert overwrite table {{ incremental_state_table() }} partition (model)
    select year, part, fingerprint, {{ dbt.current_timestamp() }}, '{{ this.identifier }}'
    from ({{ current_fingerprints(fingerprints) }}) as f
    {%- if keys %}
    union all
    select -2, key, '', {{ dbt.current_timestamp() }}, '{{ this.identifier }}'
    from ({{ keys }}) as k
    {%- endif %}
{%- endmacro %}
