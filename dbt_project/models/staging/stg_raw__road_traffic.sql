with source as (
    select * from {{ source('raw', 'road_traffic') }}
),

renamed as (
    select
        accident_id,
        region_code,
        vehicle_kinds,
        coalesce(operating_vehicle, false) as involves_operating_vehicle,
        coalesce(deaths, 0) as deaths,
        coalesce(injuries, 0) as injuries,
        direct_loss as direct_loss_wan,
        occurred_at,
        {{ lineage_columns('') }}
    from source
)

select * from renamed
where true {{ as_of_filter('occurred_at') }}
