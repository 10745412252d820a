{#- The inputs of marts.fct_indicator_values by year (year -1: whole tables), as (year, part,
    fingerprint): what its year-incremental build compares with the last build
    (macros/incremental_years.sql). Every table the model and its intermediates
    (int_indicator_values__*) read is here. A value of year y reads the base values and missing
    submissions of years y - 5 .. y (同比, 环比, the previous five-year mean), so a change in year y
    rebuilds years y .. y + 5; the plan-period rows are rebuilt at every build
    (fct_indicator_values_always_rebuilt). Computed once a build, into the table
    int_indicator_values__input_fingerprints, which the three year-incremental models of the chain
    (the two statistics tables and the mart) read through indicator_values_fingerprints(). -#}
{% macro fct_indicator_values_inputs() -%}
    select year, 'base' as part,
        {{ fingerprint_of('region_code, indicator_code, period_type, quarter, value, numerator, denominator, denominator_year, denominator_basis, value_source, is_complete, coverage_k, coverage_n, n_records, records_value, report_value, released_on') }} as fingerprint
    from {{ ref('int_indicator_values__base') }}
    group by year
    union all
    -- the monthly lane (a month or 1–N月累计 figure may change no quarter): the tables its view
    -- int_indicator_values__months reads, not the view: computing every row of the view for
    -- its fingerprint cost about as much as the lane itself (docs/scale.md)
    select year, 'monthly_records', {{ fingerprint_of('region_code, quarter, month, measure_code, record_source, value, n_records, released_on') }}
    from {{ ref('int_record_measures__monthly') }}
    group by year
    union all
    select year, 'monthly_reports', {{ fingerprint_of('region_code, measure_code, period_type, quarter, month, value, released_on, derived_from, is_complete') }}
    from {{ ref('int_report_measures__months') }}
    group by year
    union all
    select year, 'published', {{ fingerprint_of('origin, region_code, period, measure_code, value, released_on, period_grain, quarter, month_to') }}
    from {{ ref('int_published_values__latest') }}
    group by year
    union all
    -- the coverage columns the monthly lane reads (int_record_measures__months), not the leaf
    -- counts: a county first named by a new quarter's records adds leaves to its province in
    -- every year, which changed no value but had every year of the chain rebuilt (docs/scale.md)
    select year, 'coverage', {{ fingerprint_of('source, quarter, region_code, is_complete, n_children, k_children_complete') }}
    from {{ ref('int_coverage__quarterly') }}
    group by year
    union all
    select year, 'denominators', {{ fingerprint_of('region_code, measure_code, period_type, quarter, value, denominator_year, basis, released_on') }}
    from {{ ref('int_denominators__periods') }}
    group by year
    union all
    select year, 'missing_submissions', {{ fingerprint_of('source, unit_id, region_code, quarter, quarter_start') }}
    from {{ ref('int_submissions__quarterly') }}
    where status = 'missing'
    group by year
    union all
    select -1, 'closure', {{ fingerprint_of('ancestor_code, descendant_code') }} from {{ ref('int_regions__closure') }}
    union all
    select -1, 'indicators',
        {{ fingerprint_of('indicator_code, name_zh, name_en, kind, numerator_measure, denominator_measure, denominator_from, scale, unit_zh, unit_en, better, headline, display_order') }}
    from {{ ref('indicators') }}
    union all
    select -1, 'measures', {{ fingerprint_of('measure_code, record_source, poisson, count_model') }} from {{ ref('measures') }}
    union all
    -- the noise statistics: clustering of persons and the dispersion φ, by year
    select year, 'clusters', {{ fingerprint_of('region_code, measure_code, quarter, persons, persons_sq, max_per_event') }}
    from {{ ref('int_record_measures__clusters') }}
    group by year
    union all
    select year, 'dispersion', {{ fingerprint_of('region_code, measure_code, phi, phi_basis') }}
    from {{ ref('int_measure_values__dispersion') }}
    group by year
    union all
    select -1, 'regions', {{ fingerprint_of('region_code, name_zh, name_en, level') }} from {{ ref('regions') }}
    union all
    select -1, 'plan_periods', {{ fingerprint_of('plan_period, first_year, last_year') }} from {{ ref('plan_periods') }}
    union all
    select -1, 'series_breaks', {{ fingerprint_of('break_id, measure_code, effective_from, restated_base, note_zh, note_en') }}
    from {{ ref('series_breaks') }}
{%- endmacro %}

{#- How many years after a changed year its values reach (同比, 环比, the previous five-year mean). -#}
{% macro fct_indicator_values_years_after() -%}
    {{ return(comparison_prev_years()) }}
{%- endmacro %}

{#- Rows not of one year: a plan period's row sits in its latest year with data and moves on
    when the next year arrives, so every build rewrites them all (about 2% of the rows). -#}
{% macro fct_indicator_values_always_rebuilt() -%}
    period_type = 'plan_period'
{%- endmacro %}

{#- The fingerprints of this build (the table computed from fct_indicator_values_inputs()). -#}
{% macro indicator_values_fingerprints() -%}
    select year, part, fingerprint from {{ ref('int_indicator_values__input_fingerprints') }}
{%- endmacro %}

{#- The years a year-incremental build of an indicator-value model recomputes, or none when it
    builds every year (a first or full build, or a command that only compiles). The statistics
    tables and the mart keep their own state, so each compares with its own last build. -#}
{% macro indicator_values_rebuilt_years() -%}
    {%- if year_incremental_build() -%}
    {{ return(rebuild_plan(indicator_values_fingerprints(), years_after=fct_indicator_values_years_after()).get('years', [])) }}
    {%- else -%}
    {{ return(none) }}
    {%- endif -%}
{%- endmacro %}

{#- The batches a build computes, one statement each: a list of {'years', 'from', 'to'}, or one
    batch (the years rebuilt, none for every year) when they fit one. On a national drop one
    statement over every year outgrew the memory limit and spilled tens of GB (a full build, or
    a code change that rebuilds every year; docs/scale.md), while a year's rows need no other
    year's statistics. Batches hold at most SAFETY_DBT_YEAR_BATCH_ROWS base values
    (int_indicator_values__base rows, counted by int_indicator_values__batch_sizes; default
    600,000), in year order; the first holds the plan-period rows too.
    A year of more base values than that (about 5.5M at 10M national records) is cut into
    ranges of provinces, each a batch: 'from' <= region_code < 'to', by the first two digits,
    open at both ends, so every code falls in one range (a null in the first). Every row of the
    chain reads rows of its own region only: its joins are on region_code, a Benjamini–Hochberg
    family lies within a region, and the pooled cluster ratio reads the clusters table whole.
    The default fits the default 1.5 GB: the monthly statistics, the largest per value (about
    2.2 monthly rows a base value, each joined to its 同比 and 环比 bases in
    int_indicator_values__months_compared), ran out of memory at 950k base values and passed at
    700k (a 100k-record national drop); a year of the 1M drop (up to 558k) is one batch. Smaller
    batches did not lower the peak there and cost a fixed few seconds each (docs/scale.md).
    DuckDB only: Spark distributes one statement itself. The refs come first, so that dbt sees
    the model's dependencies when it parses it. -#}
{% macro indicator_values_year_batches(rebuilt) -%}
    {%- set sizes_table = ref('int_indicator_values__batch_sizes') -%}
    {%- set fingerprints_table = ref('int_indicator_values__input_fingerprints') -%}
    {%- set whole = [{'years': rebuilt, 'from': none, 'to': none}] -%}
    {%- set limit = env_var('SAFETY_DBT_YEAR_BATCH_ROWS', '600000') | int -%}
    {%- if not year_batches_apply() or (rebuilt is not none and rebuilt | length == 0) -%}
    {{ return(whole) }}
    {%- endif -%}
    {#- every year of the inputs, also one without base values (its monthly rows), with the
        base values of each of its provinces -#}
    {%- set sizes -%}
    select year, province, base_rows from {{ sizes_table }}
    {%- if rebuilt is not none %} where year in ({{ year_list(rebuilt) }}){% endif %}
    union all
    select distinct year, null, 0 from {{ fingerprints_table }}
    where year >= 0
    {%- if rebuilt is not none %} and year in ({{ year_list(rebuilt) }}){% endif %}
    order by year, province nulls first
    {%- endset -%}
    {#- years in order, each with its provinces in order: [(year, [(province, n)])] -#}
    {%- set years = [] -%}
    {%- for year, province, n in run_query(sizes).rows -%}
        {%- if not years or years[-1][0] != year | int -%}{%- do years.append((year | int, [])) -%}{%- endif -%}
        {%- if province is not none -%}{%- do years[-1][1].append((province, n | int)) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(pack_year_batches(years, limit, whole, 'base values a batch, SAFETY_DBT_YEAR_BATCH_ROWS')) }}
{%- endmacro %}

{#- Whether a model's build computes its years in batches: a dbt run or build of the model on
    DuckDB (Spark distributes one statement itself; a compile or a unit test needs no plan). -#}
{% macro year_batches_apply() -%}
    {{ return(execute and flags.WHICH in ('run', 'build') and model.resource_type == 'model'
              and target.type == 'duckdb') }}
{%- endmacro %}

{#- Years packed into batches in order, each batch at most `limit` rows: `years` is
    [(year, [(province, rows)])]; a year over the limit is a batch of its own, cut into ranges
    of provinces when it has more than one (each closed when the next province would take it
    past the limit). Returns [{'years', 'from', 'to'}], having logged the first batch (`limit`
    named by `what`: its unit and setting), or `whole` when the years fit one batch. -#}
{% macro pack_year_batches(years, limit, whole, what) -%}
    {%- set batches = [] -%}
    {%- set open = namespace(years=[], n=0) -%}
    {%- for year, provinces in years -%}
        {%- set year_n = provinces | sum(attribute=1) -%}
        {%- if open.years and (open.n + year_n > limit or year_n > limit) -%}
            {%- do batches.append({'years': open.years, 'from': none, 'to': none}) -%}
            {%- set open.years = [] -%}
            {%- set open.n = 0 -%}
        {%- endif -%}
        {%- if year_n > limit and provinces | length > 1 -%}
            {#- ranges of provinces, each closed when the next province would take it past the limit -#}
            {%- set cut = namespace(start=none, n=0) -%}
            {%- for province, n in provinces -%}
                {%- if cut.n > 0 and cut.n + n > limit -%}
                    {%- do batches.append({'years': [year], 'from': cut.start, 'to': province}) -%}
                    {%- set cut.start = province -%}
                    {%- set cut.n = 0 -%}
                {%- endif -%}
                {%- set cut.n = cut.n + n -%}
            {%- endfor -%}
            {%- do batches.append({'years': [year], 'from': cut.start, 'to': none}) -%}
        {%- else -%}
            {%- do open.years.append(year) -%}
            {%- set open.n = open.n + year_n -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if open.years -%}{%- do batches.append({'years': open.years, 'from': none, 'to': none}) -%}{%- endif -%}
    {%- if batches | length < 2 -%}
    {{ return(whole) }}
    {%- endif -%}
    {%- do log(this.identifier ~ ': year batch 1/' ~ (batches | length) ~ ': ' ~ batch_label(batches[0])
        ~ ' (at most ' ~ limit ~ ' ' ~ what ~ ') / 分批计算', info=true) -%}
    {{ return(batches) }}
{%- endmacro %}

{#- A batch for the log: its years, and its range of region codes when it is part of a year. -#}
{% macro batch_label(batch) -%}
    {%- set bounds = [] -%}
    {%- if batch['from'] -%}{%- do bounds.append("region_code >= '" ~ batch['from'] ~ "'") -%}{%- endif -%}
    {%- if batch['to'] -%}{%- do bounds.append("region_code < '" ~ batch['to'] ~ "'") -%}{%- endif -%}
    {{ return((batch['years'] | join(', ')) ~ ((' (' ~ (bounds | join(' and ')) ~ ')') if bounds else '')) }}
{%- endmacro %}

{#- The rows batch `index` of `batches` computes: every row on a full build in one statement,
    else the batch's years (with the year before each when `previous_years` = 1: a lookup of
    the 同比 base), within its range of provinces, and, in the first batch, the plan-period rows
    (plan_periods=false: a model without them). Placed at the first scan of a statistics model,
    so that the joins, windows and UDFs behind it run on those rows only (a filter on the
    finished view did not reach them). Written without an empty list, which DuckDB does not
    fold away: with nothing to rebuild the months lane reads nothing. The comment in front
    names the call, so that insert_year_batches() can write the same predicate for the later
    batches into the model's compiled SQL. -#}
{% macro indicator_values_rebuilt_rows(batches, alias, plan_periods=true, previous_years=0, index=0) -%}
    {%- set batch = batches[index] -%}
    {%- set years = batch['years'] -%}
    {%- set parts = [] -%}
    {%- if years -%}
    {%- set rows = [alias ~ '.year in (' ~ year_list(with_previous_years(years, previous_years)) ~ ')'] -%}
    {#- a range of provinces: the first open below (and holding a null code, should one occur), the last open above -#}
    {%- if batch['from'] -%}{%- do rows.append(alias ~ ".region_code >= '" ~ batch['from'] ~ "'") -%}{%- endif -%}
    {%- if batch['to'] and not batch['from'] -%}
    {%- do rows.append('(' ~ alias ~ ".region_code < '" ~ batch['to'] ~ "' or " ~ alias ~ '.region_code is null)') -%}
    {%- elif batch['to'] -%}{%- do rows.append(alias ~ ".region_code < '" ~ batch['to'] ~ "'") -%}{%- endif -%}
    {%- do parts.append(rows | join(' and ') if rows | length == 1 else '(' ~ (rows | join(' and ')) ~ ')') -%}
    {%- endif -%}
    /* year batch {{ tojson({'batches': batches, 'alias': alias, 'plan_periods': plan_periods, 'previous_years': previous_years}) }} */
    {%- if years is none %}
    true
    {%- elif plan_periods and index == 0 %}
    ({{ (parts + [alias ~ ".period_type = 'plan_period'"]) | join(' or ') }})
    {%- elif plan_periods and parts %}
    ({{ parts[0] }} and {{ alias }}.period_type <> 'plan_period')
    {%- elif parts %}
    {{ parts[0] }}
    {%- else %}
    false
    {%- endif -%}
{%- endmacro %}

{#- Post-hook (before the state's): the later batches of years, each inserted by its own
    statement, which is the model's compiled SQL with the first batch's predicates replaced by
    the batch's. Nothing when the build was one statement. -#}
{% macro insert_year_batches() -%}
    {%- set calls = [] -%}
    {%- if execute and sql -%}
    {%- for found in modules.re.findall('/\\* year batch (\\{.*?\\}) \\*/', sql) -%}
        {%- set call = fromjson(found) -%}
        {%- if call not in calls -%}{%- do calls.append(call) -%}{%- endif -%}
    {%- endfor -%}
    {%- endif -%}
    {%- set batches = calls[0]['batches'] if calls else [{'years': none}] -%}
    {%- for index in range(1, batches | length) -%}
        {%- set query = namespace(sql=sql) -%}
        {%- for call in calls -%}
            {%- if call['batches'] != batches -%}
            {%- do exceptions.raise_compiler_error(this.identifier ~ ': two year-batch plans in one model') -%}
            {%- endif -%}
            {%- set first = indicator_values_rebuilt_rows(batches, call['alias'], call['plan_periods'], call['previous_years'], 0) -%}
            {%- set later = indicator_values_rebuilt_rows(batches, call['alias'], call['plan_periods'], call['previous_years'], index) -%}
            {%- if first not in query.sql -%}
            {#- never insert the first batch's rows again -#}
            {%- do exceptions.raise_compiler_error(this.identifier ~ ': year-batch predicate not found in the compiled SQL') -%}
            {%- endif -%}
            {%- set query.sql = query.sql.replace(first, later) -%}
        {%- endfor -%}
        {%- do log(this.identifier ~ ': year batch ' ~ (index + 1) ~ '/' ~ (batches | length) ~ ': '
            ~ batch_label(batches[index]) ~ ' / 分批计算', info=true) -%}
        {%- do run_query('insert into ' ~ this ~ ' by name select * from (\n' ~ query.sql ~ '\n) as batch') -%}
    {%- endfor -%}
    select 1
{%- endmacro %}

{#- The config of the four year-incremental tables of the chain (int_indicator_values__months,
    the two statistics tables and the mart): state by year (macros/incremental_years.sql) from
    the fingerprints computed once a build, the later year batches inserted by a post-hook.
    plan_periods: the model holds plan-period rows, rebuilt at every build. -#}
{% macro indicator_values_chain_config(on_schema_change='sync_all_columns', plan_periods=true) -%}
    {%- set always = ', always_rebuilt=fct_indicator_values_always_rebuilt()' if plan_periods else '' -%}
    {{ config(
        materialized='incremental',
        on_schema_change=on_schema_change,
        full_refresh=(true if var('as_of', none) else none),
        pre_hook="{{ year_state_pre_hook(indicator_values_fingerprints(), years_after=fct_indicator_values_years_after()" ~ always ~ ") }}",
        post_hook=[
            "{{ insert_year_batches() }}",
            "{{ year_state_post_hook(indicator_values_fingerprints()) }}",
        ],
    ) }}
{%- endmacro %}
