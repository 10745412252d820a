-- One row per accident report row; sector, category and grade names mapped to codes.
with source as (
    select * from {{ source('raw', 'accidents') }}
),

sectors as (select sector_code, name_zh from {{ ref('sectors') }}),

categories as (select category_code, name_zh from {{ ref('accident_categories') }}),

grades as (select grade_code, name_zh from {{ ref('accident_grades') }}),

renamed as (
    select
        -- ids
        s.accident_id,
        s.region_code,
        coalesce(sec.sector_code, s.sector) as sector_code,
        s.industry_code,
        coalesce(cat.category_code, s.category) as category_code,
        coalesce(g.grade_code, s.grade) as stated_grade_code,
        s.report_kind,
        s.write_off_reason,
        -- numerics
        coalesce(s.deaths, 0) as deaths,
        coalesce(s.missing, 0) as missing,
        coalesce(s.serious_injuries, 0) as serious_injuries,
        coalesce(s.injuries, 0) as injuries,
        s.direct_loss as direct_loss_wan,
        coalesce(s.special_equipment, false) as involves_special_equipment,
        -- timestamps
        s.occurred_at,
        s.reported_at,
        -- lineage
        s._file_path,
        s._file_sha256,
        s._row_number,
        s._load_id,
        s._released_on
    from source as s
    left join sectors as sec on s.sector = sec.name_zh or s.sector = sec.sector_code
    left join categories as cat on s.category = cat.name_zh or s.category = cat.category_code
    left join grades as g on s.grade = g.name_zh or s.grade = g.grade_code
)

select * from renamed
where true {{ as_of_filter('reported_at') }}
