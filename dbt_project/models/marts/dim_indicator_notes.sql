-- Grain: indicator. The quality and methodology note of each indicator (seeds/indicator_notes),
-- published so that analysts can query it beside marts.dim_indicators.
select
    n.indicator_code,
    i.name_zh as indicator_name_zh,
    i.name_en as indicator_name_en,
    n.definition_zh,
    n.definition_en,
    n.source_zh,
    n.source_en,
    n.known_breaks_zh,
    n.known_breaks_en,
    n.reliability_zh,
    n.reliability_en,
    n.interval_zh,
    n.interval_en
from {{ ref('indicator_notes') }} as n
inner join {{ ref('indicators') }} as i on n.indicator_code = i.indicator_code
