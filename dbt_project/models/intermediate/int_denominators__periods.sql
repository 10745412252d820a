-- Denominator for every period a rate can be computed on.
--   stock (population, workers, vehicles, units, forest area): the year-end figure of the
--     period's year; if not yet published, the previous year-end (denominator_year says which).
--     Quarter and YTD rates on stocks are not annualised, as in official 1–N月 bulletins.
--   flow (GDP): the year's GDP; for YTD the published cumulative 1–N-quarter GDP, else the
--     annual GDP × N/4 (basis 'prorated'); for a quarter the difference of cumulative figures,
--     else annual ÷ 4.
with annual as (select * from {{ ref('int_denominators__annual') }}),

measures as (select measure_code, kind from {{ ref('measures') }}),

cumulative as (
    select p.region_code, p.measure_code, p.year, p.quarter, p.value, p.released_on
    from {{ ref('int_published_values__latest') }} as p
    inner join measures as m on p.measure_code = m.measure_code
    where m.kind = 'flow' and (
        p.period_grain = 'ytd' or (p.period_grain = 'cum_month' and p.month_to % 3 = 0)
    )
),

year_bounds as (
    select min(year) as first_year, max(year) + 1 as last_year
    from (select year from annual union all select year from cumulative) as y
),

years as (
    -- Every year from the first with data to the one after the last (the spine holds 200 years).
    -- bigint on every engine: dbt.generate_series sums powers of two, a double on Spark
    select cast(b.first_year + s.generated_number - 1 as {{ dbt.type_bigint() }}) as year
    from year_bounds as b
    cross join ({{ dbt.generate_series(200) }}) as s
    where b.first_year + s.generated_number - 1 <= b.last_year
),

period_keys as (
    select 'year' as period_type, y.year, null as quarter from years as y
    union all
    select pt.period_type, y.year, q.quarter
    from years as y
    cross join {{ values_table('quarter', [1, 2, 3, 4]) }} as q
    cross join {{ values_table('period_type', ['quarter', 'ytd']) }} as pt
),

region_measures as (
    select distinct a.region_code, a.measure_code, m.kind
    from (
        select region_code, measure_code from annual
        union all
        select region_code, measure_code from cumulative
    ) as a
    inner join measures as m on a.measure_code = m.measure_code
),

stock as (
    select
        rm.region_code, rm.measure_code, pk.period_type, pk.year, pk.quarter,
        coalesce(cur.value, prev.value) as value,
        case when cur.value is not null then pk.year else pk.year - 1 end as denominator_year,
        case when cur.value is not null then cur.basis else prev.basis || '_previous_year' end as basis,
        coalesce(cur.released_on, prev.released_on) as released_on
    from region_measures as rm
    cross join period_keys as pk
    left join annual as cur
        on rm.region_code = cur.region_code and rm.measure_code = cur.measure_code and pk.year = cur.year
    left join annual as prev
        on rm.region_code = prev.region_code and rm.measure_code = prev.measure_code
        and pk.year - 1 = prev.year
    where rm.kind = 'stock' and coalesce(cur.value, prev.value) is not null
),

flow as (
    select
        rm.region_code, rm.measure_code, pk.period_type, pk.year, pk.quarter,
        case
            when pk.period_type = 'year' then a.value
            when pk.period_type = 'ytd' then coalesce(c.value, a.value * pk.quarter / 4.0)
            when pk.quarter = 1 and c.value is not null then c.value
            when c.value is not null and cp.value is not null then c.value - cp.value
            else a.value / 4.0
        end as value,
        pk.year as denominator_year,
        case
            when pk.period_type = 'year' then a.basis
            when pk.period_type = 'ytd' and c.value is not null then 'published_cumulative'
            when pk.period_type = 'quarter' and c.value is not null and (pk.quarter = 1 or cp.value is not null)
                then 'difference_of_cumulative'
            else 'prorated_annual'
        end as basis,
        coalesce(c.released_on, a.released_on) as released_on
    from region_measures as rm
    cross join period_keys as pk
    left join annual as a
        on rm.region_code = a.region_code and rm.measure_code = a.measure_code and pk.year = a.year
    left join cumulative as c
        on rm.region_code = c.region_code and rm.measure_code = c.measure_code
        and pk.year = c.year and pk.quarter = c.quarter
    left join cumulative as cp
        on rm.region_code = cp.region_code and rm.measure_code = cp.measure_code
        and pk.year = cp.year and pk.quarter - 1 = cp.quarter
    where rm.kind = 'flow'
)

select * from stock
union all
select * from flow where value is not null
