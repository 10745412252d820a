with source as (
    select * from {{ source('raw', 'disasters') }}
),

hazards as (select hazard_code, name_zh from {{ ref('hazards') }}),

renamed as (
    select
        s.event_id,
        s.region_code,
        coalesce(h.hazard_code, s.hazard) as hazard_code,
        s.report_kind,
        coalesce(s.affected_person_times, 0) as affected_person_times,
        coalesce(s.deaths, 0) as deaths,
        coalesce(s.missing, 0) as missing,
        coalesce(s.relocated, 0) as relocated,
        coalesce(s.crop_affected_ha, 0) as crop_affected_ha,
        coalesce(s.crop_failed_ha, 0) as crop_failed_ha,
        coalesce(s.collapsed_houses, 0) as collapsed_houses,
        coalesce(s.damaged_houses, 0) as damaged_houses,
        coalesce(s.direct_loss, 0) as direct_loss_wan,
        coalesce(s.burned_forest_ha, 0) as burned_forest_ha,
        s.started_on,
        s.reported_at,
        s._file_path,
        s._file_sha256,
        s._row_number,
        s._load_id,
        s._released_on
    from source as s
    left join hazards as h on s.hazard = h.name_zh or s.hazard = h.hazard_code
)

select * from renamed
where true {{ as_of_filter('reported_at') }}
