-- 数据时效 / Freshness of each record source, judged on reference_date() (today unless
-- SAFETY_TODAY or var as_of says otherwise):
--   expected quarter  the latest quarter whose reporting deadline (quarter end + the source's
--                     latest unit deadline_day) has passed on the reference date;
--   complete quarter  the latest quarter in which every reporting unit due has submitted;
--   quarters_behind   expected − complete (0 = fresh); days_overdue counts from the deadline of
--                     the first quarter not yet complete.
-- One row per record source that has reporting units. Reference sources (denominators, report
-- tables) are annual releases, not quarterly submissions: their vintages are in fct_published_vintages.
with units as (
    select source, max(deadline_day) as deadline_day, count(*) as n_units
    from {{ ref('reporting_units') }}
    where
        (valid_to is null or valid_to >= {{ reference_date() }})
        and source in ({% for s in record_sources() %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
    group by 1
),

quarters as (select * from {{ ref('int_calendar__quarters') }}),

submissions as (select * from {{ ref('int_submissions__quarterly') }}),

per_quarter as (
    select
        source, year, quarter,
        year * 4 + quarter - 1 as quarter_index,
        count(case when status in ('missing', 'pending') then 1 end) as n_outstanding,
        count(case when status not in ('missing', 'pending') then 1 end) as n_submitted
    from submissions
    group by 1, 2, 3
),

latest as (
    select
        source,
        max(case when n_submitted > 0 then quarter_index end) as data_index,
        max(case when n_outstanding = 0 then quarter_index end) as complete_index
    from per_quarter
    group by 1
),

expected as (
    select u.source, u.deadline_day, u.n_units, max(q.quarter_index) as expected_index
    from units as u
    inner join quarters as q
        on {{ submission_deadline('q.quarter_end', 'u.deadline_day') }} < {{ reference_date() }}
    group by 1, 2, 3
),

loads as (
    select source, max(loaded_at) as last_loaded_at
    from {{ source('raw', 'load_log') }}
    where status <> 'rejected'
    group by 1
),

judged as (
    select
        e.source,
        e.n_units,
        e.deadline_day,
        {{ reference_date() }} as reference_date,
        e.expected_index,
        l.data_index,
        l.complete_index,
        greatest(e.expected_index - coalesce(l.complete_index, -1), 0) as quarters_behind,
        ld.last_loaded_at
    from expected as e
    left join latest as l on e.source = l.source
    left join loads as ld on e.source = ld.source
)

select
    j.source,
    j.n_units,
    j.deadline_day,
    j.reference_date,
    {{ quarter_code('qe.year', 'qe.quarter') }} as expected_period,
    {{ quarter_code('qd.year', 'qd.quarter') }} as latest_data_period,
    {{ quarter_code('qc.year', 'qc.quarter') }} as latest_complete_period,
    qc.quarter_end as complete_through,
    case when j.complete_index is null then null else j.quarters_behind end as quarters_behind,
    case
        when j.quarters_behind > 0
            -- bigint on every engine (Spark's datediff is int)
            then cast({{ dbt.datediff(
                submission_deadline('qn.quarter_end', 'j.deadline_day'),
                'j.reference_date',
                'day'
            ) }} as {{ dbt.type_bigint() }})
        else 0
    end as days_overdue,
    case
        when j.data_index is null then 'no_data'
        when j.quarters_behind = 0 then 'fresh'
        else 'stale'
    end as status,
    j.last_loaded_at
from judged as j
inner join quarters as qe on j.expected_index = qe.quarter_index
left join quarters as qd on j.data_index = qd.quarter_index
left join quarters as qc on j.complete_index = qc.quarter_index
left join quarters as qn on coalesce(j.complete_index, j.expected_index - 1) + 1 = qn.quarter_index
