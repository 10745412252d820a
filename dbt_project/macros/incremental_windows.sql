{#- Incremental record models: the raw windows (record source × [start, end) dates) replaced by
    loads since the model's last build, from raw.load_windows (written by every ingest). A
    window with a null start is a load without a window: everything of that source. -#}
{% macro replaced_windows() -%}
    select source, window_start, window_end
    from {{ source('raw', 'load_windows') }}
    where replaced_at > (
        select coalesce(max(_windows_through), cast('1900-01-01' as timestamp)) from {{ this }}
    )
{%- endmacro %}

{#- True when `date_expr` of a row whose raw source is `source_expr` (SQL) falls in a window
    replaced since the last build. -#}
{% macro in_replaced_windows(source_expr, date_expr) -%}
    exists (
        select 1 from ({{ replaced_windows() }}) as w
        where w.source = {{ source_expr }}
            and (
                w.window_start is null
                or (cast({{ date_expr }} as date) >= w.window_start and cast({{ date_expr }} as date) < w.window_end)
            )
    )
{%- endmacro %}

{#- Pre-hook of int_records__quarterly_measures: drop the aggregates about to be recomputed -
    quarters of replaced windows of the windowed sources, and all rows of the others. Portable
    SQL (extract, exists), no engine-specific date constructor. -#}
{% macro replaced_quarters_delete(windowed_sources) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as t
    where t.record_source not in ('{{ windowed_sources | join("', '") }}')
        or exists (
            select 1 from ({{ replaced_windows() }}) as w
            where w.source = t.record_source
                and (
                    w.window_start is null
                    or (
                        t.year * 4 + t.quarter >= extract(year from w.window_start) * 4 + extract(quarter from w.window_start)
                        and t.year * 4 + t.quarter < extract(year from w.window_end) * 4 + extract(quarter from w.window_end)
                    )
                )
        )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
