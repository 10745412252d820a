-- Grain: region × measure × year (every year with a value of a count-model measure).
-- Role: the extra-Poisson (year-to-year) dispersion φ of each count series, as known before
-- that year (docs/methods.md §2). From consecutive complete annual counts y0, y1 (years t−1, t):
--   d_t = (y1 − y0)² / (y0 + y1),
-- whose expectation is φ when the two years share a mean (a trend g a year adds about g²·mean/2:
-- steep trends in large counts give wider, conservative intervals).
-- φ for year Y is the mean of the d_t with t < Y: the history before the comparison it serves,
-- so a change does not widen its own test. The series' own with at least min_pairs pairs, else
-- the mean over every series of the measure at the same region level (pooled), else 1
-- (Poisson); averaged as decimals, so that every rebuild gives the same bits. Counts, not
-- rates: the denominator is a known exposure, and a rate takes the φ of its numerator.
-- Reference: pipelines/lib/dispersion.successive_difference_dispersion.
{%- set min_pairs = 5 %}
with measures as (
    select measure_code from {{ ref('measures') }}
    where count_model in ('poisson', 'compound_poisson')
),

values_ as (
    select v.region_code, v.measure_code, v.period_type, v.year, v.value, v.is_complete, rg.level
    from {{ ref('int_measure_values__chosen') }} as v
    inner join measures as m on v.measure_code = m.measure_code
    left join {{ ref('regions') }} as rg on v.region_code = rg.region_code
),

pairs as (
    select cur.region_code, cur.measure_code, cur.level, cur.year, power(cur.value - prev.value, 2) / (cur.value + prev.value) as d
    from values_ as cur
    inner join values_ as prev
        on cur.region_code = prev.region_code and cur.measure_code = prev.measure_code
        and prev.period_type = 'year' and prev.year = cur.year - 1
    where cur.period_type = 'year' and cur.is_complete and prev.is_complete and cur.value + prev.value > 0
),

series as (
    -- every year with any value (a year in progress takes φ from the years before it)
    select distinct region_code, measure_code, level, year from values_
),

own as (
    select s.region_code, s.measure_code, s.year, {{ exact_avg("p.d") }} as phi, count(p.d) as n_pairs
    from series as s
    left join pairs as p
        on s.region_code = p.region_code and s.measure_code = p.measure_code and p.year < s.year
    group by 1, 2, 3
),

pooled as (
    select lv.measure_code, lv.level, lv.year, {{ exact_avg("p.d") }} as phi, count(p.d) as n_pairs
    from (select distinct measure_code, level, year from series) as lv
    left join pairs as p
        on lv.measure_code = p.measure_code and lv.level is not distinct from p.level and p.year < lv.year
    group by 1, 2, 3
)

select
    s.region_code,
    s.measure_code,
    s.year,
    o.phi as phi_own,
    o.n_pairs as n_pairs_own,
    pl.phi as phi_pooled,
    pl.n_pairs as n_pairs_pooled,
    -- an estimated φ is itself noisy: calibrated by (t(0.975; pairs)/1.96)², as a t quantile
    -- replaces a normal one (benchmarks/interval_coverage.md: without it the intervals cover
    -- 90.8% in the worst over-dispersed case, with it at least 94.5%)
    greatest(1.0, case
        when o.n_pairs >= {{ min_pairs }} then calibrated_dispersion(o.phi, o.n_pairs)
        when pl.n_pairs >= {{ min_pairs }} then calibrated_dispersion(pl.phi, pl.n_pairs)
        else 1.0
    end) as phi,
    case
        when o.n_pairs >= {{ min_pairs }} then 'own'
        when pl.n_pairs >= {{ min_pairs }} then 'pooled'
        else 'none'
    end as phi_basis
from series as s
inner join own as o on s.region_code = o.region_code and s.measure_code = o.measure_code and s.year = o.year
left join pooled as pl on s.measure_code = pl.measure_code and s.level is not distinct from pl.level and s.year = pl.year
