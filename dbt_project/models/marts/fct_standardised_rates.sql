-- Grain: region × year × standard population. The 工矿商贸 death rate per 10^5 workers, crude
-- (Σ deaths ÷ Σ workers, exact Poisson limits) and directly standardised by sector mix
-- (ESAW-style: Σ w_s · d_s / n_s, the standard's weights w_s) with the Fay–Feuer (1997) gamma
-- interval (UDFs dispersed_ci_low/high: pipelines/lib/dispersion.gamma_limits), side by side. 95% level.
-- standardisation_status:
--   standardised                 every sector of the standard has workers
--   standardised_reweighted      some sectors have no workers and no deaths (the sector does not
--                                exist in the region): left out, the other weights rescaled to
--                                sum to 1; standard_share_covered says how much of the standard is kept
--   missing_sector_workers       a sector of the standard has no published workers: not standardised
--   deaths_without_workers       deaths in a sector with 0 workers: not standardised
--   no_workers                   no sector of the standard has workers: no rate
-- Sums of doubles in sector order (ordered_sum): added in the engine's order, a re-run changed
-- their last bits, and every publish rewrote the table.
with sectors as (select * from {{ ref('int_standardised_rates__sectors') }}),

checked as (
    select
        region_code, year, standard_code,
        sum(deaths) as deaths,
        -- Σ workers only when every sector of the standard has a figure
        case when sum(case when workers is null then 1 else 0 end) = 0 then {{ ordered_sum('workers', 'sector_code') }} end as workers,
        sum(case when workers is null then 1 else 0 end) as n_sectors_missing,
        sum(case when workers = 0 and deaths > 0 then 1 else 0 end) as n_sectors_deaths_without_workers,
        sum(case when workers = 0 and deaths = 0 then 1 else 0 end) as n_sectors_absent,
        {{ ordered_sum('case when workers > 0 then weight else 0 end', 'sector_code') }} as standard_share_covered
    from sectors
    group by region_code, year, standard_code
),

weighted as (
    -- w_s / n_s per sector with workers, the weights rescaled over the sectors present
    select
        s.region_code, s.year, s.standard_code, s.sector_code, s.deaths,
        s.weight / c.standard_share_covered / s.workers as weight_per_worker
    from sectors as s
    inner join checked as c
        on s.region_code = c.region_code and s.year = c.year and s.standard_code = c.standard_code
    where s.workers > 0
),

moments as (
    select
        region_code, year, standard_code,
        {{ ordered_sum('weight_per_worker * deaths', 'sector_code') }} as y,
        {{ ordered_sum('weight_per_worker * weight_per_worker * deaths', 'sector_code') }} as v,
        max(weight_per_worker) as w_max
    from weighted
    group by region_code, year, standard_code
),

rated as (
    select
        c.*,
        case
            when c.n_sectors_missing > 0 then 'missing_sector_workers'
            when c.n_sectors_deaths_without_workers > 0 then 'deaths_without_workers'
            when c.standard_share_covered = 0 then 'no_workers'
            when c.n_sectors_absent > 0 then 'standardised_reweighted'
            else 'standardised'
        end as standardisation_status,
        m.y, m.v, m.w_max
    from checked as c
    left join moments as m
        on c.region_code = m.region_code and c.year = m.year and c.standard_code = m.standard_code
),

standards as (
    select distinct standard_code, name_zh as standard_name_zh, name_en as standard_name_en
    from {{ ref('standard_populations') }}
)

select
    r.region_code,
    r.year,
    r.standard_code,
    st.standard_name_zh,
    st.standard_name_en,
    cast(r.deaths as bigint) as deaths,
    cast(r.workers as double) as workers,
    r.deaths / nullif(r.workers, 0) * 100000 as crude_rate,
    poisson_ci_low(r.deaths) / nullif(r.workers, 0) * 100000 as crude_ci_low,
    poisson_ci_high(r.deaths) / nullif(r.workers, 0) * 100000 as crude_ci_high,
    r.standardisation_status,
    round(r.standard_share_covered, 6) as standard_share_covered,
    cast(r.n_sectors_absent as integer) as n_sectors_absent,
    case when r.standardisation_status like 'standardised%' then r.y * 100000 end as standardised_rate,
    case when r.standardisation_status like 'standardised%' then dispersed_ci_low(r.y, r.v, r.w_max) * 100000 end
        as standardised_ci_low,
    case when r.standardisation_status like 'standardised%' then dispersed_ci_high(r.y, r.v, r.w_max) * 100000 end
        as standardised_ci_high
from rated as r
inner join standards as st on r.standard_code = st.standard_code
