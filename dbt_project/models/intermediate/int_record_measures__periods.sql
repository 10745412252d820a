-- Record-derived measure values for every region of the tree with any coverage, by
-- quarter, YTD (1–N月累计) and year. A covered quarter with no records is a true zero.
-- The roll-up (region tree, zero-fill, quarter → ytd → year) is macros/period_rollup.sql.
with coverage as (select * from {{ ref('int_coverage__quarterly') }}),

measures as (
    select measure_code, record_source from {{ ref('measures') }}
    where record_source is not null
),

rolled as (
    -- every record counts for each ancestor of its region
    {{ region_tree_sum(ref('int_record_measures__quarterly'), ['year', 'quarter', 'measure_code']) }}
),

quarterly as (
    select
        cv.region_code,
        cv.year,
        cv.quarter,
        m.measure_code,
        {{ zero_filled_columns('cv', 'r') }}
    from coverage as cv
    inner join measures as m on cv.source = m.record_source
    left join rolled as r
        on
            cv.region_code = r.region_code
            and cv.year = r.year
            and cv.quarter = r.quarter
            and m.measure_code = r.measure_code
)

{{ period_rollup('quarterly', ['measure_code']) }}
