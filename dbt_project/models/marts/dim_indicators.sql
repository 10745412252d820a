-- Grain: one row per indicator of the registry (seed indicators).
-- sector_scope names the dim_sectors flag that selects the numerator's sectors, as
-- int_record_measures__quarterly applies it to accident records: every accident measure
-- counts sectors in the production-safety scope (in_ps_total), imc_deaths those in 工矿商贸
-- (in_imc). Derived here rather than added to the seed: a new seed column would break the
-- seed load of every existing warehouse (dbt truncates and refills a seed table in place).
select
    i.indicator_code,
    i.name_zh,
    i.name_en,
    i.kind,
    i.numerator_measure,
    i.denominator_measure,
    i.denominator_from,
    i.scale,
    i.unit_zh,
    i.unit_en,
    i.better,
    i.headline,
    i.display_order,
    i.formula_zh,
    i.formula_en,
    i.source_regulation,
    case
        when m.record_source = 'accidents' and i.numerator_measure = 'imc_deaths' then 'in_imc'
        when m.record_source = 'accidents' then 'in_ps_total'
    end as sector_scope
from {{ ref('indicators') }} as i
left join {{ ref('measures') }} as m on i.numerator_measure = m.measure_code
