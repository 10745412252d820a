-- Grain: plan target × data_through_year × year: the projection fan of the indicator's annual
-- value after data_through_year (expected value and the 5/25/50/75/95th percentiles of the
-- simulated values, sampling noise included). The row for data_through_year itself is the
-- observed value, so the fan joins the observed line.
with sim as (select target_id, data_through_year, {{ list_to_rows('fan') }} as f from {{ ref('int_plan_attainment__simulated') }})

select
    target_id,
    cast(data_through_year as integer) as data_through_year,
    cast(f.year as integer) as year,
    f.expected,
    f.p05,
    f.p25,
    f.p50,
    f.p75,
    f.p95
from sim
