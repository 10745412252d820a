{#- Year-incremental marts: a model whose rows of year y depend only on its inputs' rows of years
    y - n .. y (n = 1 for 同比, 5 for the previous five-year mean) and on a few whole-table inputs
    (seeds, the dbt code) rebuilds only the years whose inputs changed since its last build, and
    the n years after each.

    What changed is not taken from load bookkeeping but measured: the model declares its inputs as
    a query returning (year, part, fingerprint) - one fingerprint per input and year, year -1 for
    whole-table inputs - and the fingerprints of its last build are kept in
    intermediate.incremental_state (model, year, part, fingerprint, built_at; created by the
    project's on-run-start hook, so two models building at once never both create it). A year
    whose fingerprint differs (or that appears or disappears) is rebuilt with the n years after
    it; a changed whole-table fingerprint (a seed, the model's SQL, the dbt code) rebuilds every
    year. Rows grouped by a key that spans every year (a category's zero rows) are handled by key:
    the keys of the last build are kept too (year -2); a new key's rows are built in every year,
    a vanished key's rows deleted from every year. Rows that do not belong to one year (a plan
    period's rows) can be rebuilt whole at every build (`always_rebuilt`, a predicate on the
    model's rows). So a revised record, a late submission, a first-ever category, a seed edit or
    an edited model rebuild what they touch, and a build that fails leaves the state of the last
    good build.

    The dbt code: the refresh passes the hash of every file dbt reads and of the Python UDFs
    (pipelines/dbt_code_state.py) as SAFETY_DBT_CODE_HASH, so an edited macro or UDF rebuilds
    every year too. A `dbt build` started by hand without it sees only the model's own SQL.

    Use (see marts/fct_breakdowns.sql; inputs and keys are macro calls returning queries):
        config(materialized='incremental', on_schema_change='fail',
               pre_hook="{{ year_state_pre_hook(inputs(), keys(), key_expr()) }}",
               post_hook="{{ year_state_post_hook(inputs(), keys()) }}")
        {% set plan = rebuild_plan(inputs(), keys()) if year_incremental_build() else {} %}
        ... under year_incremental_build(): where year in ({{ year_list(plan.years) }})
            or <key> in ({{ key_list(plan.new_keys) }}) -#}

{#- True while `dbt run`/`dbt build` updates the existing table. Other commands that compile the
    model (docs generate, compile, show) get its full-build SQL and never touch the state. -#}
{% macro year_incremental_build() -%}
    {{ return(is_incremental() and execute and flags.WHICH in ('run', 'build')) }}
{%- endmacro %}

{#- The state table and its two writers dispatch: Spark's forms are in macros/spark/. -#}
{% macro incremental_state_table() -%}
    {{ return(adapter.dispatch('incremental_state_table')()) }}
{%- endmacro %}

{% macro default__incremental_state_table() -%}
    {{ adapter.quote(target.database) }}.intermediate.incremental_state
{%- endmacro %}

{#- Order-independent fingerprint of the rows of a group (columns as a comma list). -#}
{% macro fingerprint_of(columns) -%}
    {{ return(adapter.dispatch('fingerprint_of')(columns)) }}
{%- endmacro %}

{% macro duckdb__fingerprint_of(columns) -%}
    cast(count(*) as varchar) || ':' || cast(sum(hash({{ columns }})) as varchar)
{%- endmacro %}

{% macro default__fingerprint_of(columns) -%}
    {%- set row_hash = dbt.hash(dbt.concat(columns.split(',') | map('trim') | map('string') | list)) -%}
    {{ dbt.hash(dbt.listagg(row_hash, "'|'", "order by " ~ row_hash)) }}
{%- endmacro %}

{#- (year, part, fingerprint) now: the model's inputs and its own SQL. -#}
{% macro current_fingerprints(fingerprints) -%}
    {{ fingerprints }}
    union all
    select -1 as year, 'model_sql' as part, '{{ local_md5(model.raw_code) }}' as fingerprint
    {%- if env_var('SAFETY_DBT_CODE_HASH', '') %}
    union all
    select -1, 'dbt_code', '{{ env_var('SAFETY_DBT_CODE_HASH', '') }}'
    {%- endif %}
{%- endmacro %}

{#- What to rebuild, read when the model runs: {'years': [...], 'whole': [parts]}. The years
    whose parts changed and the `years_after` years after each (同比 reads the year before, the
    previous five-year mean the five before); every year when a
    whole-table part changed (named in 'whole') or nothing is stored. The years are written into
    the SQL as constants, so scans skip the other years' row groups. -#}
{% macro rebuild_plan(fingerprints, keys=none, years_after=1) -%}
    {%- if not execute -%}
    {{ return({'years': [], 'whole': [], 'new_keys': [], 'gone_keys': []}) }}
    {%- endif -%}
    {#- keys kept by a build of this model, if it had keys at all: without them, rebuild all -#}
    {%- set keys_missing = keys and run_query(
        "select count(*) from " ~ incremental_state_table()
        ~ " where model = '" ~ this.identifier ~ "' and year = -2"
    ).columns[0].values()[0] == 0 -%}
    {%- set sql -%}
    with now_fp as ({{ current_fingerprints(fingerprints) }}),
    stored as (
        select year, part, fingerprint from {{ incremental_state_table() }}
        where model = '{{ this.identifier }}' and year <> -2
    ),
    changed as (
        select coalesce(n.year, s.year) as year, coalesce(n.part, s.part) as part
        from now_fp as n
        full outer join stored as s on n.year = s.year and n.part = s.part
        where n.fingerprint is null or s.fingerprint is null or n.fingerprint <> s.fingerprint
    ),
    everything as (
        select count(*) > 0 or {{ 'true' if keys_missing else 'false' }} as yes from changed where year = -1
    ),
    years as (
        select year from (
            select year from changed
            {%- for n in range(1, years_after + 1) %}
            union
            select year + {{ n }} from changed
            {%- endfor %}
            union
            select n.year from now_fp as n cross join everything as e where e.yes
            union
            select s.year from stored as s cross join everything as e where e.yes
        ) as y
        -- only years that have inputs now or had them at the last build
        where year <> -1 and (year in (select year from now_fp) or year in (select year from stored))
    )
    select 'year' as kind, cast(year as {{ dbt.type_string() }}) as item from years
    union all
    select 'whole', part from changed where year = -1 and exists (select 1 from stored)
    union all
    select 'whole', 'no earlier build recorded' where not exists (select 1 from stored)
    {%- if keys_missing %}
    union all
    select 'whole', 'no keys recorded' where exists (select 1 from stored)
    {%- endif %}
    {%- endset -%}
    {%- set rows = run_query(sql).rows -%}
    {%- set years = [] -%}
    {%- set whole = [] -%}
    {%- for kind, item in rows -%}
        {%- do (years.append(item | int) if kind == 'year' else whole.append(item)) -%}
    {%- endfor -%}
    {%- set plan = {'years': years | sort, 'whole': whole | sort, 'new_keys': [], 'gone_keys': []} -%}
    {%- if keys and not whole -%}
        {#- rows keyed by a group that spans every year (e.g. a category's zero rows): a key that
            appeared is built in every year, one that disappeared is deleted from every year -#}
        {%- set key_sql -%}
        with now_k as ({{ keys }}),
        stored_k as (
            select part as key from {{ incremental_state_table() }}
            where model = '{{ this.identifier }}' and year = -2
        )
        select 'new' as kind, key from now_k where key not in (select key from stored_k)
        union all
        select 'gone', key from stored_k where key not in (select key from now_k)
        {%- endset -%}
        {%- for kind, key in run_query(key_sql).rows -%}
            {%- do plan[kind ~ '_keys'].append(key) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}

{#- SQL list of string keys for `key in (...)`; `null` matches nothing when the list is empty. -#}
{% macro key_list(keys) -%}
    {%- if keys -%}
    {%- for k in keys -%}'{{ k | replace("'", "''") }}'{{ ', ' if not loop.last }}{%- endfor -%}
    {%- else -%}
    null
    {%- endif -%}
{%- endmacro %}

{#- on-run-start (dbt_project.yml): the state table exists before any model runs. Created in a
    model's hook instead, two year-incremental models finishing together on a new warehouse both
    created it, and DuckDB failed one of them (catalog write-write conflict). -#}
{% macro create_incremental_state() -%}
    {{ return(adapter.dispatch('create_incremental_state')()) }}
{%- endmacro %}

{% macro default__create_incremental_state() -%}
    create schema if not exists {{ adapter.quote(target.database) }}.intermediate;
    create table if not exists {{ incremental_state_table() }}
        (model varchar, year integer, part varchar, fingerprint varchar, built_at timestamp)
{%- endmacro %}

{#- SQL list of years for `year in (...)`; `null` matches nothing when the list is empty. -#}
{% macro year_list(years) -%}
    {{ years | join(', ') if years else 'null' }}
{%- endmacro %}

{#- Pre-hook: drop the years about to be rebuilt (and the rows matching `always_rebuilt`), and
    say which and why (the refresh log). -#}
{% macro year_state_pre_hook(fingerprints, keys=none, key_expr=none, years_after=1, always_rebuilt=none) -%}
    {%- if year_incremental_build() -%}
    {%- set plan = rebuild_plan(fingerprints, keys, years_after) -%}
    {%- set years = plan['years'] -%}
    {%- do log(this.identifier ~ ": rebuilding " ~ (years | length) ~ " year(s)"
        ~ (": " ~ (years | join(', ')) if years else "")
        ~ (" (changed for all years: " ~ (plan['whole'] | join(', ')) ~ ")" if plan['whole']
           else " (inputs changed, or one of the " ~ years_after ~ " year(s) before did)")
        ~ ("; every year of " ~ (plan['new_keys'] | length) ~ " new and "
           ~ (plan['gone_keys'] | length) ~ " vanished key(s)" if keys and not plan['whole'] else "")
        ~ " / 按年增量重算", info=true) -%}
    delete from {{ this }} where year in ({{ year_list(years) }})
    {%- if always_rebuilt %} or {{ always_rebuilt }}{% endif %}
    {%- if keys %} or {{ key_expr }} in ({{ key_list(plan['gone_keys'] + plan['new_keys']) }}){% endif %}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The years a rebuild of `years` reads: those and the n years before each (the 同比 base: n = 1). -#}
{% macro with_previous_years(years, n=1) -%}
    {%- set read = years | list -%}
    {%- for y in years -%}
    {%- for k in range(1, n + 1) -%}
    {%- do read.append(y - k) -%}
    {%- endfor -%}
    {%- endfor -%}
    {{ return(read | unique | sort) }}
{%- endmacro %}

{#- After a successful build: remember the fingerprints it was built from. -#}
{% macro year_state_post_hook(fingerprints, keys=none) -%}
    {{ return(adapter.dispatch('year_state_post_hook')(fingerprints, keys)) }}
{%- endmacro %}

{% macro default__year_state_post_hook(fingerprints, keys=none) -%}
    delete from {{ incremental_state_table() }} where model = '{{ this.identifier }}';
    insert into {{ incremental_state_table() }}
    select '{{ this.identifier }}', year, part, fingerprint, {{ dbt.current_timestamp() }}
    from ({{ current_fingerprints(fingerprints) }}) as f
    {%- if keys %};
    insert into {{ incremental_state_table() }}
    select '{{ this.identifier }}', -2, key, '', {{ dbt.current_timestamp() }}
    from ({{ keys }}) as k
    {%- endif %}
{%- endmacro %}
