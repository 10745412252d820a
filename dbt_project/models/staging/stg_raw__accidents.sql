-- One row per accident report row; sector, category and grade names mapped to codes.
with source as (
    select * from {{ source('raw', 'accidents') }}
),

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
        {{ lineage_columns('s.') }}
    from source as s
    {{ code_lookup_join('sectors', 'sec', 's.sector', 'sector_code') }}
    {{ code_lookup_join('accident_categories', 'cat', 's.category', 'category_code') }}
    {{ code_lookup_join('accident_grades', 'g', 's.grade', 'grade_code') }}
)

select * from renamed
where true {{ as_of_filter('reported_at') }}
