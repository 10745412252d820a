{#- The record sources (raw tables of dated records that reporting units submit quarterly) and
    the column dating each record, which decides its quarter: Source.date_column in
    pipelines/lib/contracts.py. Read by the submission tracker and the freshness mart. -#}
{% macro record_sources() -%}
    {{ return({
        'accidents': 'occurred_at',
        'road_traffic': 'occurred_at',
        'fires': 'occurred_at',
        'disasters': 'started_on',
        'enforcement': 'inspected_on',
    }) }}
{%- endmacro %}

{#- The reporting deadline of a quarter for a unit: `deadline_day` days after the quarter's last
    day (seed reporting_units). -#}
{% macro submission_deadline(quarter_end, deadline_day) -%}
    cast({{ dbt.dateadd('day', deadline_day, quarter_end) }} as date)
{%- endmacro %}

{#- The accidents that count toward production-safety totals: written-off (核销) accidents and
    sectors outside the production-safety scope do not count. -#}
{% macro accidents_in_scope() -%}
    select * from {{ ref('int_accidents__current') }}
    where not is_written_off and in_ps_total
{%- endmacro %}

{#- The measures computed from records, stated once for every model that aggregates records
    (int_record_measures__quarterly, int_record_measures__clusters): a list of
    (relation, date column, measures, raw source), each measure (measure_code, aggregate,
    condition on the row). 'int_accidents_in_scope' is the CTE accidents_in_scope() fills. -#}
{% macro record_measures() -%}
{%- set dated = record_sources() -%}
{{ return([
    ('int_accidents_in_scope', dated['accidents'], [
        ('ps_accidents', 'count(*)', 'true'),
        ('ps_deaths', 'sum(deaths_incl_missing)', 'true'),
        ('ps_injuries', 'sum(injuries)', 'true'),
        ('ps_accidents_larger', 'count(*)', "grade_code = 'larger'"),
        ('ps_accidents_major', 'count(*)', "grade_code = 'major'"),
        ('ps_accidents_extraordinary', 'count(*)', "grade_code = 'extraordinary'"),
        ('ps_accidents_larger_plus', 'count(*)', "grade_code in ('larger', 'major', 'extraordinary')"),
        ('ps_accidents_major_plus', 'count(*)', "grade_code in ('major', 'extraordinary')"),
        ('imc_deaths', 'sum(deaths_incl_missing)', 'in_imc'),
        ('se_deaths', 'sum(deaths_incl_missing)', 'involves_special_equipment'),
    ], 'accidents'),
    ('stg_raw__road_traffic', dated['road_traffic'], [
        ('road_accidents', 'count(*)', 'true'),
        ('road_deaths', 'sum(deaths)', 'true'),
        ('road_injuries', 'sum(injuries)', 'true'),
    ], 'road_traffic'),
    ('stg_raw__fires', dated['fires'], [
        ('fire_count', 'count(*)', 'true'),
        ('fire_deaths', 'sum(deaths)', 'true'),
        ('fire_injuries', 'sum(injuries)', 'true'),
        ('fire_direct_loss', 'sum(direct_loss_wan)', 'true'),
    ], 'fires'),
    ('int_disasters__latest', dated['disasters'], [
        ('nd_affected_person_times', 'sum(affected_person_times)', 'true'),
        ('nd_deaths', 'sum(deaths)', 'true'),
        ('nd_missing', 'sum(missing)', 'true'),
        ('nd_deaths_missing', 'sum(deaths + missing)', 'true'),
        ('nd_relocated', 'sum(relocated)', 'true'),
        ('nd_collapsed_houses', 'sum(collapsed_houses)', 'true'),
        ('nd_crop_affected_area', 'sum(crop_affected_ha)', 'true'),
        ('nd_direct_loss', 'sum(direct_loss_wan)', 'true'),
        ('forest_fire_count', 'count(distinct event_id)', "hazard_code = 'forest_grassland_fire'"),
        ('forest_damaged_area', 'sum(burned_forest_ha)', "hazard_code = 'forest_grassland_fire'"),
    ], 'disasters'),
    ('stg_raw__enforcement', dated['enforcement'], [
        ('enf_inspections', 'count(*)', 'true'),
        ('enf_penalties', 'count(*)', 'is_penalised'),
        ('enf_fines', 'sum(fine_wan)', 'true'),
        ('enf_suspensions', 'count(*)', 'is_suspended'),
        ('enf_closures', 'count(*)', 'is_closed'),
        ('hazards_found', 'sum(hazards_found)', 'true'),
        ('hazards_major_found', 'sum(hazards_major_found)', 'true'),
        ('hazards_rectified', 'sum(hazards_rectified)', 'true'),
    ], 'enforcement'),
]) }}
{%- endmacro %}
