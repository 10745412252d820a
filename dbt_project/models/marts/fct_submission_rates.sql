-- 报送率 / 及时率 per record source and quarter, in percent.
--   报送率 submission rate = units that submitted / units due (deadline passed)
--   及时率 timeliness rate = units that submitted by the deadline / units that submitted with a
--          known receipt time (initial_load excluded: the first load has no receipt time)
select
    source,
    year,
    quarter,
    period,
    count(case when status <> 'pending' then 1 end) as n_units_due,
    count(case when status not in ('pending', 'missing') then 1 end) as n_submitted,
    count(case when status = 'missing' then 1 end) as n_missing,
    count(case when status = 'late' then 1 end) as n_late,
    count(case when is_resubmitted then 1 end) as n_resubmitted,
    count(case when is_on_time then 1 end) as n_on_time,
    count(case when is_on_time is not null then 1 end) as n_timed,
    round(100e0 * count(case when status not in ('pending', 'missing') then 1 end)
        / nullif(count(case when status <> 'pending' then 1 end), 0), 1) as submission_rate_pct,
    round(100e0 * count(case when is_on_time then 1 end)
        / nullif(count(case when is_on_time is not null then 1 end), 0), 1) as timeliness_rate_pct,
    {{ dbt.listagg("case when status = 'missing' then unit_id end", "', '", 'order by unit_id') }} as missing_units
from {{ ref('fct_submissions') }}
group by source, year, quarter, period
