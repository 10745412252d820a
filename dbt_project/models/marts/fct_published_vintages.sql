-- Grain: every release of every report-table and denominator figure (region × period ×
-- measure × release), newest first; is_current marks the release the marts use
-- (int_published_values__vintages, which decides it for int_published_values__latest too).
select
    origin,
    region_code,
    period,
    measure_code,
    value,
    unit,
    value_as_published,
    unit_as_published,
    released_on,
    publication,
    _file_path as file_path,
    _row_number as row_number,
    _file_sha256 as file_sha256,
    vintage_rank = 1 as is_current
from {{ ref('int_published_values__vintages') }}
