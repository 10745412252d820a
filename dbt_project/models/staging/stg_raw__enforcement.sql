with source as (
    select * from {{ source('raw', 'enforcement') }}
),

renamed as (
    select
        s.inspection_id,
        s.region_code,
        coalesce(sec.sector_code, s.sector) as sector_code,
        s.credit_code,
        s.inspection_kind,
        coalesce(s.hazards_found, 0) as hazards_found,
        coalesce(s.hazards_major_found, 0) as hazards_major_found,
        coalesce(s.hazards_rectified, 0) as hazards_rectified,
        coalesce(s.penalty, false) as is_penalised,
        coalesce(s.fine, 0) as fine_wan,
        coalesce(s.suspension, false) as is_suspended,
        coalesce(s.closure, false) as is_closed,
        coalesce(s.judicial_transfer, false) as is_transferred_to_judiciary,
        s.inspected_on,
        {{ lineage_columns('s.') }}
    from source as s
    {{ code_lookup_join('sectors', 'sec', 's.sector', 'sector_code') }}
)

select * from renamed
where true {{ as_of_filter('inspected_on') }}
