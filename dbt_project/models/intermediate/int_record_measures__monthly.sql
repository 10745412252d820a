-- Record-derived measures per region code as written on the records, per month: the monthly
-- twin of int_record_measures__quarterly (same scans and measure conditions, grouped by month
-- as well), the input of the monthly lane (int_record_measures__months). Incremental in the
-- same way: the replaced quarters of the windowed sources are deleted and recomputed (the
-- rows carry their quarter, so replaced_quarters_delete serves both), the other sources whole.
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
        month,
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
            cast(extract(month from {{ date_col }}) as integer) as month,
            {{ released }} as _rel
        from {{ model if model == 'int_accidents_in_scope' else ref(model) }}
        {{ where_in_replaced_windows(raw_source, date_col) }}
    ) as r
    group by region_code, year, quarter, month
),
{%- endfor %}

unioned as (
    -- one row per measure where at least one record met its condition
{%- for model, date_col, measures, raw_source in simple %}
{%- set outer = loop %}
{%- for code, agg, cond in measures %}
    select
        region_code, year, quarter, month, '{{ code }}' as measure_code, '{{ raw_source }}' as record_source,
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
