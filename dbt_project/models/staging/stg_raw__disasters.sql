with source as (
    select * from {{ source('raw', 'disasters') }}
),

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
        {{ lineage_columns('s.') }}
    from source as s
    {{ code_lookup_join('hazards', 'h', 's.hazard', 'hazard_code') }}
)

select * from renamed
where true {{ as_of_filter('reported_at') }}
