-- 报送率 / 及时率 per record source and quarter, in percent.
--   报送率 submission rate = units that submitted / units due (deadline passed)
--   及时率 timeliness rate = units that submitted by the deadline / units that submitted with a
--          known receipt time (initial_load excluded: the first load has no receipt time)
select
    source,
    year,
    quarter,
    period,
    count(*) filter (where status <> 'pending') as n_units_due,
    count(*) filter (where status not in ('pending', 'missing')) as n_submitted,
    count(*) filter (where status = 'missing') as n_missing,
    count(*) filter (where status = 'late') as n_late,
    count(*) filter (where is_resubmitted) as n_resubmitted,
    count(*) filter (where is_on_time) as n_on_time,
    count(*) filter (where is_on_time is not null) as n_timed,
    round(100.0 * count(*) filter (where status not in ('pending', 'missing'))
        / nullif(count(*) filter (where status <> 'pending'), 0), 1) as submission_rate_pct,
    round(100.0 * count(*) filter (where is_on_time)
        / nullif(count(*) filter (where is_on_time is not null), 0), 1) as timeliness_rate_pct,
    string_agg(unit_id, ', ' order by unit_id) filter (where status = 'missing') as missing_units
from {{ ref('fct_submissions') }}
group by source, year, quarter, period
