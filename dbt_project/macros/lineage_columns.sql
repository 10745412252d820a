{#- The lineage columns every raw row carries (file, its hash, row number, load and release),
    in the loader's order: one list for every staging model. -#}
{% macro lineage_columns(prefix='') -%}
    {{ prefix }}_file_path,
        {{ prefix }}_file_sha256,
        {{ prefix }}_row_number,
        {{ prefix }}_load_id,
        {{ prefix }}_released_on
{%- endmacro %}

{#- A code column filled from a name-or-code input: the seed's code where the input is its
    Chinese name or its code, else the input as given (a row rule or test flags it later). -#}
{% macro code_lookup_join(seed, alias, input_column, code_column) -%}
    left join (select {{ code_column }}, name_zh from {{ ref(seed) }}) as {{ alias }}
        on {{ input_column }} = {{ alias }}.name_zh or {{ input_column }} = {{ alias }}.{{ code_column }}
{%- endmacro %}
