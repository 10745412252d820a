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
