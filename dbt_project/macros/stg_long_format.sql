{#- Staging of the long interchange format shared by report tables and denominators: value
    converted to the measure's canonical unit by the unit seed, never by hand. `where`: an
    optional condition on the raw rows taken. -#}
{% macro stg_long_format(source_table, where=none) %}
with source as (
    select * from {{ source('raw', source_table) }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
),

units as (select unit, factor_to_canonical, canonical_unit from {{ ref('units') }}),

renamed as (
    select
        s.region_code,
        s.period,
        s.measure as measure_code,
        s.value as value_as_published,
        s.unit as unit_as_published,
        -- rounded to 6 decimals: 12.79万人 × 10000 is 127899.99999999999 in binary floating point
        round(s.value * u.factor_to_canonical, 6) as value,
        u.canonical_unit as unit,
        s.released_on,
        s.source as publication,
        s.note,
        s._file_path,
        s._file_sha256,
        s._row_number,
        s._load_id,
        s._loaded_at
    from source as s
    inner join units as u on s.unit = u.unit
)

select * from renamed
where true {{ as_of_filter('released_on') }}
{% endmacro %}
