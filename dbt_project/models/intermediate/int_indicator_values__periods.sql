-- Grain: region × indicator × period_type (quarter, ytd, year) × year × quarter (null for a year).
-- Role: the indicator values of int_indicator_values__base with their period code ('2024',
-- '2024Q3') and first and last day; what every comparison of fct_indicator_values lines up on.
-- A view over every year: the mart's year-incremental build keeps only the years it rebuilds.
{{ config(materialized='view') }}
select
    b.*,
    {{ period_code('b.period_type', 'b.year', 'b.quarter') }} as period,
    {{ period_first_day('b.period_type', 'b.year', 'b.quarter') }} as period_start,
    {{ period_last_day('b.period_type', 'b.year', 'b.quarter') }} as period_end
from {{ ref('int_indicator_values__base') }} as b
