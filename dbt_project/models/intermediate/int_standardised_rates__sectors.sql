-- Grain: region × year × standard population × sector. The ingredients of the sector-mix
-- standardisation (ESAW-style) of the 工矿商贸 death rate: per sector of each standard
-- (seed standard_populations), its weight, the region's 工矿商贸 deaths (incl. missing, written-off
-- accidents excluded, as imc_deaths) and its workers (imc_employees split by sector, latest
-- release). Regions and years: those with workers by sector published and accident records
-- (of the region or a region under it) in the year.
with workers_ranked as (
    select
        region_code, cast(left(period, 4) as integer) as year, sector_code, value as workers, released_on,
        row_number() over (
            partition by region_code, period, sector_code
            order by released_on desc, _loaded_at desc, _file_path desc, _row_number desc
        ) as vintage_rank
    from {{ ref('stg_raw__denominators_sectors') }}
    where measure_code = 'imc_employees' and length(period) = 4
),

workers as (select * from workers_ranked where vintage_rank = 1),

closure as (select ancestor_code, descendant_code from {{ ref('int_regions__closure') }}),

accidents as (
    select c.ancestor_code as region_code, a.sector_code, a.in_imc, a.deaths_incl_missing,
        cast(extract(year from a.occurred_at) as integer) as year
    from ({{ accidents_in_scope() }}) as a
    inner join closure as c on a.region_code = c.descendant_code
),

region_years as (
    -- a region-year with workers by sector and at least one accident record in scope
    select distinct w.region_code, w.year
    from workers as w
    inner join accidents as a on w.region_code = a.region_code and w.year = a.year
),

deaths as (
    select region_code, year, sector_code, sum(deaths_incl_missing) as deaths
    from accidents
    where in_imc
    group by region_code, year, sector_code
),

standards as (select standard_code, sector_code, weight from {{ ref('standard_populations') }})

select
    ry.region_code,
    ry.year,
    s.standard_code,
    s.sector_code,
    s.weight,
    coalesce(d.deaths, 0) as deaths,
    w.workers,
    w.released_on as workers_released_on
from region_years as ry
cross join standards as s
left join workers as w
    on ry.region_code = w.region_code and ry.year = w.year and s.sector_code = w.sector_code
left join deaths as d
    on ry.region_code = d.region_code and ry.year = d.year and s.sector_code = d.sector_code
