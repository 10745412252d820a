-- 报送情况 / Submission status of every reporting unit of a record source, per quarter.
-- A unit has submitted a quarter when a file loaded without being rejected whole either
--   (a) holds rows dated in that quarter for a region the unit covers (itself or below), or
--   (b) names the unit's region code first and the quarter (2025Q2) or its year (2021) in its file name
--       (the period as the loader parsed it: raw.load_log.file_period_start / _end, from
--       pipelines/ingest/loader.py file_period, the one parser of file-name periods).
-- Receipt time = the file's first load into the warehouse (raw.load_log.loaded_at): a proxy,
-- the warehouse cannot know when the file reached the office. Files first seen in a source's
-- very first load have no meaningful receipt time: status 'initial_load', left out of 及时率.
-- Quarters run from the unit's valid_from to the source's latest loaded quarter.
{% set dated_sources = record_sources() %}
with units as (
    select * from {{ ref('reporting_units') }}
    where source in ({% for s in dated_sources %}'{{ s }}'{{ ',' if not loop.last }}{% endfor %})
),

quarters as (select * from {{ ref('int_calendar__quarters') }}),

closure as (select * from {{ ref('int_regions__closure') }}),

load_log as (
    select * from {{ source('raw', 'load_log') }}
    where status <> 'rejected'
),

initial_load as (
    -- The first load of each source: files it took were already there, receipt time unknown.
    select source, load_id
    from (
        select source, load_id, row_number() over (partition by source order by loaded_at, load_id) as load_order
        from {{ source('raw', 'load_log') }}
    ) as l
    where load_order = 1
),

files as (
    select
        l.source,
        l.file_path,
        min(l.loaded_at) as first_loaded_at,
        min(case when l.load_order = 1 then l.load_id end) as first_load_id,
        count(distinct l.file_sha256) as n_versions,
        max(l.loaded_at) as last_loaded_at,
        -- the same in every row of a file: the loader parses them from its name
        max(l.file_period_start) as file_period_start,
        max(l.file_period_end) as file_period_end
    from (
        select *, row_number() over (partition by source, file_path order by loaded_at, load_id) as load_order
        from load_log
    ) as l
    group by 1, 2
),

record_quarters as (
    {% for s, col in dated_sources.items() %}
    select distinct
        '{{ s }}' as source,
        _file_path as file_path,
        region_code,
        extract(year from cast({{ adapter.quote(col) }} as date)) as year,
        extract(quarter from cast({{ adapter.quote(col) }} as date)) as quarter
    from {{ source('raw', s) }}
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

horizon as (
    select source, max(year * 4 + quarter - 1) as last_quarter_index
    from record_quarters
    group by 1
),

named_periods as (
    -- Region code first, then a year or a quarter: 330300_温州_2025Q2.xlsx, 450000_广西_2021.csv.
    -- [0-9], not \d: Spark reads a backslash in a string literal as an escape (\d becomes d).
    select
        source,
        file_path,
        regexp_extract({{ dbt.split_part('file_path', "'/'", -1) }}, '^([0-9]{6})', 1) as unit_region_code,
        file_period_start,
        file_period_end
    from files
    where file_period_start is not null
),

unit_file_quarters as (
    select u.unit_id, r.year, r.quarter, r.file_path
    from record_quarters as r
    inner join closure as c on r.region_code = c.descendant_code
    inner join units as u on u.region_code = c.ancestor_code and u.source = r.source
    union
    select u.unit_id, q.year, q.quarter, n.file_path
    from named_periods as n
    inner join units as u on u.region_code = n.unit_region_code and u.source = n.source
    inner join quarters as q on q.quarter_start >= n.file_period_start and q.quarter_start < n.file_period_end
    where n.unit_region_code <> ''
),

expected as (
    select
        u.unit_id,
        u.unit_name_zh,
        u.unit_name_en,
        u.source,
        u.region_code,
        u.deadline_day,
        q.year,
        q.quarter,
        q.quarter_start,
        q.quarter_end,
        {{ submission_deadline('q.quarter_end', 'u.deadline_day') }} as deadline
    from units as u
    inner join horizon as h on u.source = h.source
    inner join quarters as q
        on
            q.quarter_end >= u.valid_from
            and (u.valid_to is null or q.quarter_start <= u.valid_to)
            and q.quarter_index <= h.last_quarter_index
),

received as (
    select
        ufq.unit_id,
        ufq.year,
        ufq.quarter,
        min(f.first_loaded_at) as first_received_at,
        max(f.last_loaded_at) as last_received_at,
        bool_and(f.first_load_id = il.load_id) as in_initial_load,
        max(f.n_versions) > 1 as is_resubmitted,
        count(distinct f.file_path) as n_files,
        {{ dbt.listagg('distinct f.file_path', "'; '", 'order by f.file_path') }} as files
    from unit_file_quarters as ufq
    inner join files as f on ufq.file_path = f.file_path
    inner join initial_load as il on f.source = il.source
    group by 1, 2, 3
)

select
    e.unit_id,
    e.unit_name_zh,
    e.unit_name_en,
    e.source,
    e.region_code,
    e.year,
    e.quarter,
    {{ quarter_code('e.year', 'e.quarter') }} as period,
    e.quarter_start,
    e.quarter_end,
    e.deadline,
    r.first_received_at,
    r.last_received_at,
    r.n_files,
    r.files,
    coalesce(r.is_resubmitted, false) as is_resubmitted,
    case
        when r.unit_id is null or r.in_initial_load then null
        else greatest(cast({{ dbt.datediff('e.deadline', 'cast(r.first_received_at as date)', 'day') }} as {{ dbt.type_bigint() }}), 0)
    end as days_late,
    case
        when r.unit_id is null and {{ reference_date() }} <= e.deadline then 'pending'
        when r.unit_id is null then 'missing'
        when not r.in_initial_load and cast(r.first_received_at as date) > e.deadline then 'late'
        when r.is_resubmitted then 'resubmitted'
        when r.in_initial_load then 'initial_load'
        else 'on_time'
    end as status,
    case
        when r.unit_id is null or r.in_initial_load then null
        else cast(r.first_received_at as date) <= e.deadline
    end as is_on_time
from expected as e
left join received as r on e.unit_id = r.unit_id and e.year = r.year and e.quarter = r.quarter
