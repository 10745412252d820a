-- Report tables and denominators: the latest release (vintage) of each region × period ×
-- measure (vintage_rank 1 of int_published_values__vintages), with the period parsed.
-- Earlier releases stay in staging and in fct_published_vintages.
with ranked as (
    select * from {{ ref('int_published_values__vintages') }}
),

measures as (select measure_code, kind from {{ ref('measures') }})

select
    r.origin,
    r.region_code,
    r.period,
    r.measure_code,
    r.value,
    r.unit,
    r.value_as_published,
    r.unit_as_published,
    r.released_on,
    r.first_released_on,
    r.n_vintages,
    r.publication,
    r.note,
    r._file_path,
    r._row_number,
    r._file_sha256,
    cast(substr(r.period, 1, 4) as integer) as year,
    case
        when length(r.period) = 4 then 'year'
        -- A quarterly GDP figure is the cumulative 1–N-quarter value, as NBS publishes it.
        when r.period like '____Q_' and m.kind = 'flow' then 'ytd'
        when r.period like '____Q_' then 'quarter'
        when r.period like '____M01-__' then 'cum_month'
        when r.period like '____M__' then 'month'
    end as period_grain,
    case
        when r.period like '____Q_' then cast(substr(r.period, 6, 1) as integer)
        when r.period like '____M01-__' and cast(substr(r.period, 9, 2) as integer) % 3 = 0
            then {{ int_div('cast(substr(r.period, 9, 2) as integer)', 3) }}
        when r.period like '____M__' then {{ int_div('cast(substr(r.period, 6, 2) as integer) + 2', 3) }}
    end as quarter,
    case
        when r.period like '____M01-__' then cast(substr(r.period, 9, 2) as integer)
        when r.period like '____M__' then cast(substr(r.period, 6, 2) as integer)
    end as month_to
from ranked as r
left join measures as m on r.measure_code = m.measure_code
where r.vintage_rank = 1
