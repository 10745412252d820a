-- Grain: region × measure × period where both complete records and a report figure exist.
-- The record total and the published total should agree; a difference is shown, not hidden.
select
    region_code,
    measure_code,
    period_type,
    year,
    quarter,
    records_value,
    report_value,
    records_value - report_value as difference,
    {{ pct_change('records_value', 'report_value') }} as difference_pct,
    case when abs(records_value - report_value) < 0.5 then 'match' else 'mismatch' end as status
from {{ ref('int_measure_values__chosen') }}
where records_complete and report_value is not null
