-- Indicator values per region × indicator × quarter / YTD / year, before comparisons.
-- Counts are measure values; rates = numerator ÷ denominator × scale, computed only on a
-- complete numerator (a partial region gets its counts, marked partial, but no rate).
with indicators as (
    select
        *,
        {{ numerator_measure_used('indicator_code', 'numerator_measure') }} as numerator_measure_used
    from {{ ref('indicators') }}
),

mv as (
    select * from {{ ref('int_measure_values__chosen') }}
    union all
    -- Deaths and missing published separately: their sum stands in for the combined figure.
    select
        d.region_code, 'nd_deaths_missing' as measure_code, d.period_type, d.year, d.quarter,
        d.value + m.value as value, d.value_source,
        d.is_complete and m.is_complete as is_complete,
        d.coverage_n, d.coverage_k, d.n_records, null as records_value, null as records_complete,
        null as report_value, 'nd_deaths + nd_missing' as report_derived_from,
        greatest(d.released_on, m.released_on) as released_on
    from {{ ref('int_measure_values__chosen') }} as d
    inner join {{ ref('int_measure_values__chosen') }} as m
        on d.region_code = m.region_code and d.period_type = m.period_type and d.year = m.year
        and d.quarter is not distinct from m.quarter
        and d.measure_code = 'nd_deaths' and m.measure_code = 'nd_missing'
    where not exists (
        select 1 from {{ ref('int_measure_values__chosen') }} as x
        where x.measure_code = 'nd_deaths_missing' and x.region_code = d.region_code
            and x.period_type = d.period_type and x.year = d.year
            and x.quarter is not distinct from d.quarter
    )
),

den as (select * from {{ ref('int_denominators__periods') }}),

counts as (
    select
        mv.region_code, i.indicator_code, mv.period_type, mv.year, mv.quarter,
        mv.value, mv.value as numerator, cast(null as double) as denominator,
        cast(null as integer) as denominator_year, cast(null as {{ dbt.type_string() }}) as denominator_basis,
        mv.value_source, mv.is_complete, mv.coverage_k, mv.coverage_n, mv.n_records,
        mv.records_value, mv.report_value, mv.released_on
    from indicators as i
    inner join mv on i.numerator_measure_used = mv.measure_code
    where i.kind = 'count'
),

rates_on_denominators as (
    select
        mv.region_code, i.indicator_code, mv.period_type, mv.year, mv.quarter,
        case when mv.is_complete then {{ safe_divide('mv.value * i.scale', 'den.value') }} end as value,
        mv.value as numerator, den.value as denominator,
        den.denominator_year, den.basis as denominator_basis,
        mv.value_source, mv.is_complete, mv.coverage_k, mv.coverage_n, mv.n_records,
        mv.records_value, mv.report_value,
        greatest(mv.released_on, den.released_on) as released_on
    from indicators as i
    inner join mv on i.numerator_measure_used = mv.measure_code
    left join den
        on i.denominator_measure = den.measure_code and mv.region_code = den.region_code
        and mv.period_type = den.period_type and mv.year = den.year
        and mv.quarter is not distinct from den.quarter
    where i.kind = 'rate' and i.denominator_from = 'denominator'
),

rates_on_measures as (
    select
        num.region_code, i.indicator_code, num.period_type, num.year, num.quarter,
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
        and num.period_type = d.period_type and num.year = d.year
        and num.quarter is not distinct from d.quarter
    where i.kind = 'rate' and i.denominator_from = 'measure'
)

select * from counts
union all
select * from rates_on_denominators
union all
select * from rates_on_measures
