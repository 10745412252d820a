{#- Year-incremental marts: a model whose rows of year y depend only on its inputs' rows of years y
    and y - 1 (同比) and on a few whole-table inputs (seeds, category lists, its own code) rebuilds
    only the years whose inputs changed since its last build, and the year after each.

    What changed is not taken from load bookkeeping but measured: the model declares its inputs as
    a query returning (year, part, fingerprint) - one fingerprint per input and year, year -1 for
    whole-table inputs - and the fingerprints of its last build are kept in
    intermediate.incremental_state. A year whose fingerprint differs (or that appears or
    disappears) is recomputed; a changed whole-table fingerprint (a seed, a new category, the
    model's SQL) recomputes every year. So a revised record, a late submission, a new seed row or
    an edited model all rebuild exactly what they touch, and a build that fails leaves the state
    of the last good build.

    Use (fingerprints: a macro call returning that query, e.g. fct_breakdowns_inputs()):
        config(materialized='incremental', on_schema_change='fail',
               pre_hook="{{ year_state_pre_hook(...) }}", post_hook="{{ year_state_post_hook(...) }}")
        and in the body: {% set rebuild = recompute_years(...) if is_incremental() %}, then under
        is_incremental() `where year in ({{ year_list(rebuild) }})`. -#}

{% macro incremental_state_table() -%}
    {{ adapter.quote(this.database) }}.intermediate.incremental_state
{%- endmacro %}

{#- Order-independent fingerprint of the rows of a group (columns as a comma list). -#}
{% macro fingerprint_of(columns) -%}
    {{ return(adapter.dispatch('fingerprint_of')(columns)) }}
{%- endmacro %}

{% macro duckdb__fingerprint_of(columns) -%}
    cast(count(*) as varchar) || ':' || cast(sum(hash({{ columns }})) as varchar)
{%- endmacro %}

{% macro default__fingerprint_of(columns) -%}
    {{ dbt.hash(dbt.listagg(dbt.hash(dbt.concat(columns.split(',') | map('trim') | map('string') | list)), "'|'", "order by 1")) }}
{%- endmacro %}

{#- (year, fingerprint) now: the parts of each year joined in a fixed order. -#}
{% macro current_fingerprints(fingerprints) -%}
    select year, {{ dbt.listagg("part || '=' || fingerprint", "';'", "order by part") }} as fingerprint
    from (
        {{ fingerprints }}
        union all
        select -1 as year, 'model_sql' as part, '{{ local_md5(model.raw_code) }}' as fingerprint
    ) as parts
    group by year
{%- endmacro %}

{#- The years to rebuild, as a list read when the model runs: changed years and the year after
    each (同比 reads the year before); every year when a whole-table part changed or nothing is
    stored. Written into the SQL as constants, so scans skip the other years' row groups. -#}
{% macro recompute_years(fingerprints) -%}
    {%- if not execute -%}
    {{ return([]) }}
    {%- endif -%}
    {%- set sql -%}
    with now_fp as ({{ current_fingerprints(fingerprints) }}),
    stored as (
        select year, fingerprint from {{ incremental_state_table() }}
        where model = '{{ this.identifier }}'
    ),
    changed as (
        select coalesce(n.year, s.year) as year
        from now_fp as n
        full outer join stored as s on n.year = s.year
        where n.fingerprint is null or s.fingerprint is null or n.fingerprint <> s.fingerprint
    ),
    everything as (
        select count(*) > 0 as yes from changed where year = -1
    )
    select year from changed where year <> -1
    union
    select year + 1 from changed where year <> -1
    union
    select n.year from now_fp as n cross join everything as e where e.yes and n.year <> -1
    union
    select s.year from stored as s cross join everything as e where e.yes and s.year <> -1
    order by 1
    {%- endset -%}
    {%- do ensure_incremental_state() -%}
    {{ return(run_query(sql).columns[0].values() | map('int') | list) }}
{%- endmacro %}

{% macro ensure_incremental_state() -%}
    {%- do run_query(
        "create table if not exists " ~ incremental_state_table()
        ~ " (model varchar, year integer, fingerprint varchar, built_at timestamp)"
    ) -%}
{%- endmacro %}

{#- SQL list of years for `year in (...)`; `null` matches nothing when the list is empty. -#}
{% macro year_list(years) -%}
    {{ years | join(', ') if years else 'null' }}
{%- endmacro %}

{#- Pre-hook: drop the years about to be rebuilt, and say which (the refresh log shows it). -#}
{% macro year_state_pre_hook(fingerprints) -%}
    {%- if is_incremental() and execute -%}
    {%- set years = recompute_years(fingerprints) -%}
    {%- do log(this.identifier ~ ": rebuilding " ~ (years | length) ~ " year(s)"
        ~ (": " ~ (years | join(', ')) if years else "")
        ~ " (inputs changed, or the year before did) / 按年增量重算", info=true) -%}
    delete from {{ this }} where year in ({{ year_list(years) }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The years a rebuild of `years` reads: those and the year before each (the 同比 base). -#}
{% macro with_previous_years(years) -%}
    {%- set read = years | list -%}
    {%- for y in years -%}
    {%- do read.append(y - 1) -%}
    {%- endfor -%}
    {{ return(read | unique | sort) }}
{%- endmacro %}

{#- After a successful build: remember the fingerprints it was built from. -#}
{% macro year_state_post_hook(fingerprints) -%}
    create table if not exists {{ incremental_state_table() }} (
        model varchar, year integer, fingerprint varchar, built_at timestamp
    );
    delete from {{ incremental_state_table() }} where model = '{{ this.identifier }}';
    insert into {{ incremental_state_table() }}
    select '{{ this.identifier }}', year, fingerprint, {{ dbt.current_timestamp() }}
    from ({{ current_fingerprints(fingerprints) }}) as f
{%- endmacro %}
