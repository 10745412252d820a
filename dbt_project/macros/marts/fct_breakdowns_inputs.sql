{#- The inputs of marts.fct_breakdowns by year (year -1: whole tables), as (year, part,
    fingerprint): what its year-incremental build compares with the last build
    (macros/incremental_years.sql). Every table the model reads is here. -#}
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
    -- zero rows exist for every category a region has ever recorded, in every year
    select -1, 'categories', {{ fingerprint_of('region_code, domain, breakdown, category_code') }}
    from (select distinct region_code, domain, breakdown, category_code from {{ ref('int_breakdowns__quarterly') }}) as c
    union all
    select -1, 'closure', {{ fingerprint_of('ancestor_code, descendant_code') }} from {{ ref('int_regions__closure') }}
    union all
    select -1, 'measures', {{ fingerprint_of('measure_code, canonical_unit') }} from {{ ref('measures') }}
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
