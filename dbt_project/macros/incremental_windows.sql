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

{#- Filter (SQL) on `date_col` of the records of raw `source`: true for the rows in a window
    replaced since the model's last build. The windows are read when the model runs and written
    into the SQL as constant date ranges, so DuckDB skips row groups by their min/max dates
    instead of testing every row against a subquery (a scan of the recent quarters, not of ten
    years). A window with a null start means the whole source; no window means no row. -#}
{% macro in_replaced_windows(source, date_col) -%}
    {%- if not execute -%}
    true
    {%- else -%}
    {%- set windows = run_query(
        "select window_start, window_end from (" ~ replaced_windows() ~ ") as w where w.source = '" ~ source ~ "'"
    ) -%}
    {%- set ranges = [] -%}
    {%- set everything = [] -%}
    {%- for w in windows.rows -%}
        {%- if w[0] is none -%}
            {%- do everything.append(true) -%}
        {%- else -%}
            {%- do ranges.append("(" ~ date_col ~ " >= '" ~ w[0] ~ "' and " ~ date_col ~ " < '" ~ w[1] ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if everything -%}
    true
    {%- elif ranges -%}
    ({{ ranges | unique | join(' or ') }})
    {%- else -%}
    false
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Filter (SQL) keeping the rows of `source` in its replaced windows when `source` is one of the
    windowed sources (var windowed_record_sources) and the model builds incrementally; `true`
    otherwise (every row: the source is recomputed whole). A model applies it to every record
    source it reads, so the var alone decides which sources are windowed. -#}
{% macro replaced_windows_filter(source, date_col) -%}
    {%- if source in var('windowed_record_sources') and is_incremental() -%}
    {{ in_replaced_windows(source, date_col) }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The same as a `where` clause; nothing when it keeps every row. -#}
{% macro where_in_replaced_windows(source, date_col) -%}
    {%- if source in var('windowed_record_sources') and is_incremental() -%}
    where {{ replaced_windows_filter(source, date_col) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the incremental record aggregates (int_record_measures__quarterly,
    int_breakdowns__quarterly): drop the aggregates about to be recomputed - quarters of replaced
    windows of the windowed sources (var windowed_record_sources, the one list both the hook and
    the models' bodies read), and all rows of the others. Portable SQL (extract, exists), no
    engine-specific date constructor. -#}
{% macro replaced_quarters_delete() -%}
    {%- set windowed_sources = var('windowed_record_sources') -%}
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
