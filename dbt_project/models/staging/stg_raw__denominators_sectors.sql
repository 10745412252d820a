-- 基础指标分行业 / denominators split by sector (工矿商贸 workers by sector): the rows of
-- raw.denominators with a sector, the sector name or code mapped to its code, the value
-- converted to the measure's canonical unit by the unit seed. One row per release, as published.
with source as (
    select * from {{ source('raw', 'denominators') }}
    where sector is not null
),

units as (select unit, factor_to_canonical, canonical_unit from {{ ref('units') }}),

renamed as (
    select
        s.region_code,
        s.period,
        s.measure as measure_code,
        coalesce(sec.sector_code, s.sector) as sector_code,
        round(s.value * u.factor_to_canonical, 6) as value,
        u.canonical_unit as unit,
        s.released_on,
        s.source as publication,
        s._file_path,
        s._row_number,
        s._loaded_at
    from source as s
    inner join units as u on s.unit = u.unit
    {{ code_lookup_join('sectors', 'sec', 's.sector', 'sector_code') }}
)

select * from renamed
where true {{ as_of_filter('released_on') }}
