-- Grain: region × period_type (quarter, ytd, year) × period × domain × breakdown × category ×
-- measure. The record measures of seeds/breakdown_measures.csv by the breakdowns of seeds/
-- breakdowns.csv, rolled up like int_record_measures__periods (macros/period_rollup.sql):
--   * every record counts for each ancestor of its region (int_regions__closure);
--   * rows exist where the record source covers the region (int_coverage__quarterly), for every
--     category the region has ever recorded (int_breakdowns__categories): a covered quarter
--     without records is a true 0;
--   * completeness is partial when coverage is (k of n children complete);
--   * months (category_code '01'..'12') are published under period_type 'year' only;
--   * 同比: the same series and period the year before (in `written`); its columns and the
--     series-break rule are macros/comparisons.sql.
-- The record aggregates (scope, vehicle kinds, one scan per source) are int_breakdowns__quarterly.
--
-- Year-incremental (macros/incremental_years.sql): a build rebuilds only the years whose inputs
-- changed since the last build (record aggregates, coverage; macros/marts/
-- fct_breakdowns_inputs.sql) and the year after each (同比); a category recorded for the first
-- time gets its zero rows in every year, one no longer recorded loses them; a change to a seed
-- or to this SQL rebuilds every year.
-- A build of many years (a full build) computes them in batches of whole years, one statement
-- each, each reading the year before its first for 同比 (breakdowns_year_batches in macros/marts/
-- fct_breakdowns_inputs.sql, SAFETY_DBT_BREAKDOWN_BATCH_ROWS): one statement over every year
-- spilled 8.1 GB at 1M records (39.9M rows), and ran out of memory at 10M (docs/scale.md).
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    full_refresh=(true if var('as_of', none) else none),
    pre_hook="{{ year_state_pre_hook(fct_breakdowns_inputs(), fct_breakdowns_category_keys(), fct_breakdowns_key()) }}",
    post_hook=[
        "{{ insert_year_batches() }}",
        "{{ year_state_post_hook(fct_breakdowns_inputs(), fct_breakdowns_category_keys()) }}",
    ],
) }}
{#- incremental: the years this build rewrites (inputs changed, or the year before did), and
    the categories first recorded now, whose zero rows it adds to every year -#}
{%- set year_incremental = year_incremental_build() %}
{%- set plan = rebuild_plan(fct_breakdowns_inputs(), fct_breakdowns_category_keys()) if year_incremental else {} %}
{%- set rebuild = plan.get('years', []) %}
{%- set new_keys = plan.get('new_keys', []) %}
{#- the years whose records this build reads: those it writes and the year before each (同比
    base). A new key's rows in the other years need no records: a category first recorded now
    has no records in a year whose inputs did not change, so those rows are zeros over coverage -#}
{%- set read = with_previous_years(rebuild) %}
{#- batches of whole years, one statement each (macros/marts/fct_breakdowns_inputs.sql); one when
    categories are new, whose zero rows go into every year -#}
{%- set batches = [{'years': rebuild, 'from': none, 'to': none}] if new_keys
    else breakdowns_year_batches(rebuild if year_incremental else none) %}
{%- set series = ['domain', 'breakdown', 'category_code', 'measure_code'] %}

with records as (
    select * from {{ ref('int_breakdowns__quarterly') }} as q
    where {{ indicator_values_rebuilt_rows(batches, 'q', plan_periods=false, previous_years=1) }}
),

coverage as (
    select c.*, d.domain
    from {{ ref('int_coverage__quarterly') }} as c
    inner join {{ ref('domains') }} as d on c.source = d.record_source
    {#- every year when categories are new: their zero rows go into every covered quarter #}
    {% if not new_keys %}where {{ indicator_values_rebuilt_rows(batches, 'c', plan_periods=false, previous_years=1) }}{% endif %}
),

domain_measures as (
    select b.domain, b.measure_code, m.canonical_unit as unit
    from {{ ref('breakdown_measures') }} as b
    inner join {{ ref('measures') }} as m on b.measure_code = m.measure_code
),

rolled as ({{ region_tree_sum('records', ['year', 'quarter'] + series) }}),

quarterly as (
    -- zero-filled: every category in every covered quarter (a month in its own quarter only).
    -- With new categories, two branches: every category in the years read, and the new ones in
    -- the other years (one join filtered by `year in … or key in …` had every year's rows of
    -- every category formed first: out of memory at 1M records, docs/scale.md)
    {%- for branch in (['read', 'new_keys'] if year_incremental and new_keys else ['all']) %}
    select
        cv.region_code, cv.year, cv.quarter, u.domain, u.breakdown, u.category_code, dm.measure_code,
        dm.unit, {{ zero_filled_columns('cv', 'r') }}
    from coverage as cv
    inner join {{ ref('int_breakdowns__categories') }} as u on cv.region_code = u.region_code and cv.domain = u.domain
    inner join domain_measures as dm on u.domain = dm.domain
    left join rolled as r
        on
            cv.region_code = r.region_code and cv.year = r.year and cv.quarter = r.quarter
            {%- for col in series %}
            and {{ 'dm' if col == 'measure_code' else 'u' }}.{{ col }} = r.{{ col }}
            {%- endfor %}
    where
        (u.month_no is null or u.month_no between 3 * cv.quarter - 2 and 3 * cv.quarter)
        {%- if branch == 'read' %}
        and {{ indicator_values_rebuilt_rows(batches, 'cv', plan_periods=false, previous_years=1) }}
        {%- elif branch == 'new_keys' %}
        and {{ fct_breakdowns_key('u.') }} in ({{ key_list(new_keys) }})
        {%- if read %} and cv.year not in ({{ year_list(read) }}){% endif %}
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

by_quarter as (select * from quarterly where breakdown <> 'month'),

years_covered as (
    -- per region, year and domain: the quarters covered and complete, the coverage of Q4
    select
        region_code, year, domain,
        count(*) as n_quarters,
        bool_and(is_complete) as all_complete,
        max(case when quarter = 4 then n_children end) as n_children,
        max(case when quarter = 4 then k_children_complete end) as k_children_complete
    from coverage
    group by region_code, year, domain
    having max(quarter) = 4
),

periodic as (
    {{ period_rollup('by_quarter', series, carried=['unit']) }}
    union all
    -- a month's year row, once the year's four quarters are loaded; complete when all four are
    select
        'year', m.region_code, m.year, null, m.domain, m.breakdown, m.category_code, m.measure_code,
        m.unit, m.value, m.n_records, m.released_on,
        m.is_complete and y.n_quarters = 4 and y.all_complete, y.n_children, y.k_children_complete
    from quarterly as m
    inner join years_covered as y on m.region_code = y.region_code and m.year = y.year and m.domain = y.domain
    where m.breakdown = 'month'
),

written as (
    -- the rows this build writes, each with its 同比 base (the same series and period in the
    -- previous year: the row before it in year order, if that is the year before) and its 同比
    -- break flag (macros/comparisons.sql), evaluated once per row and read by the three
    -- comparison columns. A window over the rows read, where a join of them to themselves had
    -- built a hash table of every row: 257 s against 431 s for a full build at 1M (docs/scale.md).
    select
        p.*,
        case when p.prev_year = p.year - 1 then p.prev_value end as yoy_base,
        {{ series_broken('p.measure_code', period_first_day('p.period_type', 'p.year', 'p.quarter', 1),
                         period_last_day('p.period_type', 'p.year', 'p.quarter')) }} as yoy_broken
    from (
        select
            *,
            lag(value) over same_series as prev_value,
            lag(year) over same_series as prev_year
        from periodic
        window same_series as (
            partition by region_code, {{ series | join(', ') }}, period_type, quarter order by year
        )
    ) as p
    where {{ indicator_values_rebuilt_rows(batches, 'p', plan_periods=false) }}
    {%- if new_keys %} or {{ fct_breakdowns_key('p.') }} in ({{ key_list(new_keys) }}){% endif %}
),

compared as (
    select
        p.*,
        {{ period_code('p.period_type', 'p.year', 'p.quarter') }} as period,
        {{ comparison_columns('p.value', 'p.yoy_base', ['yoy_base_value', 'yoy_abs', 'yoy_pct'], broken='p.yoy_broken') }}
    from written as p
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
    n.category_name_zh,
    n.category_name_en,
    c.measure_code,
    c.value,
    c.unit,
    case when c.is_complete then 'complete' else 'partial' end as completeness,
    c.k_children_complete as coverage_k,
    c.n_children as coverage_n,
    cast(c.n_records as {{ dbt.type_bigint() }}) as n_records,  -- DuckDB's sum() is HUGEINT; bigint on every engine
    c.yoy_abs,
    c.yoy_pct,
    c.released_on
from compared as c
inner join {{ ref('int_breakdowns__categories') }} as n
    on c.region_code = n.region_code and c.domain = n.domain and c.breakdown = n.breakdown
    and c.category_code = n.category_code
