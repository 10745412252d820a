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
{%- set simple = record_measures() %}

with int_accidents_in_scope as ({{ accidents_in_scope() }}),

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
