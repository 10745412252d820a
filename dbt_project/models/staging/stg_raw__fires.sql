with source as (
    select * from {{ source('raw', 'fires') }}
),

renamed as (
    select
        fire_id,
        region_code,
        place_type,
        cause,
        grade,
        coalesce(deaths, 0) as deaths,
        coalesce(injuries, 0) as injuries,
        coalesce(direct_loss, 0) as direct_loss_wan,
        occurred_at,
        {{ lineage_columns('') }}
    from source
)

select * from renamed
where true {{ as_of_filter('occurred_at') }}
