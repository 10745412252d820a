-- Grain: region × indicator × period_type (month, ytd) × year × month; ytd rows only at the
-- months that are not a quarter's end (1–3, 1–6, 1–9 and 1–12月累计 are the quarterly lane's).
-- Role: the monthly lane's indicator values before comparisons, as int_indicator_values__base
-- and int_indicator_values__periods are for quarters: counts are measure values; rates =
-- numerator ÷ denominator × scale on a complete numerator, with the quarters' denominators
-- (int_denominators__periods):
--   stock (population, workers, vehicles …): the year-end figure of the month's year, or the
--     previous one (not annualised, as for quarters and in official 1–N月 bulletins);
--   flow (GDP): for a 1–N月累计 the published cumulative 1–N月 figure, else annual × N/12; for
--     a month annual ÷ 12 (basis prorated_annual).
-- Period code 'YYYYMmm' for both (a ytd's is that of its last month), first and last day.
-- Year-incremental, like the statistics tables and the mart (macros/incremental_years.sql; the
-- inputs in macros/marts/fct_indicator_values_inputs.sql fingerprint the tables read here): a
-- build computes only the years whose inputs changed and the five after each. As a view it was
-- computed over every year three times a build (int_indicator_values__months_compared joins it
-- to itself for 同比 and 环比): 382 s of a one-year rebuild of the monthly statistics at 1M
-- national records (docs/scale.md).
-- A build of many years (a full build) computes them in batches of whole years, or of ranges of
-- provinces for a year too large for one, one statement each (indicator_values_year_batches,
-- SAFETY_DBT_YEAR_BATCH_ROWS): one statement over every year of a national drop spilled tens
-- of GB (docs/scale.md).
{{ indicator_values_chain_config(plan_periods=false) }}
{%- set batches = indicator_values_year_batches(indicator_values_rebuilt_years()) %}
{%- set text = dbt.type_string() %}
with indicators as (
    select
        *,
        {{ numerator_measure_used('indicator_code', 'numerator_measure') }} as numerator_measure_used
    from {{ ref('indicators') }}
),

chosen as (
    -- the years this statement computes, at the first scan: a value of year y reads only the
    -- measure values and denominators of year y (every join below is on the year), and the
    -- views behind this one compute every year when the filter is left to the last select
    select c.* from {{ ref('int_measure_values__months_chosen') }} as c
    where {{ indicator_values_rebuilt_rows(batches, 'c', plan_periods=false) }}
),

mv as (
    select * from chosen
    union all
    -- Deaths and missing published separately: their sum stands in for the combined figure.
    select
        d.region_code, 'nd_deaths_missing' as measure_code, d.period_type, d.year, d.quarter, d.month,
        d.value + m.value as value, d.value_source,
        d.is_complete and m.is_complete as is_complete,
        d.coverage_n, d.coverage_k, d.n_records, null as records_value, null as records_complete,
        null as report_value, 'nd_deaths + nd_missing' as report_derived_from,
        greatest(d.released_on, m.released_on) as released_on
    from chosen as d
    inner join chosen as m
        on d.region_code = m.region_code and d.period_type = m.period_type and d.year = m.year
        and d.month = m.month and d.measure_code = 'nd_deaths' and m.measure_code = 'nd_missing'
    where not exists (
        select 1 from chosen as x
        where x.measure_code = 'nd_deaths_missing' and x.region_code = d.region_code
            and x.period_type = d.period_type and x.year = d.year and x.month = d.month
    )
),

year_den as (
    select d.*, m.kind
    from {{ ref('int_denominators__periods') }} as d
    inner join {{ ref('measures') }} as m on d.measure_code = m.measure_code
    where d.period_type = 'year'
),

cumulative_flow as (
    -- published 1–N月累计 of a flow denominator (GDP)
    select p.region_code, p.measure_code, p.year, p.month_to as month, p.value, p.released_on
    from {{ ref('int_published_values__latest') }} as p
    inner join {{ ref('measures') }} as m on p.measure_code = m.measure_code
    where m.kind = 'flow' and p.period_grain = 'cum_month'
),

rates_on_denominators as (
    select
        mv.region_code, i.indicator_code, mv.period_type, mv.year, mv.quarter, mv.month,
        mv.value as numerator, i.scale, mv.is_complete,
        case
            when den.kind = 'stock' then den.value
            when mv.period_type = 'ytd' and cf.value is not null then cf.value
            when mv.period_type = 'ytd' then den.value * mv.month / 12.0
            else den.value / 12.0
        end as denominator,
        den.denominator_year,
        case
            when den.kind = 'stock' then den.basis
            when mv.period_type = 'ytd' and cf.value is not null then 'published_cumulative'
            when den.value is not null then 'prorated_annual'
        end as denominator_basis,
        mv.value_source, mv.coverage_k, mv.coverage_n, mv.n_records,
        mv.records_value, mv.report_value,
        greatest(mv.released_on, coalesce(cf.released_on, den.released_on)) as released_on
    from indicators as i
    inner join mv on i.numerator_measure_used = mv.measure_code
    left join year_den as den
        on i.denominator_measure = den.measure_code and mv.region_code = den.region_code
        and mv.year = den.year
    left join cumulative_flow as cf
        on den.kind = 'flow' and mv.period_type = 'ytd' and i.denominator_measure = cf.measure_code
        and mv.region_code = cf.region_code and mv.year = cf.year and mv.month = cf.month
    where i.kind = 'rate' and i.denominator_from = 'denominator'
),

base as (
    select
        mv.region_code, i.indicator_code, mv.period_type, mv.year, mv.quarter, mv.month,
        mv.value, mv.value as numerator, cast(null as double) as denominator,
        cast(null as integer) as denominator_year, cast(null as {{ text }}) as denominator_basis,
        mv.value_source, mv.is_complete, mv.coverage_k, mv.coverage_n, mv.n_records,
        mv.records_value, mv.report_value, mv.released_on
    from indicators as i
    inner join mv on i.numerator_measure_used = mv.measure_code
    where i.kind = 'count'
    union all
    select
        region_code, indicator_code, period_type, year, quarter, month,
        case when is_complete then {{ safe_divide('numerator * scale', 'denominator') }} end as value,
        numerator, denominator, denominator_year, denominator_basis,
        value_source, is_complete, coverage_k, coverage_n, n_records,
        records_value, report_value, released_on
    from rates_on_denominators
    union all
    select
        num.region_code, i.indicator_code, num.period_type, num.year, num.quarter, num.month,
        case when num.is_complete and d.is_complete
            then {{ safe_divide('num.value * i.scale', 'd.value') }} end as value,
        num.value as numerator, d.value as denominator,
        num.year as denominator_year, 'measure' as denominator_basis,
        num.value_source, num.is_complete and d.is_complete as is_complete,
        num.coverage_k, num.coverage_n, num.n_records,
        num.records_value, num.report_value,
        greatest(num.released_on, d.released_on) as released_on
    from indicators as i
    inner join mv as num on i.numerator_measure_used = num.measure_code
    inner join mv as d
        on i.denominator_measure = d.measure_code and num.region_code = d.region_code
        and num.period_type = d.period_type and num.year = d.year and num.month = d.month
    where i.kind = 'rate' and i.denominator_from = 'measure'
)

select
    b.*,
    {{ month_code('b.year', 'b.month') }} as period,
    case b.period_type
        when 'month' then {{ month_first_day('b.year', 'b.month') }}
        else {{ date_from_parts('b.year', 1, 1) }}
    end as period_start,
    {{ month_last_day('b.year', 'b.month') }} as period_end
from base as b
