-- Grain: region code as written on the records × year × quarter × domain × breakdown × category
-- × measure. The record aggregates behind marts.fct_breakdowns, before the roll-up.
--
-- One pass per record source: GROUP BY GROUPING SETS gives every breakdown of a source from a
-- single scan, with the measures as columns, turned into rows afterwards (one union branch per
-- breakdown and measure). Category
-- columns are made non-null ('unknown') before grouping, so in each output row exactly one of
-- them is set: that one names the breakdown.
--
-- Incremental like int_record_measures__quarterly (macros/incremental_windows.sql): the
-- windowed sources (var windowed_record_sources, the only list: every source's records pass
-- through the same filter below) recompute only the quarters whose raw window was replaced since
-- the last build; the others (accidents, disasters) are recomputed whole (补报/核销 and 核报 can
-- move a record to another quarter, and their scope depends on seeds).
-- Which breakdowns and measures a domain publishes is seeds/breakdowns.csv and
-- breakdown_measures.csv (read by fct_breakdowns and the dashboard); the source of a domain is
-- seeds/domains.csv. This model holds how each is computed from the records.
-- Production-safety accidents exclude written-off records and sectors outside the production-
-- safety scope, like the headline counts, so a breakdown sums to ps_accidents / ps_deaths.
-- Road accidents listing several vehicle kinds count once under each kind (';', '；' or '、'
-- separated); an accident whose list is empty counts once as 'unknown'.
{{ config(
    materialized='incremental',
    full_refresh=(true if var('as_of', none) else none),
    pre_hook="{{ replaced_quarters_delete() }}",
) }}
{#- The records of each source (relation, date column, scope), in the quarters this build
    recomputes: every row of a source that is not windowed. Every source passes the same filter.
    The date column of each source is macros/record_sources.sql. -#}
{%- set dated = record_sources() %}
{%- set source_records = {
    'accidents': (ref('int_accidents__current'), dated['accidents'], 'not is_written_off and in_ps_total'),
    'road_traffic': (ref('stg_raw__road_traffic'), dated['road_traffic'], none),
    'fires': (ref('stg_raw__fires'), dated['fires'], none),
    'disasters': (ref('int_disasters__latest'), dated['disasters'], none),
    'enforcement': (ref('stg_raw__enforcement'), dated['enforcement'], none),
} %}
{#- How the breakdowns are computed: (record source, relation below, released-on column, measures
    (code, expression), breakdowns (name, category column)); one scan of the relation each -#}
{%- set sources = [
    ('accidents', 'acc', 'released_on',
        [('ps_accidents', 'count'), ('ps_deaths', 'deaths_incl_missing')],
        [('sector', 'sector_code'), ('category', 'category_code'), ('grade', 'grade_code'), ('month', 'month_code')]),
    ('road_traffic', 'road', '_released_on',
        [('road_accidents', 'count'), ('road_deaths', 'deaths')],
        [('operating_vehicle', 'operating_code')]),
    ('road_traffic', 'road_kinds', '_released_on',
        [('road_accidents', 'count'), ('road_deaths', 'deaths')],
        [('vehicle_kind', 'vehicle_kind')]),
    ('fires', 'fires', '_released_on',
        [('fire_count', 'count'), ('fire_deaths', 'deaths')],
        [('place_type', 'place_type'), ('cause', 'cause')]),
    ('disasters', 'disasters', 'released_on',
        [('nd_affected_person_times', 'affected_person_times'), ('nd_deaths_missing', 'deaths + missing'),
         ('nd_direct_loss', 'direct_loss_wan'), ('nd_relocated', 'relocated')],
        [('hazard', 'hazard_code')]),
    ('enforcement', 'enf', '_released_on',
        [('enf_inspections', 'count'), ('enf_penalties', 'case when is_penalised then 1 else 0 end'),
         ('enf_fines', 'fine_wan'), ('hazards_found', 'hazards_found'), ('hazards_rectified', 'hazards_rectified')],
        [('sector', 'sector_code'), ('inspection_kind', 'inspection_kind')]),
] %}

with
{%- for source, (relation, date_col, scope) in source_records.items() %}
records_{{ source }} as (
    select * from {{ relation }}
    where {{ scope or 'true' }} and {{ replaced_windows_filter(source, date_col) }}
),
{% endfor %}
acc as (
    select region_code, occurred_at, released_on, sector_code, category_code, grade_code,
        lpad(cast(extract(month from occurred_at) as {{ dbt.type_string() }}), 2, '0') as month_code,
        deaths_incl_missing
    from records_accidents
),

road as (
    select accident_id, region_code, occurred_at, _released_on, vehicle_kinds, deaths,
        case when involves_operating_vehicle then 'operating' else 'non_operating' end as operating_code
    from records_road_traffic
),

road_kind_lists as (
    -- One row per accident and distinct vehicle kind it lists.
    select distinct accident_id, region_code, occurred_at, _released_on, deaths,
        nullif(trim(kind), '') as vehicle_kind
    from (
        select r.*, {{ split_to_rows("replace(replace(coalesce(r.vehicle_kinds, ''), '；', ';'), '、', ';')", "';'") }} as kind
        from road as r
    ) as k
),

road_kinds as (
    -- an accident whose list is empty still counts once, as 'unknown'
    select * from road_kind_lists where vehicle_kind is not null
    union all
    select * from road_kind_lists as k
    where k.vehicle_kind is null and not exists (
        select 1 from road_kind_lists as o where o.accident_id = k.accident_id and o.vehicle_kind is not null
    )
),

fires as (
    select region_code, occurred_at, _released_on, place_type, cause, deaths
    from records_fires
),

disasters as (
    select region_code, started_on, released_on, hazard_code,
        affected_person_times, deaths, missing, direct_loss_wan, relocated
    from records_disasters
),

enf as (
    select region_code, inspected_on, _released_on, sector_code, inspection_kind, is_penalised,
        fine_wan, hazards_found, hazards_rectified
    from records_enforcement
),

{%- for source, rel, released, measures, breakdowns in sources %}
{%- set date_col = source_records[source][1] %}

grouped_{{ loop.index }} as (
    -- {{ source }}: {{ breakdowns | map('first') | join(', ') }}, one scan
    select
        region_code,
        year,
        quarter,
        {%- for name, col in breakdowns %}
        {{ col }},
        {%- endfor %}
        count(*) as n_records,
        max(released_on) as released_on,
        {%- for code, expr in measures %}
        {{ 'cast(count(*) as double)' if expr == 'count' else exact_sum('x_' ~ loop.index) }} as m_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            region_code,
            cast(extract(year from {{ date_col }}) as integer) as year,
            cast(extract(quarter from {{ date_col }}) as integer) as quarter,
            {%- for name, col in breakdowns %}
            coalesce(nullif(trim(cast({{ col }} as {{ dbt.type_string() }})), ''), 'unknown') as {{ col }},
            {%- endfor %}
            {%- for code, expr in measures %}
            {%- if expr != 'count' %}
            {{ expr }} as x_{{ loop.index }},
            {%- endif %}
            {%- endfor %}
            {{ released }} as released_on
        from {{ rel }}
    ) as r
    group by grouping sets (
        {%- for name, col in breakdowns %}
        (region_code, year, quarter, {{ col }}){{ ',' if not loop.last }}
        {%- endfor %}
    )
),
{%- endfor %}

unpivoted as (
{%- for source, rel, released, measures, breakdowns in sources %}
{%- set outer = loop %}
{%- for name, col in breakdowns %}
{%- set bd = loop %}
{%- for code, expr in measures %}
    select
        region_code, year, quarter,
        '{{ source }}' as record_source,
        '{{ name }}' as breakdown,
        {{ col }} as category_code,
        '{{ code }}' as measure_code,
        m_{{ loop.index }} as value,
        n_records,
        released_on
    from grouped_{{ outer.index }}
    where {{ col }} is not null
    {% if not (outer.last and bd.last and loop.last) %}union all{% endif %}
{%- endfor %}
{%- endfor %}
{%- endfor %}
)

select
    u.region_code, u.year, u.quarter, u.record_source, d.domain, u.breakdown, u.category_code,
    u.measure_code, u.value, u.n_records, u.released_on,
    -- watermark: the last window replace this build has seen
    (select max(replaced_at) from {{ source('raw', 'load_windows') }}) as _windows_through
from unpivoted as u
inner join {{ ref('domains') }} as d on u.record_source = d.record_source
