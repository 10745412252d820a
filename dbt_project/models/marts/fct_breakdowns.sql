-- Grain: region × period_type (quarter, ytd, year) × period × domain × breakdown × category ×
-- measure. Record measures broken down by sector, category, grade, month, vehicle, place, cause,
-- hazard or inspection kind, summed up the region tree like int_measures__from_records:
--   * every record counts for each ancestor of its region (int_regions__closure);
--   * rows exist where the record source covers the region (int_coverage__quarterly), for every
--     category the region has ever recorded: a covered quarter without records is a true 0;
--   * completeness is partial when coverage is (k of n children complete);
--   * months (category_code '01'..'12') are published under period_type 'year' only.
-- Production-safety accidents exclude written-off records and sectors outside the production-
-- safety scope, like the headline counts, so a breakdown sums to ps_accidents / ps_deaths.
-- Road accidents listing several vehicle kinds count once under each kind: the vehicle_kind
-- breakdown does not add up to road_accidents (operating_vehicle does).
{%- set ps = [('ps_accidents', 'count'), ('ps_deaths', 'deaths_incl_missing')] %}
{%- set road = [('road_accidents', 'count'), ('road_deaths', 'deaths')] %}
{%- set fire = [('fire_count', 'count'), ('fire_deaths', 'deaths')] %}
{%- set nd = [
    ('nd_affected_person_times', 'affected_person_times'),
    ('nd_deaths_missing', 'deaths + missing'),
    ('nd_direct_loss', 'direct_loss_wan'),
    ('nd_relocated', 'relocated'),
] %}
{%- set enf = [
    ('enf_inspections', 'count'),
    ('enf_penalties', 'case when is_penalised then 1 else 0 end'),
    ('enf_fines', 'fine_wan'),
    ('hazards_found', 'hazards_found'),
    ('hazards_rectified', 'hazards_rectified'),
] %}
{#- (domain, breakdown, record CTE, category expression, measures) -#}
{%- set breakdowns = [
    ('production_safety', 'sector', 'acc', 'sector_code', ps),
    ('production_safety', 'category', 'acc', 'category_code', ps),
    ('production_safety', 'grade', 'acc', 'grade_code', ps),
    ('production_safety', 'month', 'acc', 'month_code', ps),
    ('road_traffic', 'operating_vehicle', 'road', 'operating_code', road),
    ('road_traffic', 'vehicle_kind', 'road_kinds', 'vehicle_kind', road),
    ('fire', 'place_type', 'fires', 'place_type', fire),
    ('fire', 'cause', 'fires', 'cause', fire),
    ('natural_disaster', 'hazard', 'disasters', 'hazard_code', nd),
    ('enforcement', 'sector', 'enf', 'sector_code', enf),
    ('enforcement', 'inspection_kind', 'enf', 'inspection_kind', enf),
] %}
{%- set domain_measures = [
    ('production_safety', ps),
    ('road_traffic', road),
    ('fire', fire),
    ('natural_disaster', nd),
    ('enforcement', enf),
] %}

with acc as (
    select
        region_code, occurred_at as event_at, released_on, sector_code, category_code, grade_code,
        lpad(cast(extract(month from occurred_at) as varchar), 2, '0') as month_code,
        deaths_incl_missing
    from {{ ref('int_accidents__current') }}
    where not is_written_off and in_ps_total
),

road as (
    select
        accident_id, region_code, occurred_at as event_at, _released_on as released_on,
        case when involves_operating_vehicle then 'operating' else 'non_operating' end as operating_code,
        vehicle_kinds, deaths
    from {{ ref('stg_raw__road_traffic') }}
),

road_kinds as (
    -- One row per accident and distinct vehicle kind it lists (';', '；' or '、' separated).
    select distinct
        accident_id, region_code, event_at, released_on, deaths,
        nullif(trim(kind), '') as vehicle_kind
    from (
        select
            r.*,
            unnest(string_split(replace(replace(coalesce(r.vehicle_kinds, ''), '；', ';'), '、', ';'), ';')) as kind
        from road as r
    ) as k
),

road_kinds_clean as (
    -- an accident whose list is empty still counts once, as 'unknown'
    select * from road_kinds where vehicle_kind is not null
    union all
    select * from road_kinds as k
    where k.vehicle_kind is null and not exists (
        select 1 from road_kinds as o where o.accident_id = k.accident_id and o.vehicle_kind is not null
    )
),

fires as (
    select region_code, occurred_at as event_at, _released_on as released_on, place_type, cause, deaths
    from {{ ref('stg_raw__fires') }}
),

disasters as (
    select
        region_code, started_on as event_at, released_on, hazard_code,
        affected_person_times, deaths, missing, direct_loss_wan, relocated
    from {{ ref('int_disasters__latest') }}
),

enf as (
    select
        region_code, inspected_on as event_at, _released_on as released_on, sector_code,
        inspection_kind, is_penalised, fine_wan, hazards_found, hazards_rectified
    from {{ ref('stg_raw__enforcement') }}
),

source_of_domain as (
    select * from (values
        ('production_safety', 'accidents'),
        ('road_traffic', 'road_traffic'),
        ('fire', 'fires'),
        ('natural_disaster', 'disasters'),
        ('enforcement', 'enforcement')
    ) as t (domain, source)
),

domain_measures as (
    -- the domain's measures, as registered in the measure seed (name, unit)
    select d.domain, d.measure_code, m.canonical_unit as unit
    from (values
        {%- for domain, measures in domain_measures %}
        {%- set outer = loop %}
        {%- for code, expr in measures %}
        ('{{ domain }}', '{{ code }}'){% if not (outer.last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    ) as d (domain, measure_code)
    inner join {{ ref('measures') }} as m on d.measure_code = m.measure_code
),

records as (
    -- Per region code as written on the records, quarter and category.
{%- for domain, breakdown, cte, cat, measures in breakdowns %}
{%- set outer = loop %}
{%- for code, expr in measures %}
    select
        region_code,
        cast(extract(year from event_at) as integer) as year,
        cast(extract(quarter from event_at) as integer) as quarter,
        '{{ domain }}' as domain,
        '{{ breakdown }}' as breakdown,
        coalesce(nullif(trim(cast({{ cat }} as varchar)), ''), 'unknown') as category_code,
        '{{ code }}' as measure_code,
        {{ 'cast(count(*) as double)' if expr == 'count' else exact_sum(expr) }} as value,
        count(*) as n_records,
        max(released_on) as released_on
    from {{ 'road_kinds_clean' if cte == 'road_kinds' else cte }}
    group by 1, 2, 3, 4, 5, 6
    {% if not (outer.last and loop.last) %}union all{% endif %}
{%- endfor %}
{%- endfor %}
),

closure as (select * from {{ ref('int_regions__closure') }}),

rolled as (
    select
        c.ancestor_code as region_code,
        r.year,
        r.quarter,
        r.domain,
        r.breakdown,
        r.category_code,
        r.measure_code,
        {{ exact_sum('r.value') }} as value,
        sum(r.n_records) as n_records,
        max(r.released_on) as released_on
    from records as r
    inner join closure as c on r.region_code = c.descendant_code
    group by 1, 2, 3, 4, 5, 6, 7
),

months as (
    select
        lpad(cast(m as varchar), 2, '0') as category_code,
        cast(m as integer) as month_no
    from (select unnest(range(1, 13)) as m) as t
),

categories as (
    -- Every category a region has ever recorded; for months all twelve.
    select distinct region_code, domain, breakdown, category_code, cast(null as integer) as month_no
    from rolled
    where breakdown <> 'month'
    union all
    select r.region_code, r.domain, r.breakdown, m.category_code, m.month_no
    from (select distinct region_code, domain, breakdown from rolled where breakdown = 'month') as r
    cross join months as m
),

quarterly as (
    select
        cv.region_code,
        cv.year,
        cv.quarter,
        u.domain,
        u.breakdown,
        u.category_code,
        dm.measure_code,
        dm.unit,
        coalesce(r.value, 0) as value,
        coalesce(r.n_records, 0) as n_records,
        r.released_on,
        cv.is_complete,
        cv.n_children,
        cv.k_children_complete
    from {{ ref('int_coverage__quarterly') }} as cv
    inner join source_of_domain as sd on cv.source = sd.source
    inner join categories as u on cv.region_code = u.region_code and sd.domain = u.domain
    inner join domain_measures as dm on u.domain = dm.domain
    left join rolled as r
        on
            cv.region_code = r.region_code
            and cv.year = r.year
            and cv.quarter = r.quarter
            and u.domain = r.domain
            and u.breakdown = r.breakdown
            and u.category_code = r.category_code
            and dm.measure_code = r.measure_code
    where u.month_no is null or u.month_no between 3 * cv.quarter - 2 and 3 * cv.quarter
),

ytd as (
    -- For months, only the quarters holding the month exist: a month is complete with its year.
    select
        q.region_code,
        q.year,
        q.quarter,
        q.domain,
        q.breakdown,
        q.category_code,
        q.measure_code,
        q.unit,
        {{ exact_sum('p.value') }} as value,
        sum(p.n_records) as n_records,
        max(p.released_on) as released_on,
        count(*) = q.quarter and bool_and(p.is_complete) as is_complete,
        q.n_children,
        q.k_children_complete
    from quarterly as q
    inner join quarterly as p
        on
            q.region_code = p.region_code
            and q.domain = p.domain
            and q.breakdown = p.breakdown
            and q.category_code = p.category_code
            and q.measure_code = p.measure_code
            and q.year = p.year
            and p.quarter <= q.quarter
    where q.breakdown <> 'month'
    group by
        q.region_code, q.year, q.quarter, q.domain, q.breakdown, q.category_code, q.measure_code,
        q.unit, q.n_children, q.k_children_complete
),

month_years as (
    -- A month row for a year whose four quarters are all loaded; complete when all four are.
    select
        m.region_code,
        m.year,
        4 as quarter,
        m.domain,
        m.breakdown,
        m.category_code,
        m.measure_code,
        m.unit,
        m.value,
        m.n_records,
        m.released_on,
        m.is_complete and y.n_quarters = 4 and y.all_complete as is_complete,
        y.n_children,
        y.k_children_complete
    from quarterly as m
    inner join (
        select
            c.region_code, c.year, d.domain,
            count(*) as n_quarters,
            bool_and(c.is_complete) as all_complete,
            max(case when c.quarter = 4 then c.n_children end) as n_children,
            max(case when c.quarter = 4 then c.k_children_complete end) as k_children_complete
        from {{ ref('int_coverage__quarterly') }} as c
        inner join source_of_domain as d on c.source = d.source
        group by 1, 2, 3
        having max(c.quarter) = 4
    ) as y on m.region_code = y.region_code and m.year = y.year and m.domain = y.domain
    where m.breakdown = 'month'
),

periodic as (
    select
        'quarter' as period_type, region_code, year, quarter, domain, breakdown, category_code,
        measure_code, unit, value, n_records, released_on, is_complete, n_children, k_children_complete
    from quarterly
    where breakdown <> 'month'
    union all
    select
        'ytd' as period_type, region_code, year, quarter, domain, breakdown, category_code,
        measure_code, unit, value, n_records, released_on, is_complete, n_children, k_children_complete
    from ytd
    union all
    select
        'year' as period_type, region_code, year, cast(null as integer) as quarter, domain, breakdown,
        category_code, measure_code, unit, value, n_records, released_on, is_complete, n_children,
        k_children_complete
    from ytd
    where quarter = 4
    union all
    select
        'year' as period_type, region_code, year, cast(null as integer) as quarter, domain, breakdown,
        category_code, measure_code, unit, value, n_records, released_on, is_complete, n_children,
        k_children_complete
    from month_years
),

dated as (
    select
        p.*,
        case p.period_type
            when 'year' then cast(p.year as varchar)
            else cast(p.year as varchar) || 'Q' || cast(p.quarter as varchar)
        end as period,
        case p.period_type
            when 'quarter' then make_date(p.year - 1, 3 * p.quarter - 2, 1)
            else make_date(p.year - 1, 1, 1)
        end as yoy_base_start,
        case p.period_type
            when 'year' then make_date(p.year, 12, 31)
            else last_day(make_date(p.year, 3 * p.quarter, 1))
        end as period_end
    from periodic as p
),

breaks as (
    select measure_code, effective_from from {{ ref('series_breaks') }} where not restated_base
),

compared as (
    -- 同比 against the same category a year earlier; null across a registered series break.
    select
        d.*,
        case
            when exists (
                select 1 from breaks as b
                where b.measure_code = d.measure_code
                    and b.effective_from > d.yoy_base_start and b.effective_from <= d.period_end
            ) then null
            else y.value
        end as yoy_base_value
    from dated as d
    left join periodic as y
        on
            d.region_code = y.region_code
            and d.period_type = y.period_type
            and y.year = d.year - 1
            and d.quarter is not distinct from y.quarter
            and d.domain = y.domain
            and d.breakdown = y.breakdown
            and d.category_code = y.category_code
            and d.measure_code = y.measure_code
),

sector_names as (
    select sector_code as category_code, min(name_zh) as name_zh, min(name_en) as name_en
    from {{ ref('sectors') }}
    group by 1
),

category_names as (
    select 'sector' as breakdown, category_code, name_zh, name_en from sector_names
    union all
    select 'category', category_code, name_zh, name_en from {{ ref('accident_categories') }}
    union all
    select 'grade', grade_code, name_zh, name_en from {{ ref('accident_grades') }}
    union all
    select 'hazard', hazard_code, name_zh, name_en from {{ ref('hazards') }}
    union all
    select 'month', category_code, cast(month_no as varchar) || '月', monthname(make_date(2000, month_no, 1))
    from months
    union all
    select * from (values
        ('operating_vehicle', 'operating', '涉及营运车辆', 'Operating vehicle involved'),
        ('operating_vehicle', 'non_operating', '未涉及营运车辆', 'No operating vehicle')
    ) as t (breakdown, category_code, name_zh, name_en)
)

select
    c.region_code,
    c.period_type,
    c.period,
    c.year,
    c.quarter,
    c.domain,
    c.breakdown,
    c.category_code,
    coalesce(n.name_zh, case when c.category_code = 'unknown' then '未填报' else c.category_code end)
        as category_name_zh,
    coalesce(n.name_en, case when c.category_code = 'unknown' then 'Not stated' else c.category_code end)
        as category_name_en,
    c.measure_code,
    c.value,
    c.unit,
    case when c.is_complete then 'complete' else 'partial' end as completeness,
    c.k_children_complete as coverage_k,
    c.n_children as coverage_n,
    c.n_records,
    c.value - c.yoy_base_value as yoy_abs,
    {{ pct_change('c.value', 'c.yoy_base_value') }} as yoy_pct,
    c.released_on
from compared as c
left join category_names as n on c.breakdown = n.breakdown and c.category_code = n.category_code
