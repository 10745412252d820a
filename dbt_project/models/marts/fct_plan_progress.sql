-- Grain: one row per plan target of the registry (seed plan_targets).
-- Progress is computed, never typed: the target in the indicator's unit, the straight path
-- from baseline to target, the value so far, and a status whose rule is written beside it.
-- Wording comes from seeds: status labels (plan_statuses), rule texts (plan_status_rules),
-- five-year plan names and years (plan_periods). The dashboard draws the *_annual levels and
-- the path_start/path_end points as they are here.
{%- set band = var('plan_risk_band') %}
with targets as (
    select
        t.*,
        i.kind as indicator_kind,
        cast({{ dbt.split_part('t.plan_period', "'-'", 1) }} as integer) as first_year,
        cast(coalesce(
            nullif({{ dbt.split_part('t.plan_period', "'-'", 2) }}, ''), {{ dbt.split_part('t.plan_period', "'-'", 1) }}
        ) as integer) as last_year,
        cast(nullif({{ dbt.split_part('t.baseline_year', "'-'", 1) }}, '') as integer) as baseline_first_year,
        cast(coalesce(
            nullif({{ dbt.split_part('t.baseline_year', "'-'", 2) }}, ''),
            nullif({{ dbt.split_part('t.baseline_year', "'-'", 1) }}, '')
        ) as integer) as baseline_last_year
    from {{ ref('plan_targets') }} as t
    left join {{ ref('indicators') }} as i on t.indicator_code = i.indicator_code
),

iv as (select * from {{ ref('fct_indicator_values') }}),

annual as (
    select t.target_id, iv.year, iv.value, iv.released_on
    from targets as t
    inner join iv
        on t.region_code = iv.region_code and t.indicator_code = iv.indicator_code
        and iv.period_type = 'year' and iv.value is not null
),

in_plan as (
    -- Annual values inside the plan period: latest, worst (for each_year targets), count.
    select
        a.target_id,
        max(a.year) as latest_year,
        max(case when a.recency = 1 then a.value end) as latest_value,
        max(a.value) as max_value,
        min(a.value) as min_value,
        {{ exact_sum('a.value') }} as total_value,
        {{ exact_avg('a.value') }} as mean_value,
        count(*) as years_elapsed,
        max(a.released_on) as released_on
    from (
        select a.*, row_number() over (partition by a.target_id order by a.year desc) as recency
        from annual as a
        inner join targets as t on a.target_id = t.target_id
        where a.year between t.first_year and t.last_year
    ) as a
    group by a.target_id
),

baseline_span as (
    -- Baseline computed from data over the baseline year or span when the plan gives no value:
    -- the total for period_total targets on counts, otherwise the mean of the annual values.
    select
        t.target_id,
        case
            when t.aggregation = 'period_total' and t.indicator_kind = 'count' then {{ exact_sum('a.value') }}
            else {{ exact_avg('a.value') }}
        end as value,
        count(*) as n_years
    from targets as t
    inner join annual as a
        on t.target_id = a.target_id and a.year between t.baseline_first_year and t.baseline_last_year
    group by t.target_id, t.aggregation, t.indicator_kind, t.baseline_first_year, t.baseline_last_year
    having count(*) = t.baseline_last_year - t.baseline_first_year + 1
),

measured as (
    select
        t.*,
        coalesce(t.baseline_value, bs.value) as baseline_used,
        case
            when t.baseline_value is not null then 'published'
            when bs.value is not null then 'computed from ' || t.baseline_year
        end as baseline_basis,
        case t.target_kind
            when 'reduce_pct' then coalesce(t.baseline_value, bs.value) * (1 - t.target_value / 100.0)
            when 'zero' then 0
            else t.target_value
        end as target_abs,
        case
            when t.aggregation = 'period_total' or t.target_kind = 'cumulative_cap' then p.total_value
            when t.aggregation = 'annual_mean' then p.mean_value
            when t.aggregation = 'each_year' and t.target_kind = 'absolute_min' then p.min_value
            when t.aggregation = 'each_year' then p.max_value
            else p.latest_value
        end as current_value,
        -- Per-year level of the current value, for direction targets against a baseline span.
        case when t.aggregation = 'period_total' then p.mean_value else p.latest_value end as current_level,
        case
            when t.aggregation = 'period_total' and t.indicator_kind = 'count'
                then coalesce(t.baseline_value, bs.value)
                    / nullif(t.baseline_last_year - t.baseline_first_year + 1, 0)
            else coalesce(t.baseline_value, bs.value)
        end as baseline_level,
        p.latest_year as current_year,
        p.latest_value,
        p.years_elapsed,
        tr.trend,
        tr.slope as trend_slope,
        tr.slope_low as trend_slope_low,
        tr.slope_high as trend_slope_high,
        cast(tr.trend_first_year as integer) as trend_first_year,
        cast(tr.trend_last_year as integer) as trend_last_year,
        p.released_on,
        t.last_year - t.first_year + 1 as plan_years,
        t.target_kind = 'absolute_min' as higher_is_better
    from targets as t
    left join baseline_span as bs on t.target_id = bs.target_id
    left join in_plan as p on t.target_id = p.target_id
    left join {{ ref('int_plan_trend__fitted') }} as tr on t.target_id = tr.target_id
),

pathed as (
    select
        m.*,
        case
            when m.target_kind = 'cumulative_cap' and m.years_elapsed is not null
                then m.target_abs * m.years_elapsed / m.plan_years
            when m.aggregation = 'final_year' and m.baseline_used is not null and m.baseline_last_year is not null
                and m.target_year > m.baseline_last_year and m.current_year is not null
                then m.baseline_used
                    + (m.target_abs - m.baseline_used)
                    * least(1.0, (m.current_year - m.baseline_last_year) * 1.0 / (m.target_year - m.baseline_last_year))
        end as path_value,
        case
            when m.higher_is_better then m.current_value >= m.target_abs
            else m.current_value <= m.target_abs
        end as meets_target
    from measured as m
),

levels as (
    -- Baseline and target on the annual scale of the indicator's series (what the chart draws):
    -- a period_total baseline span or a total cap on counts or amounts is divided by its years.
    select
        p.*,
        (p.aggregation = 'period_total' or p.target_kind = 'cumulative_cap')
            and coalesce(p.indicator_kind, '') <> 'rate' as per_year,
        case
            when p.baseline_used is null or p.baseline_first_year is null then null
            when p.aggregation = 'period_total' and coalesce(p.indicator_kind, '') <> 'rate'
                then p.baseline_used / (p.baseline_last_year - p.baseline_first_year + 1)
            else p.baseline_used
        end as baseline_annual
    from pathed as p
),

annual_levels as (
    select
        l.*,
        case
            when l.target_kind = 'zero' then 0.0
            when l.target_kind in ('direction_down', 'other') then null
            when l.per_year then l.target_abs / l.plan_years
            else l.target_abs
        end as target_annual
    from levels as l
),

path_drawn as (
    -- final_year targets: a straight line from (last baseline year, baseline) to (target year, target).
    select
        a.*,
        coalesce(
            a.aggregation = 'final_year' and a.baseline_annual is not null
            and a.target_annual is not null and a.target_year is not null,
            false
        ) as has_path
    from annual_levels as a
),

assessed as (
    -- status: the rule of each target kind; status_rule_code: which wording explains it.
    select
        p.*,
        case
            when p.indicator_code is null then 'not_tracked'
            when p.current_value is null then 'no_data'
            when p.target_kind in ('reduce_pct', 'absolute_max', 'absolute_min', 'final_year', 'annual_mean')
                and p.target_abs is null then 'no_data'
            when p.target_kind = 'other' then 'not_assessed'
            when p.target_kind = 'direction_down' and p.baseline_level is not null then
                case when p.current_level < p.baseline_level then 'on_track' else 'at_risk' end
            -- 持续下降 without a baseline: the fitted slope and its 95% interval
            -- (int_plan_trend__fitted), not the last two years
            when p.target_kind = 'direction_down' then
                case when p.trend is null then 'no_data'
                     when p.current_year >= p.target_year then case when p.trend = 'declining' then 'met' else 'off_track' end
                     when p.trend = 'declining' then 'on_track'
                     when p.trend = 'rising' then 'off_track'
                     else 'at_risk' end
            when p.target_kind = 'zero' then
                case when p.current_value > 0 then 'off_track'
                     when p.current_year >= p.target_year then 'met' else 'on_track' end
            when p.target_kind = 'cumulative_cap' then
                case when p.current_value > p.target_abs then 'off_track'
                     when p.current_year >= p.target_year then 'met'
                     when p.current_value <= p.path_value then 'on_track' else 'at_risk' end
            when p.current_year >= p.target_year then case when p.meets_target then 'met' else 'off_track' end
            -- before the target year a value at the target is on track, never met: a final-year
            -- target is met only by the target year's own value (the line above)
            when p.meets_target then 'on_track'
            when p.path_value is not null and not p.higher_is_better then
                case when p.current_value <= p.path_value then 'on_track'
                     when p.current_value <= p.path_value * (1 + {{ band }}) then 'at_risk' else 'off_track' end
            when p.path_value is not null and p.higher_is_better then
                case when p.current_value >= p.path_value then 'on_track'
                     when p.current_value >= p.path_value * (1 - {{ band }}) then 'at_risk' else 'off_track' end
            when not p.higher_is_better then
                case when p.current_value <= p.target_abs * (1 + {{ band }}) then 'at_risk' else 'off_track' end
            else case when p.current_value >= p.target_abs * (1 - {{ band }}) then 'at_risk' else 'off_track' end
        end as status,
        case
            when p.indicator_code is null then 'not_tracked'
            when p.target_kind = 'direction_down' and p.baseline_level is null then 'direction_trend'
            when p.target_kind in ('other', 'direction_down', 'zero', 'cumulative_cap') then p.target_kind
            else 'path'
        end as status_rule_code
    from path_drawn as p
)

select
    p.target_id,
    p.region_code,
    p.jurisdiction_zh,
    p.plan_zh,
    p.plan_period,
    p.category_zh,
    p.indicator_zh,
    p.indicator_en,
    p.indicator_code,
    p.unit,
    p.binding,
    p.responsible_dept_zh,
    p.target_kind,
    p.aggregation,
    p.baseline_year,
    p.baseline_value as baseline_published,
    p.latest_value,
    p.baseline_used,
    p.baseline_basis,
    p.target_year,
    p.target_value,
    p.target_abs,
    p.current_year,
    p.current_value,
    p.years_elapsed,
    p.path_value,
    p.status,
    replace(r.rule_zh, '{band}', cast(cast({{ band }} * 100 as integer) as {{ dbt.type_string() }})) as status_rule_zh,
    replace(r.rule_en, '{band}', cast(cast({{ band }} * 100 as integer) as {{ dbt.type_string() }})) as status_rule_en,
    p.source_file,
    p.source_quote,
    p.registry_note,
    p.released_on,
    p.baseline_first_year,
    p.baseline_last_year,
    p.baseline_annual,
    p.target_annual,
    p.per_year and p.target_annual is not null as per_year_equivalent,
    case when p.has_path then p.baseline_last_year end as path_start_year,
    case when p.has_path then p.baseline_annual end as path_start_value,
    case when p.has_path then p.target_year end as path_end_year,
    case when p.has_path then p.target_annual end as path_end_value,
    s.label_zh as status_label_zh,
    s.label_en as status_label_en,
    -- 持续下降 targets: the fitted slope (log change a year) over trend_first_year–trend_last_year
    case when p.status_rule_code = 'direction_trend' then p.trend end as trend,
    case when p.status_rule_code = 'direction_trend' then tl.label_zh end as trend_label_zh,
    case when p.status_rule_code = 'direction_trend' then tl.label_en end as trend_label_en,
    case when p.status_rule_code = 'direction_trend' then p.trend_slope end as trend_slope,
    case when p.status_rule_code = 'direction_trend' then p.trend_slope_low end as trend_slope_low,
    case when p.status_rule_code = 'direction_trend' then p.trend_slope_high end as trend_slope_high,
    case when p.status_rule_code = 'direction_trend' then p.trend_first_year end as trend_first_year,
    case when p.status_rule_code = 'direction_trend' then p.trend_last_year end as trend_last_year,
    pp.plan_period as fyp_period,
    pp.plan_name_zh as fyp_name_zh,
    pp.plan_name_en as fyp_name_en,
    cast(pp.first_year as integer) as fyp_first_year,
    cast(pp.last_year as integer) as fyp_last_year
from assessed as p
left join {{ ref('plan_status_rules') }} as r on p.status_rule_code = r.rule_code
left join {{ ref('plan_statuses') }} as s on p.status = s.status
left join {{ ref('plan_statuses_trend') }} as tl on p.trend = tl.trend
-- the five-year plan a target belongs to (an annual plan's year falls inside one)
left join {{ ref('plan_periods') }} as pp on p.first_year between pp.first_year and pp.last_year
