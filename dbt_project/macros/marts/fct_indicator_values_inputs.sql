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
    select year, 'coverage', {{ fingerprint_of('source, quarter, region_code, n_leaves, n_covered_leaves, is_complete, n_children, k_children_complete') }}
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

{#- The rows a build computes: every row on a full build, else the years rebuilt and the
    plan-period rows (plan_periods=false: a model without them). Placed at the first scan of a
    statistics model, so that the joins, windows and UDFs behind it run on those rows only (a
    filter on the finished view did not reach them). Written without an empty list, which
    DuckDB does not fold away: with nothing to rebuild the months lane reads nothing. -#}
{% macro indicator_values_rebuilt_rows(years, alias, plan_periods=true) -%}
    {%- set parts = [] -%}
    {%- if years -%}{%- do parts.append(alias ~ '.year in (' ~ year_list(years) ~ ')') -%}{%- endif -%}
    {%- if plan_periods -%}{%- do parts.append(alias ~ ".period_type = 'plan_period'") -%}{%- endif -%}
    {%- if years is none -%}
    true
    {%- elif parts -%}
    ({{ parts | join(' or ') }})
    {%- else -%}
    false
    {%- endif -%}
{%- endmacro %}
