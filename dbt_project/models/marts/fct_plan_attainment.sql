-- Grain: plan target × data_through_year (the assessment made with the annual data through that
-- year; is_latest marks the one using all data so far). Projected end-of-plan value in the
-- target's own terms (final-year value, 年均, 5-year total or worst year), its 90% interval and
-- the probability of meeting the target, from int_plan_attainment__simulated (docs/methods.md §4).
with sim as (select * from {{ ref('int_plan_attainment__simulated') }}),

progress as (select * from {{ ref('fct_plan_progress') }})

select
    s.target_id,
    p.region_code,
    p.indicator_code,
    p.target_kind,
    p.aggregation,
    p.target_year,
    p.target_abs,
    cast(s.data_through_year as integer) as data_through_year,
    s.data_through_year = max(s.data_through_year) over (partition by s.target_id) as is_latest,
    s.method,
    cast(s.fit_first_year as integer) as fit_first_year,
    cast(s.fit_last_year as integer) as fit_last_year,
    cast(s.fit_years as integer) as fit_years,
    s.fit_note,
    s.dispersion,
    s.projected_value,
    s.projected_p05,
    s.projected_p95,
    s.probability,
    case
        when s.probability is null then null
        when s.method = 'observed' then case when s.probability = 1 then 'met' else 'not_met' end
        -- IPCC-style likelihood bands (docs/methods.md §4); each lower bound is inclusive
        -- except virtually_certain's (> 0.95)
        when s.probability > 0.95 then 'virtually_certain'
        when s.probability >= 0.66 then 'likely'
        when s.probability >= 0.33 then 'about_as_likely'
        when s.probability >= 0.05 then 'unlikely'
        else 'very_unlikely'
    end as attainment_band
from sim as s
inner join progress as p on s.target_id = p.target_id
