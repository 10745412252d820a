{#- Comparisons, stated once for every mart that compares: 同比 (same period one year earlier),
    环比 (previous quarter), 较近5年均值 (mean of the same period in the five previous years; null
    unless all five exist), and the series-break rule: a comparison whose base straddles a
    registered break without a restated base (effective_from after the start of the base period
    and no later than the end of the compared period) is null, and its break flag is true.
    Periods are (period_type, year, quarter): 'quarter' (quarter 1..4), 'ytd' (1–N月累计 through
    quarter N), 'year' (quarter null). Arguments are SQL expressions; `keys` is a list of the
    column names that identify a series (e.g. ['region_code', 'indicator_code']). -#}

{#- How many previous years the five-year mean (较近5年均值) takes. -#}
{% macro comparison_prev_years() -%}
    {{ return(5) }}
{%- endmacro %}

{#- A period's code: '2024' for a year, '2024Q3' for a quarter or a YTD through Q3. -#}
{% macro period_code(period_type, year, quarter) -%}
    case {{ period_type }}
        when 'year' then cast({{ year }} as {{ dbt.type_string() }})
        else {{ quarter_code(year, quarter) }}
    end
{%- endmacro %}

{#- A quarter's code, '2024Q3' (null when either part is). -#}
{% macro quarter_code(year, quarter) -%}
    cast({{ year }} as {{ dbt.type_string() }}) || 'Q' || cast({{ quarter }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- First day of a period, or of the same period `years_back` years earlier (a 同比 base starts
    there): the quarter's first day for a quarter, 1 January for a YTD or a year. -#}
{% macro period_first_day(period_type, year, quarter, years_back=0) -%}
    {%- set y = '(' ~ year ~ ') - ' ~ years_back if years_back else year -%}
    case {{ period_type }}
        when 'quarter' then {{ quarter_start(y, quarter) }}
        else {{ date_from_parts(y, 1, 1) }}
    end
{%- endmacro %}

{#- Last day of a period: 31 December for a year, else the last day of its (last) quarter. -#}
{% macro period_last_day(period_type, year, quarter) -%}
    case {{ period_type }}
        when 'year' then {{ date_from_parts(year, 12, 31) }}
        else {{ quarter_end(year, quarter) }}
    end
{%- endmacro %}

{#- Aggregates over the rows lined up under one key (int_indicator_values__comparison_bases,
    int_indicator_values__months_compared): the 同比 base (years_back 1: value, first day,
    events, exposure, completeness, period code) and the previous period's (years_back null:
    value and first day), named `<previous>_value` and `<previous>_start` (qoq or mom). -#}
{% macro lined_up_bases(previous) -%}
    max(case when years_back = 1 then value end) as yoy_value,
        max(case when years_back = 1 then period_start end) as yoy_start,
        max(case when years_back = 1 then numerator end) as yoy_numerator,
        max(case when years_back = 1 then denominator end) as yoy_denominator,
        bool_or(case when years_back = 1 then is_complete end) as yoy_complete,
        max(case when years_back = 1 then period end) as yoy_period,
        max(case when years_back is null then value end) as {{ previous }}_value,
        max(case when years_back is null then period_start end) as {{ previous }}_start
{%- endmacro %}

{#- Aggregate over a period's values in the `n` previous years (default five: 较近5年均值; lined
    up by int_indicator_values__comparison_bases): their exact mean, null unless all `n` years
    have a value. previous_years_all is that condition. -#}
{% macro previous_years_mean(value, n=none) -%}
    case when {{ previous_years_all(value, n) }} then {{ exact_avg(value) }} end
{%- endmacro %}

{% macro previous_years_all(value, n=none) -%}
    count({{ value }}) = {{ n or comparison_prev_years() }}
{%- endmacro %}

{#- The series-break rule for one break: it falls after the start of the comparison's base and no
    later than the end of the compared period. Null base_start (no base): not true. -#}
{% macro break_straddles(effective_from, base_start, period_end) -%}
    ({{ effective_from }} > {{ base_start }} and {{ effective_from }} <= {{ period_end }})
{%- endmacro %}

{#- The same for a row `brk` of the series_breaks seed: a break with a restated base never breaks
    a comparison. -#}
{% macro break_applies(brk, base_start, period_end) -%}
    (not {{ brk }}.restated_base and {{ break_straddles(brk ~ '.effective_from', base_start, period_end) }})
{%- endmacro %}

{#- True when a registered break without a restated base straddles the comparison of the series
    `key_expr`. `breaks`: a relation or CTE name with columns <key_column>, effective_from,
    restated_base, note_zh, note_en; default the series_breaks seed, keyed by measure_code.
    A correlated subquery: select it once per row as a column (e.g. yoy_broken) and hand that
    column to comparison_columns / unless_broken. -#}
{% macro series_broken(key_expr, base_start, period_end, breaks=none, key_column='measure_code') -%}
    exists (
        select 1 from {{ breaks if breaks is not none else ref('series_breaks') }} as brk
        where brk.{{ key_column }} = {{ key_expr }} and {{ break_applies('brk', base_start, period_end) }}
    )
{%- endmacro %}

{#- The notes of every registered break (restated or not) in (since, period_end] of the series,
    in date order, joined by `separator` (a SQL string literal); null when there is none. -#}
{% macro series_break_notes(key_expr, since, period_end, note_column='note_zh', separator="';'", breaks=none, key_column='measure_code') -%}
    (
        select {{ dbt.listagg('brk.' ~ note_column, separator, 'order by brk.effective_from') }}
        from {{ breaks if breaks is not none else ref('series_breaks') }} as brk
        where brk.{{ key_column }} = {{ key_expr }}
            and {{ break_straddles('brk.effective_from', since, period_end) }}
    )
{%- endmacro %}

{#- Several comparisons of one row at once, as a lateral subquery to join `on true`: for each
    (name, base_start) of `comparisons`, <name>_break (true when series_broken would be), and
    break_note_zh / break_note_en (series_break_notes from `notes_since`, separators ';' and
    '; '). One correlated subquery instead of one per comparison, so that a filter on the row's
    year still reaches the scans below (DuckDB stops pushing a filter at two). -#}
{% macro series_break_flags(key_expr, comparisons, period_end, notes_since, breaks=none, key_column='measure_code') -%}
    {{ return(adapter.dispatch('series_break_flags')(key_expr, comparisons, period_end, notes_since, breaks, key_column)) }}
{%- endmacro %}

{#- Spark cannot decorrelate an aggregate that mixes the outer row and the subquery's columns
    (docs/spark_spike.md, cause 18): an engine needing another form adds <adapter>__series_break_flags. -#}
{% macro default__series_break_flags(key_expr, comparisons, period_end, notes_since, breaks=none, key_column='measure_code') -%}
    {%- set in_notes = break_straddles('brk.effective_from', notes_since, period_end) -%}
    lateral (
        select
            {%- for name, base_start in comparisons %}
            coalesce(bool_or({{ break_applies('brk', base_start, period_end) }}), false) as {{ name }}_break,
            {%- endfor %}
            {{ dbt.listagg('case when ' ~ in_notes ~ ' then brk.note_zh end', "';'", 'order by brk.effective_from') }} as break_note_zh,
            {{ dbt.listagg('case when ' ~ in_notes ~ ' then brk.note_en end', "'; '", 'order by brk.effective_from') }} as break_note_en
        from {{ breaks if breaks is not none else ref('series_breaks') }} as brk
        where brk.{{ key_column }} = {{ key_expr }}
    )
{%- endmacro %}

{#- `expr`, or null when `broken` (a boolean SQL expression; none: never broken). -#}
{% macro unless_broken(broken, expr) -%}
    {%- if broken is none -%}
    {{ expr }}
    {%- else -%}
    case when {{ broken }} then null else {{ expr }} end
    {%- endif -%}
{%- endmacro %}

{#- Absolute change of value against base (null when either is null). -#}
{% macro change_abs(value, base) -%}
    ({{ value }} - {{ base }})
{%- endmacro %}

{#- The three columns of one comparison: the base, the absolute change and the percent change
    (pct_change, macros/safe_divide.sql), each null when `broken`; `names` = [base, abs, pct]
    column names, e.g. ['yoy_base_value', 'yoy_abs', 'yoy_pct']. `broken` is written into each
    of the three: pass a boolean column computed once per row (series_broken or
    series_break_flags in an earlier CTE), not the series_broken subquery itself. -#}
{% macro comparison_columns(value, base, names, broken=none) -%}
    {{ unless_broken(broken, base) }} as {{ names[0] }},
    {{ unless_broken(broken, change_abs(value, base)) }} as {{ names[1] }},
    {{ unless_broken(broken, pct_change(value, base)) }} as {{ names[2] }}
{%- endmacro %}

{#- The quarterly cluster sums (int_record_measures__clusters: persons, persons_sq, max_per_event)
    rolled up to the shape a period reads, so that a period finds its quarters by equality on
    (shape, quarter) and a year range (`period_clusters`), not by a range over every quarter of
    its region and measure: a national drop has ~64 quarters a series, and that range join
    spilled tens of GB (docs/scale.md). Shapes: 'quarter' (as recorded), 'ytd' (quarters 1..q of
    the year, at quarter q), 'year' (all four, at quarter 0). Sums of integer counts held as
    DOUBLE are exact, so the rolled-up sums equal the sums of the quarters. -#}
{% macro cluster_shapes(clusters) -%}
    select region_code, measure_code, year, quarter, 'quarter' as shape, persons, persons_sq, max_per_event
    from {{ clusters }}
    union all
    select
        cl.region_code, cl.measure_code, cl.year, q.quarter, 'ytd' as shape,
        sum(cl.persons) as persons, sum(cl.persons_sq) as persons_sq, max(cl.max_per_event) as max_per_event
    from {{ clusters }} as cl
    inner join {{ values_table('quarter', [1, 2, 3, 4]) }} as q on cl.quarter <= q.quarter
    group by cl.region_code, cl.measure_code, cl.year, q.quarter
    union all
    select
        region_code, measure_code, year, 0 as quarter, 'year' as shape,
        sum(persons) as persons, sum(persons_sq) as persons_sq, max(max_per_event) as max_per_event
    from {{ clusters }}
    group by region_code, measure_code, year
{%- endmacro %}

{#- Join predicate: the row `cl` of cluster_shapes falls in the period (period_type, year,
    quarter) shifted `years_back` years, spanning `n_years` years ending there (a plan period: its
    elapsed years; the five-year base: 5): a quarter, the quarters 1..N of a 1–N月累计, or whole
    years. -#}
{% macro period_clusters(cl, period_type, year, quarter, years_back, n_years) -%}
    {{ cl }}.shape = case when {{ period_type }} in ('year', 'plan_period') then 'year' else {{ period_type }} end
    and {{ cl }}.quarter = case when {{ period_type }} in ('year', 'plan_period') then 0 else {{ quarter }} end
    and {{ cl }}.year between {{ year }} - ({{ years_back }}) - ({{ n_years }}) + 1 and {{ year }} - ({{ years_back }})
{%- endmacro %}

{#- The measure an indicator's numerator is read from: nd_deaths_missing_per_1m_pop counts the
    missing too unless var nd_rate_includes_missing is false. -#}
{% macro numerator_measure_used(indicator_code, numerator_measure) -%}
    case
        when {{ indicator_code }} = 'nd_deaths_missing_per_1m_pop'
            then '{{ "nd_deaths_missing" if var("nd_rate_includes_missing") else "nd_deaths" }}'
        else {{ numerator_measure }}
    end
{%- endmacro %}

{#- Months (the monthly lane, int_indicator_values__months*): a month's code '2024M07', also
    the code of a 1–N月累计 through a month that is not a quarter's end. -#}
{% macro month_code(year, month) -%}
    cast({{ year }} as {{ dbt.type_string() }}) || 'M' || case when {{ month }} < 10 then '0' else '' end
        || cast({{ month }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- First and last day of a month. -#}
{% macro month_first_day(year, month) -%}
    {{ date_from_parts(year, month, 1) }}
{%- endmacro %}

{% macro month_last_day(year, month) -%}
    {{ dbt.last_day(date_from_parts(year, month, 1), 'month') }}
{%- endmacro %}
