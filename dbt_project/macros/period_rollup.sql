{#- The period roll-up of record measures, stated once for every model that rolls records up
    (int_record_measures__periods, marts.fct_breakdowns):

    1. region_tree_sum: every record counts for each ancestor of its region (int_regions__closure);
    2. the caller zero-fills: a row for every quarter the record source covers the region
       (int_coverage__quarterly), 0 where nothing was recorded (zero_filled_columns);
    3. period_rollup: quarter → 1–N月累计 (ytd, a running sum within the year) → year (the ytd
       through Q4). A ytd is complete when every quarter so far is present and complete; its
       coverage (k of n children) is that of its last quarter. -#}

{#- Sum `relation` (columns region_code, value, n_records, released_on and `group_cols`) up the
    region tree: one row per ancestor region and group. -#}
{% macro region_tree_sum(relation, group_cols) -%}
    select
        closure.ancestor_code as region_code,
        {%- for col in group_cols %}
        r.{{ col }},
        {%- endfor %}
        {{ exact_sum('r.value') }} as value,
        sum(r.n_records) as n_records,
        max(r.released_on) as released_on
    from {{ relation }} as r
    inner join {{ ref('int_regions__closure') }} as closure on r.region_code = closure.descendant_code
    group by closure.ancestor_code{% for col in group_cols %}, r.{{ col }}{% endfor %}
{%- endmacro %}

{#- The measure and coverage columns of a zero-filled quarterly row (the input of period_rollup):
    `coverage` a row of int_coverage__quarterly, `rolled` the region_tree_sum row left-joined to
    it (null: nothing recorded, a true 0). -#}
{% macro zero_filled_columns(coverage, rolled) -%}
    coalesce({{ rolled }}.value, 0) as value,
        coalesce({{ rolled }}.n_records, 0) as n_records,
        {{ rolled }}.released_on,
        {{ coverage }}.is_complete,
        {{ coverage }}.n_children,
        {{ coverage }}.k_children_complete
{%- endmacro %}

{#- quarter, ytd and year rows of the zero-filled quarterly relation `quarterly` (columns region_code,
    year, quarter, value, n_records, released_on, is_complete, n_children, k_children_complete and
    `keys`). `keys` name one series within a region (measure_code, or domain … measure_code);
    `carried` are columns that depend on the series only (e.g. unit), passed through. Columns out:
    period_type, region_code, year, quarter, keys, carried, value, n_records, released_on,
    is_complete, n_children, k_children_complete. -#}
{% macro period_rollup(quarterly, keys, carried=[]) -%}
    {%- set series = keys + carried -%}
    select
        p.period_type,
        q.region_code,
        q.year,
        case when p.period_type = 'year' then null else q.quarter end as quarter,
        {%- for col in series %}
        q.{{ col }},
        {%- endfor %}
        case when p.period_type = 'quarter' then q.value else q.ytd_value end as value,
        case when p.period_type = 'quarter' then q.n_records else q.ytd_n_records end as n_records,
        case when p.period_type = 'quarter' then q.released_on else q.ytd_released_on end as released_on,
        case when p.period_type = 'quarter' then q.is_complete else q.ytd_is_complete end as is_complete,
        q.n_children,
        q.k_children_complete
    from (
        select
            *,
            cast(sum(cast(value as decimal(38, 10))) over w as double) as ytd_value,
            sum(n_records) over w as ytd_n_records,
            max(released_on) over w as ytd_released_on,
            count(*) over w = quarter and bool_and(is_complete) over w as ytd_is_complete
        from {{ quarterly }}
        window w as (
            partition by region_code, year, {{ keys | join(', ') }}
            order by quarter rows between unbounded preceding and current row
        )
    ) as q
    -- each quarter gives its quarter and ytd rows; the fourth also the year's
    inner join {{ values_table('period_type', ['quarter', 'ytd', 'year']) }} as p
        on p.period_type <> 'year' or q.quarter = 4
{%- endmacro %}
