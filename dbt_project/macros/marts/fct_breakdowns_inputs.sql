{#- The inputs of marts.fct_breakdowns by year (year -1: whole tables), as (year, part,
    fingerprint): what its year-incremental build compares with the last build
    (macros/incremental_years.sql). Every table the model reads is here; the categories ever
    recorded, which give zero rows in every year, are keys (fct_breakdowns_category_keys). -#}
{% macro fct_breakdowns_inputs() -%}
    select year, 'records' as part,
        {{ fingerprint_of('region_code, quarter, domain, breakdown, category_code, measure_code, value, n_records, released_on') }} as fingerprint
    from {{ ref('int_breakdowns__quarterly') }}
    group by year
    union all
    select year, 'coverage',
        {{ fingerprint_of('source, region_code, quarter, is_complete, n_children, k_children_complete') }}
    from {{ ref('int_coverage__quarterly') }}
    group by year
    union all
    select -1, 'closure', {{ fingerprint_of('ancestor_code, descendant_code') }} from {{ ref('int_regions__closure') }}
    union all
    select -1, 'measures', {{ fingerprint_of('measure_code, canonical_unit') }} from {{ ref('measures') }}
    union all
    select -1, 'domains', {{ fingerprint_of('domain, record_source') }} from {{ ref('domains') }}
    union all
    select -1, 'breakdowns', {{ fingerprint_of('domain, breakdown') }} from {{ ref('breakdowns') }}
    union all
    select -1, 'breakdown_measures', {{ fingerprint_of('domain, measure_code') }}
    from {{ ref('breakdown_measures') }}
    union all
    select -1, 'series_breaks', {{ fingerprint_of('measure_code, effective_from, restated_base') }}
    from {{ ref('series_breaks') }}
    union all
    select -1, 'sectors', {{ fingerprint_of('sector_code, name_zh, name_en') }} from {{ ref('sectors') }}
    union all
    select -1, 'accident_categories', {{ fingerprint_of('category_code, name_zh, name_en') }}
    from {{ ref('accident_categories') }}
    union all
    select -1, 'accident_grades', {{ fingerprint_of('grade_code, name_zh, name_en') }} from {{ ref('accident_grades') }}
    union all
    select -1, 'hazards', {{ fingerprint_of('hazard_code, name_zh, name_en') }} from {{ ref('hazards') }}
{%- endmacro %}

{#- Every category a region has ever recorded (int_breakdowns__categories): fct_breakdowns has a
    row for it in every covered period, 0 where nothing was recorded. -#}
{% macro fct_breakdowns_categories() -%}
    select region_code, domain, breakdown, category_code from {{ ref('int_breakdowns__categories') }}
{%- endmacro %}

{#- One key per category row group of fct_breakdowns (all its years): a category first recorded
    now adds zero rows to every year, one no longer recorded takes its rows away, and the
    year-incremental build does exactly that instead of rebuilding every year. -#}
{% macro fct_breakdowns_key(prefix='') -%}
    {{ dbt.concat([prefix ~ 'region_code', "'|'", prefix ~ 'domain', "'|'", prefix ~ 'breakdown', "'|'", prefix ~ 'category_code']) }}
{%- endmacro %}

{% macro fct_breakdowns_category_keys() -%}
    select {{ fct_breakdowns_key() }} as key from ({{ fct_breakdowns_categories() }}) as k
{%- endmacro %}

{#- The batches of whole years a build of fct_breakdowns computes, one statement each (the
    first the model's own, the others inserted by insert_year_batches()), or one batch (the
    years rebuilt, none for every year) when they fit one. One statement over every year holds
    every zero-filled row of every year in its joins and its 同比 window: 39.9M rows at 1M
    records, which spilled 8.1 GB; at 10M (59.4M rows, then with a self-join for 同比) it ran
    out of memory. A batch holds at most SAFETY_DBT_BREAKDOWN_BATCH_ROWS estimated quarterly
    rows (default 6,000,000: three years of the 1M drop, about 1.7M a year): the covered
    quarters of each region and domain times the categories the region has recorded times the
    domain's measures (a month category counted in every quarter, so an overestimate). Each
    batch also computes the year before its first (the 同比 base), so a year a batch costs each
    year twice: at 1M, one statement took 127 s (8.1 GB spilled), a year a batch 132 s (1.0 GB),
    three years a batch 106 s (2.5 GB; docs/scale.md). A year is the smallest batch: the region
    roll-up of the records (int_regions__closure) puts every record in its national total, so a
    range of provinces would still read every record of its years. DuckDB only, like the
    indicator-value chain's batches (macros/marts/fct_indicator_values_inputs.sql). -#}
{% macro breakdowns_year_batches(rebuilt) -%}
    {%- set coverage = ref('int_coverage__quarterly') -%}
    {%- set domains = ref('domains') -%}
    {%- set categories = ref('int_breakdowns__categories') -%}
    {%- set measures = ref('breakdown_measures') -%}
    {%- set whole = [{'years': rebuilt, 'from': none, 'to': none}] -%}
    {%- set limit = env_var('SAFETY_DBT_BREAKDOWN_BATCH_ROWS', '6000000') | int -%}
    {%- if not year_batches_apply() or (rebuilt is not none and rebuilt | length < 2) -%}
    {{ return(whole) }}
    {%- endif -%}
    {%- set sizes -%}
    select cv.year, sum(k.n_rows) as n_rows
    from {{ coverage }} as cv
    inner join {{ domains }} as d on cv.source = d.record_source
    inner join (
        select u.region_code, u.domain, count(*) * min(m.n_measures) as n_rows
        from {{ categories }} as u
        inner join (
            select domain, count(*) as n_measures from {{ measures }} group by domain
        ) as m on u.domain = m.domain
        group by u.region_code, u.domain
    ) as k on cv.region_code = k.region_code and d.domain = k.domain
    {%- if rebuilt is not none %} where cv.year in ({{ year_list(rebuilt) }}){% endif %}
    group by cv.year
    order by cv.year
    {%- endset -%}
    {%- set years = [] -%}
    {%- for year, n in run_query(sizes).rows -%}
        {%- do years.append((year | int, [('', n | int)])) -%}
    {%- endfor -%}
    {{ return(pack_year_batches(years, limit, whole, 'estimated rows a batch, SAFETY_DBT_BREAKDOWN_BATCH_ROWS')) }}
{%- endmacro %}
