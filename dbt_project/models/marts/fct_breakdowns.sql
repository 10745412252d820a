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
-- breakdown does not add up to road_accidents (operating_vehicle does). The record aggregates
-- (scope, vehicle kinds, one scan per source) are int_breakdowns__quarterly.
--
-- Year-incremental (macros/incremental_years.sql): a build rebuilds only the years whose inputs
-- changed since the last build (record aggregates, coverage; macros/marts/
-- fct_breakdowns_inputs.sql) and the year after each (同比); a category recorded for the first
-- time gets its zero rows in every year, one no longer recorded loses them; a change to a seed
-- or to this SQL rebuilds every year. YTD is a running sum within the year.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    full_refresh=(true if var('as_of', none) else none),
    pre_hook="{{ year_state_pre_hook(fct_breakdowns_inputs(), fct_breakdowns_category_keys(), fct_breakdowns_key()) }}",
    post_hook="{{ year_state_post_hook(fct_breakdowns_inputs(), fct_breakdowns_category_keys()) }}",
) }}
{#- incremental: the years this build rewrites (inputs changed, or the year before did), and
    the categories first recorded now, whose zero rows it adds to every year -#}
{%- set year_incremental = year_incremental_build() %}
{%- set plan = rebuild_plan(fct_breakdowns_inputs(), fct_breakdowns_category_keys()) if year_incremental else {} %}
{%- set rebuild = plan.get('years', []) %}
{%- set new_keys = plan.get('new_keys', []) %}
{%- set domain_measures = [
    ('production_safety', ['ps_accidents', 'ps_deaths']),
    ('road_traffic', ['road_accidents', 'road_deaths']),
    ('fire', ['fire_count', 'fire_deaths']),
    ('natural_disaster', ['nd_affected_person_times', 'nd_deaths_missing', 'nd_direct_loss', 'nd_relocated']),
    ('enforcement', ['enf_inspections', 'enf_penalties', 'enf_fines', 'hazards_found', 'hazards_rectified']),
] %}

with source_of_domain as (
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
        {%- for code in measures %}
        ('{{ domain }}', '{{ code }}'){% if not (outer.last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    ) as d (domain, measure_code)
    inner join {{ ref('measures') }} as m on d.measure_code = m.measure_code
),

closure as (select * from {{ ref('int_regions__closure') }}),

records as (
    select * from {{ ref('int_breakdowns__quarterly') }}
    {%- if year_incremental and not new_keys %}
    -- the years this build writes and the year before each (同比 base)
    where year in ({{ year_list(with_previous_years(rebuild)) }})
    {%- endif %}
),

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
    -- the twelve months: code '01'..'12', number, bilingual name
    select * from (values
        {%- for name in ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                         'September', 'October', 'November', 'December'] %}
        ('{{ '%02d' % loop.index }}', {{ loop.index }}, '{{ loop.index }}月', '{{ name }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t (category_code, month_no, name_zh, name_en)
),

categories as (
    -- Every category a region has ever recorded (all years); for months all twelve.
    select
        region_code, domain, breakdown, category_code,
        case when breakdown = 'month' then cast(category_code as integer) end as month_no
    from ({{ fct_breakdowns_categories() }}) as c
),

coverage as (
    select * from {{ ref('int_coverage__quarterly') }}
    {%- if year_incremental and not new_keys %}
    -- the years this build writes and the year before each (同比 base)
    where year in ({{ year_list(with_previous_years(rebuild)) }})
    {%- endif %}
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
    from coverage as cv
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
    where
        (u.month_no is null or u.month_no between 3 * cv.quarter - 2 and 3 * cv.quarter)
        {%- if year_incremental and new_keys %}
        and (
            cv.year in ({{ year_list(with_previous_years(rebuild)) }})
            or {{ fct_breakdowns_key('u.') }} in ({{ key_list(new_keys) }})
        )
        {%- endif %}
),

ytd as (
    -- Running sums within the year. Complete when every quarter so far is loaded and complete.
    select
        region_code,
        year,
        quarter,
        domain,
        breakdown,
        category_code,
        measure_code,
        unit,
        cast(sum(cast(value as decimal(38, 10))) over w as double) as value,
        sum(n_records) over w as n_records,
        max(released_on) over w as released_on,
        count(*) over w = quarter
        and min(case when is_complete then 1 else 0 end) over w = 1 as is_complete,
        n_children,
        k_children_complete
    from quarterly
    where breakdown <> 'month'
    window w as (
        partition by region_code, year, domain, breakdown, category_code, measure_code
        order by quarter rows between unbounded preceding and current row
    )
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
        from coverage as c
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

period_labels as (
    -- one row per period: its label, and the span a 同比 covers (start of the base period to the
    -- end of this one) for the series-break test
    select
        period_type,
        year,
        quarter,
        case period_type
            when 'year' then cast(year as {{ dbt.type_string() }})
            else cast(year as {{ dbt.type_string() }}) || 'Q' || cast(quarter as {{ dbt.type_string() }})
        end as period,
        case period_type
            when 'quarter' then {{ quarter_start('year - 1', 'quarter') }}
            else {{ date_from_parts('year - 1', 1, 1) }}
        end as yoy_base_start,
        case period_type
            when 'year' then {{ date_from_parts('year', 12, 31) }}
            else {{ quarter_end('year', 'quarter') }}
        end as period_end
    from (select distinct period_type, year, quarter from periodic) as p
),

broken as (
    -- (period, measure) whose 同比 would cross a registered series break: no 同比
    select distinct l.period_type, l.year, l.quarter, b.measure_code
    from period_labels as l
    inner join {{ ref('series_breaks') }} as b
        on b.effective_from > l.yoy_base_start and b.effective_from <= l.period_end
    where not b.restated_base
),

previous_year as (
    -- each row moved one year on: the 同比 base of the row it now lines up with
    select
        region_code, period_type, year + 1 as year, coalesce(quarter, 0) as quarter_key, domain,
        breakdown, category_code, measure_code, value
    from periodic
),

compared as (
    select
        p.*,
        l.period,
        case when k.measure_code is null then y.value end as yoy_base_value
    from periodic as p
    inner join period_labels as l
        on p.period_type = l.period_type and p.year = l.year and coalesce(p.quarter, 0) = coalesce(l.quarter, 0)
    left join broken as k
        on
            p.period_type = k.period_type
            and p.year = k.year
            and coalesce(p.quarter, 0) = coalesce(k.quarter, 0)
            and p.measure_code = k.measure_code
    left join previous_year as y
        on
            p.region_code = y.region_code
            and p.period_type = y.period_type
            and p.year = y.year
            and coalesce(p.quarter, 0) = y.quarter_key
            and p.domain = y.domain
            and p.breakdown = y.breakdown
            and p.category_code = y.category_code
            and p.measure_code = y.measure_code
    {%- if year_incremental %}
    where p.year in ({{ year_list(rebuild) }}) or {{ fct_breakdowns_key('p.') }} in ({{ key_list(new_keys) }})
    {%- endif %}
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
    select 'month', category_code, name_zh, name_en from months
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
