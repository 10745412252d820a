-- Latest report per disaster event and region: 核报 (final) over 续报 (update) over 初报
-- (initial), then the latest report time. Earlier reports stay in staging for "as of" queries.
with reports as (
    select
        *,
        case report_kind when 'final' then 3 when 'update' then 2 else 1 end as kind_rank
    from {{ ref('stg_raw__disasters') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id, region_code
            order by kind_rank desc, reported_at desc, _file_path desc, _row_number desc
        ) as report_rank,
        count(*) over (partition by event_id, region_code) as n_reports
    from reports
)

select
    event_id,
    region_code,
    hazard_code,
    report_kind,
    n_reports,
    affected_person_times,
    deaths,
    missing,
    relocated,
    crop_affected_ha,
    crop_failed_ha,
    collapsed_houses,
    damaged_houses,
    direct_loss_wan,
    burned_forest_ha,
    started_on,
    reported_at,
    _file_path,
    _row_number,
    _file_sha256,
    _load_id,
    _released_on as released_on
from ranked
where report_rank = 1
