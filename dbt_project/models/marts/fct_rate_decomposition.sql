-- Grain: region × indicator × period_type × period, for the rates whose denominator is GDP
-- (indicators.denominator_measure = 'gdp': 亿元GDP死亡率, 因灾直接经济损失占GDP比例).
-- The 同比 change of a GDP-based rate split into the part from its numerator (deaths, losses)
-- and the part from GDP growth, so that a fall that is only a price or growth effect of the
-- denominator is not read as a safety gain (docs/methods.md §7).
-- With R = N / D × scale, ln(R1/R0) = ln(N1/N0) − ln(D1/D0) exactly; the rate's % change
-- 100 × (R1/R0 − 1) is allocated to the two log changes in proportion (logarithmic-mean
-- weight w = (R1/R0 − 1) / ln(R1/R0), w = 1 when R1 = R0), so the two contributions, in
-- percentage points, add up to the % change exactly:
--   numerator_contribution_pp   = 100 × w × ln(N1/N0)
--   denominator_contribution_pp = 100 × w × (−ln(D1/D0))
-- Null where a value, its 同比 base (also null across an unrestated series break or on partial
-- coverage), a numerator or a denominator is zero or missing (no logarithm).
-- A rate at constant prices needs a GDP volume index or constant-price GDP as a denominator
-- measure (not yet in seeds/measures.csv): see docs/methods.md.
{{ config(materialized='table') }}
with gdp_rates as (
    select indicator_code
    from {{ ref('indicators') }}
    where kind = 'rate' and denominator_measure = 'gdp'
),

values_ as (
    select
        v.region_code, v.indicator_code, v.period_type, v.period, v.year, v.quarter, v.month,
        v.value, v.yoy_base_value, v.numerator, v.denominator, v.denominator_year, v.denominator_basis
    from {{ ref('fct_indicator_values') }} as v
    inner join gdp_rates as g on v.indicator_code = g.indicator_code
),

-- quarter, ytd and year: the base is the mart's own row one year earlier (its yoy_base_value,
-- null across an unrestated break, says whether the 同比 exists); read from the materialised
-- mart so that this table costs a scan of two indicators, not a recomputation of every value.
annual_bases as (
    select
        c.region_code, c.indicator_code, c.period_type, c.period, c.year, c.quarter,
        c.value, b.period as yoy_base_period, c.yoy_base_value,
        c.numerator, b.numerator as yoy_base_numerator, c.denominator, b.denominator as yoy_base_denominator,
        c.denominator_year, c.denominator_basis
    from values_ as c
    left join values_ as b
        on c.region_code = b.region_code and c.indicator_code = b.indicator_code
        and c.period_type = b.period_type and b.year = c.year - 1
        and coalesce(b.quarter, 0) = coalesce(c.quarter, 0)
        -- a month, or a 1–N月累计 through a month that is not a quarter's end (issue 17)
        and coalesce(b.month, 0) = coalesce(c.month, 0)
    where c.period_type in ('month', 'quarter', 'ytd', 'year')
),

-- plan periods: the base (the previous plan period over as many elapsed years) is not a mart
-- row; its sums are the compared view's
plan_bases as (
    select
        c.region_code, c.indicator_code, c.period_type, c.period, c.year, c.quarter,
        c.value, c.yoy_base_period, c.yoy_base_value,
        c.numerator, c.yoy_base_numerator, c.denominator, c.yoy_base_denominator,
        c.denominator_year, c.denominator_basis
    from {{ ref('int_indicator_values__compared') }} as c
    inner join gdp_rates as g on c.indicator_code = g.indicator_code
    where c.period_type = 'plan_period'
),

compared as (
    select * from annual_bases
    union all
    select * from plan_bases
),

logs as (
    select
        *,
        case
            when value is not null and yoy_base_value is not null
                and numerator > 0 and yoy_base_numerator > 0
                and denominator > 0 and yoy_base_denominator > 0
                then ln(numerator / yoy_base_numerator)
        end as numerator_log_change,
        case
            when value is not null and yoy_base_value is not null
                and numerator > 0 and yoy_base_numerator > 0
                and denominator > 0 and yoy_base_denominator > 0
                then ln(denominator / yoy_base_denominator)
        end as denominator_log_change
    from compared
),

weighted as (
    select
        *,
        numerator_log_change - denominator_log_change as rate_log_change,
        case
            -- the weight's limit at R1 = R0 is 1 (and (e^x − 1) / x loses every digit near 0)
            when abs(numerator_log_change - denominator_log_change) < 1e-9 then 1.0
            else (exp(numerator_log_change - denominator_log_change) - 1)
                / (numerator_log_change - denominator_log_change)
        end as log_mean_weight
    from logs
)

select
    region_code,
    indicator_code,
    period_type,
    period,
    year,
    quarter,
    value,
    yoy_base_period,
    yoy_base_value,
    numerator,
    yoy_base_numerator,
    denominator,
    yoy_base_denominator,
    denominator_year,
    denominator_basis,
    numerator_log_change,
    denominator_log_change,
    rate_log_change,
    100 * (exp(rate_log_change) - 1) as rate_change_pct,
    100 * log_mean_weight * numerator_log_change as numerator_contribution_pp,
    -100 * log_mean_weight * denominator_log_change as denominator_contribution_pp
from weighted
