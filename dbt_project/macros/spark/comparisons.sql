{#- Spark form of series_break_flags (macros/comparisons.sql). Spark does not decorrelate an
    aggregate whose argument mixes the outer row and the subquery's own columns
    (AGGREGATE_FUNCTION_MIXED_OUTER_LOCAL_REFERENCES; docs/spark_spike.md, cause 18): the
    per-break conditions are computed first in a nested select, and only its columns are
    aggregated. Spark's collect_list has no ORDER BY: the notes are sorted by effective_from
    through a struct, and an empty list gives NULL as DuckDB's string_agg does. -#}
{% macro spark__series_break_flags(key_expr, comparisons, period_end, notes_since, breaks=none, key_column='measure_code') -%}
    {%- set in_notes = break_straddles('brk.effective_from', notes_since, period_end) -%}
    lateral (
        select
            {%- for name, base_start in comparisons %}
            coalesce(bool_or(b.{{ name }}_applies), false) as {{ name }}_break,
            {%- endfor %}
            {{ spark_notes_in_date_order('b.note_zh_in', "';'") }} as break_note_zh,
            {{ spark_notes_in_date_order('b.note_en_in', "'; '") }} as break_note_en
        from (
            select
                {%- for name, base_start in comparisons %}
                {{ break_applies('brk', base_start, period_end) }} as {{ name }}_applies,
                {%- endfor %}
                case when {{ in_notes }} then brk.note_zh end as note_zh_in,
                case when {{ in_notes }} then brk.note_en end as note_en_in,
                brk.effective_from
            from {{ breaks if breaks is not none else ref('series_breaks') }} as brk
            where brk.{{ key_column }} = {{ key_expr }}
        ) as b
    )
{%- endmacro %}

{% macro spark_notes_in_date_order(note, separator) -%}
    nullif(array_join(transform(array_sort(collect_list(struct(b.effective_from, {{ note }} as note))), x -> x.note), {{ separator }}), '')
{%- endmacro %}
