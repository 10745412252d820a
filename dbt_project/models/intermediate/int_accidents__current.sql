-- Current state of each accident: the latest 快报/补报 row stands; a 核销 (write-off) row
-- strikes the accident from the statistics but keeps it here with its reason.
with reports as (
    select * from {{ ref('stg_raw__accidents') }}
),

written_off as (
    select
        accident_id,
        min(reported_at) as written_off_at,
        min(write_off_reason) as write_off_reason
    from reports
    where report_kind = 'write_off'
    group by accident_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by accident_id order by reported_at desc, _file_path desc, _row_number desc
        ) as report_rank,
        count(*) over (partition by accident_id) as n_reports
    from reports
    where report_kind <> 'write_off'
),

sectors as (select * from {{ ref('sectors') }}),

grades as (select * from {{ ref('accident_grades') }}),

latest as (
    select
        r.*,
        r.deaths + r.missing as deaths_incl_missing
    from ranked as r
    where r.report_rank = 1
),

graded as (
    -- Grade by 条例 art. 3: the highest grade whose deaths, serious-injury or loss threshold is met.
    select
        l.accident_id,
        g.grade_code as derived_grade_code,
        row_number() over (partition by l.accident_id order by g.grade_rank desc) as grade_order
    from latest as l
    inner join grades as g
        on l.deaths_incl_missing >= g.min_deaths
        or l.serious_injuries >= g.min_serious_injuries and g.min_serious_injuries > 0
        or coalesce(l.direct_loss_wan, 0) >= g.min_loss_wan and g.min_loss_wan > 0
)

select
    l.accident_id,
    l.region_code,
    l.sector_code,
    l.industry_code,
    l.category_code,
    coalesce(l.stated_grade_code, gr.derived_grade_code) as grade_code,
    gr.derived_grade_code,
    l.stated_grade_code,
    l.deaths,
    l.missing,
    l.deaths_incl_missing,
    l.serious_injuries,
    l.injuries,
    l.direct_loss_wan,
    l.involves_special_equipment,
    coalesce(s.in_ps_total, false) as in_ps_total,
    coalesce(s.in_imc, false) as in_imc,
    coalesce(s.in_road_transport, false) as in_road_transport,
    l.occurred_at,
    l.reported_at,
    l.report_kind,
    l.n_reports,
    w.accident_id is not null as is_written_off,
    w.written_off_at,
    w.write_off_reason,
    l._file_path,
    l._row_number,
    l._file_sha256,
    l._load_id,
    greatest(l._released_on, cast(w.written_off_at as date)) as released_on
from latest as l
left join graded as gr on l.accident_id = gr.accident_id and gr.grade_order = 1
left join written_off as w on l.accident_id = w.accident_id
left join sectors as s
    on l.sector_code = s.sector_code
    and cast(l.occurred_at as date) >= s.valid_from
    and (s.valid_to is null or cast(l.occurred_at as date) <= s.valid_to)
