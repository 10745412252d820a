{#- NULL when the denominator is missing or zero: a rate on nothing is not zero. -#}
{% macro safe_divide(numerator, denominator) -%}
    case when {{ denominator }} is null or {{ denominator }} = 0 then null
         else cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}

{#- Percentage change from base to value, in percent (−17.9, not −0.179). -#}
{% macro pct_change(value, base) -%}
    case when {{ base }} is null or {{ base }} = 0 or {{ value }} is null then null
         else ({{ value }} - {{ base }}) * 100.0 / {{ base }} end
{%- endmacro %}

{#- Sums and means in exact decimal arithmetic, so a re-run gives the same last digit whatever
    order the engine adds rows in (floating-point addition is not associative). -#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 10))) as double)
{%- endmacro %}

{% macro exact_avg(expr) -%}
    cast(avg(cast({{ expr }} as decimal(38, 10))) as double)
{%- endmacro %}

{#- A sum of doubles too small for exact_sum's decimal(38, 10) (w²·d in a standardised rate's
    variance is ~1e-12), added in a fixed order so that a re-run gives the same bits. Other
    engines sum in their own order (the Spark comparison has a tolerance). -#}
{% macro ordered_sum(expr, order_by) -%}
    {{ return(adapter.dispatch('ordered_sum')(expr, order_by)) }}
{%- endmacro %}

{% macro duckdb__ordered_sum(expr, order_by) -%}
    sum({{ expr }} order by {{ order_by }})
{%- endmacro %}

{% macro default__ordered_sum(expr, order_by) -%}
    sum({{ expr }})
{%- endmacro %}
