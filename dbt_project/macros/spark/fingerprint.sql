{#- Spark form of fingerprint_of (macros/incremental_years.sql): order-independent like
    duckdb__fingerprint_of (count and sum of row hashes), where default__fingerprint_of hashes a
    listagg whose order Spark did not keep (docs/spark_spike.md, cause 15). xxhash64 is a bigint:
    summed as decimal(38,0) so the sum cannot overflow under ANSI mode. -#}
{% macro spark__fingerprint_of(columns) -%}
    cast(count(*) as string) || ':' || cast(sum(cast(xxhash64({{ columns }}) as decimal(38, 0))) as string)
{%- endmacro %}
