-- Record-derived measures per region code as written on the records, per quarter.
-- One scan per record source, its measures as columns (a measure's condition picks its rows),
-- then one row per measure; the measure seed names the record source of each.
--
-- Incremental (the quarterly refresh costs what the new quarter costs): a build after a load
-- recomputes, for fires, road traffic and enforcement, only the quarters whose raw window was
-- replaced since this table was last built (raw.load_windows), and deletes them first, so a
-- quarter that lost all its rows loses its aggregates too. Accidents and disasters are
-- recomputed whole on every build: a 补报/核销 or 续报/核报 can move a record's effect to
-- another quarter and their counts depend on seeds (sector scope, grades, hazards); they are
-- about 1 % of the records. `--full-refresh`, and every as-of build, rebuild everything.
{{ config(
    materialized='incremental',
    full_refresh=(true if var('as_of', none) else none),
    pre_hook="{{ replaced_quarters_delete() }}",
) }}
{%- set acc_measures = [
    ('ps_accidents', 'count(*)', 'true'),
    ('ps_deaths', 'sum(deaths_incl_missing)', 'true'),
    ('ps_injuries', 'sum(injuries)', 'true'),
    ('ps_accidents_larger', 'count(*)', "grade_code = 'larger'"),
    ('ps_accidents_major', 'count(*)', "grade_code = 'major'"),
    ('ps_accidents_extraordinary', 'count(*)', "grade_code = 'extraordinary'"),
    ('ps_accidents_larger_plus', 'count(*)', "grade_code in ('larger', 'major', 'extraordinary')"),
    ('ps_accidents_major_plus', 'count(*)', "grade_code in ('major', 'extraordinary')"),
    ('imc_deaths', 'sum(deaths_incl_missing)', 'in_imc'),
    ('se_deaths', 'sum(deaths_incl_missing)', 'involves_special_equipment'),
] -%}
{#- (model, date column, measures, raw source); the date column of each source is
    macros/record_sources.sql -#}
{%- set dated = record_sources() %}
{%- set simple = [
    ('int_accidents_in_scope', dated['accidents'], acc_measures, 'accidents'),
    ('stg_raw__road_traffic', dated['road_traffic'], [
        ('road_accidents', 'count(*)', 'true'),
        ('road_deaths', 'sum(deaths)', 'true'),
        ('road_injuries', 'sum(injuries)', 'true'),
    ], 'road_traffic'),
    ('stg_raw__fires', dated['fires'], [
        ('fire_count', 'count(*)', 'true'),
        ('fire_deaths', 'sum(deaths)', 'true'),
        ('fire_injuries', 'sum(injuries)', 'true'),
        ('fire_direct_loss', 'sum(direct_loss_wan)', 'true'),
    ], 'fires'),
    ('int_disasters__latest', dated['disasters'], [
        ('nd_affected_person_times', 'sum(affected_person_times)', 'true'),
        ('nd_deaths', 'sum(deaths)', 'true'),
        ('nd_missing', 'sum(missing)', 'true'),
        ('nd_deaths_missing', 'sum(deaths + missing)', 'true'),
        ('nd_relocated', 'sum(relocated)', 'true'),
        ('nd_collapsed_houses', 'sum(collapsed_houses)', 'true'),
        ('nd_crop_affected_area', 'sum(crop_affected_ha)', 'true'),
        ('nd_direct_loss', 'sum(direct_loss_wan)', 'true'),
        ('forest_fire_count', 'count(distinct event_id)', "hazard_code = 'forest_grassland_fire'"),
        ('forest_damaged_area', 'sum(burned_forest_ha)', "hazard_code = 'forest_grassland_fire'"),
    ], 'disasters'),
    ('stg_raw__enforcement', dated['enforcement'], [
        ('enf_inspections', 'count(*)', 'true'),
        ('enf_penalties', 'count(*)', 'is_penalised'),
        ('enf_fines', 'sum(fine_wan)', 'true'),
        ('enf_suspensions', 'count(*)', 'is_suspended'),
        ('enf_closures', 'count(*)', 'is_closed'),
        ('hazards_found', 'sum(hazards_found)', 'true'),
        ('hazards_major_found', 'sum(hazards_major_found)', 'true'),
        ('hazards_rectified', 'sum(hazards_rectified)', 'true'),
    ], 'enforcement'),
] %}

with int_accidents_in_scope as (
    -- Written-off accidents and sectors outside the production-safety scope do not count.
    select * from {{ ref('int_accidents__current') }}
    where not is_written_off and in_ps_total
),

{%- for model, date_col, measures, raw_source in simple %}
{%- set released = 'released_on' if model.startswith('int_') else '_released_on' %}

scanned_{{ loop.index }} as (
    -- {{ raw_source }}: every measure in one scan; measure i counts the rows meeting its condition
    select
        region_code,
        year,
        quarter,
        {%- for code, agg, cond in measures %}
        {#- the rows meeting the measure's condition, counted -#}
        {%- set n_rows = 'count(' ~ ('*' if cond == 'true' else 'case when ' ~ cond ~ ' then 1 end') ~ ')' %}
        {%- if agg == 'count(*)' %}
        cast({{ n_rows }} as double) as v_{{ loop.index }},
        {%- elif agg.startswith('count(distinct ') %}
        cast(count(distinct {{ agg[15:-1] if cond == 'true' else 'case when ' ~ cond ~ ' then ' ~ agg[15:-1] ~ ' end' }}) as double) as v_{{ loop.index }},
        {%- else %}
        {{ exact_sum(agg[4:-1] if cond == 'true' else 'case when ' ~ cond ~ ' then ' ~ agg[4:-1] ~ ' end') }} as v_{{ loop.index }},
        {%- endif %}
        {{ n_rows }} as n_{{ loop.index }},
        max({{ '_rel' if cond == 'true' else 'case when ' ~ cond ~ ' then _rel end' }}) as r_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            cast(extract(year from {{ date_col }}) as integer) as year,
            cast(extract(quarter from {{ date_col }}) as integer) as quarter,
            {{ released }} as _rel
        from {{ model if model == 'int_accidents_in_scope' else ref(model) }}
        {{ where_in_replaced_windows(raw_source, date_col) }}
    ) as r
    group by region_code, year, quarter
),
{%- endfor %}

unioned as (
    -- one row per measure where at least one record met its condition
{%- for model, date_col, measures, raw_source in simple %}
{%- set outer = loop %}
{%- for code, agg, cond in measures %}
    select
        region_code, year, quarter, '{{ code }}' as measure_code, '{{ raw_source }}' as record_source,
        v_{{ loop.index }} as value, n_{{ loop.index }} as n_records, r_{{ loop.index }} as released_on
    from scanned_{{ outer.index }}
    where n_{{ loop.index }} > 0
    {% if not (outer.last and loop.last) %}union all{% endif %}
{%- endfor %}
{%- endfor %}
)

select
    *,
    -- watermark: the last window replace this build has seen
    (select max(replaced_at) from {{ source('raw', 'load_windows') }}) as _windows_through
from unioned
