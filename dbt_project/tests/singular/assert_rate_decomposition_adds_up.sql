-- The two contributions of marts.fct_rate_decomposition add up to the rate's % change, and on
-- quarter, ytd and year rows (value = numerator ÷ denominator × scale) that change is the
-- mart's yoy_pct. Returns the rows that break either.
{{ config(meta={'dagster': {'ref': {'name': 'fct_rate_decomposition'}}}) }}  -- the asset checked (dagster-dbt)
select d.region_code, d.indicator_code, d.period_type, d.period
from {{ ref('fct_rate_decomposition') }} as d
left join {{ ref('fct_indicator_values') }} as v
    on d.region_code = v.region_code and d.indicator_code = v.indicator_code
    and d.period_type = v.period_type and d.period = v.period
where d.rate_change_pct is not null
    and (
        abs(d.numerator_contribution_pp + d.denominator_contribution_pp - d.rate_change_pct) > 1e-6
        or (d.period_type <> 'plan_period' and abs(d.rate_change_pct - v.yoy_pct) > 1e-6)
    )
