"""“计算该指标的 SQL” / The SQL that recomputes an indicator from the analyst schema.

For one indicator, region and period, `recompute_sql` writes a runnable query over the serving
copy (marts only) that puts the published value beside a recomputation from other tables:

- a rate: numerator = the count indicator of the numerator measure (same region and period) ×
  scale ÷ the denominator the warehouse used (denominator_year, denominator_basis), and that
  denominator's current published release from fct_published_vintages when the basis is a
  published year-end or annual figure;
- a count: the sum over a breakdown of fct_breakdowns that partitions the records (sector,
  operating vehicle, place type, hazard, inspection kind), restricted to the indicator's sector
  scope (dim_sectors) or grade where the indicator is a subset. Report-based values have no
  records behind them, so the recomputation is then null or differs, and value_source says why.

Pure functions: the page runs the query through pipelines.sandbox.run_query.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

# The breakdown of each domain whose categories partition the records (fct_breakdowns).
PARTITION_BREAKDOWN = {
    "production_safety": "sector",
    "road_traffic": "operating_vehicle",
    "fire": "place_type",
    "natural_disaster": "hazard",
    "enforcement": "inspection_kind",
}

# Count indicators that are a subset of another measure's breakdown: (measure, breakdown, filter).
SUBSET_OF: dict[str, tuple[str, str, str]] = {
    "imc_deaths": (
        "ps_deaths",
        "sector",
        "category_code IN (SELECT sector_code FROM marts.dim_sectors WHERE in_imc)",
    ),
    "ps_accidents_larger": ("ps_accidents", "grade", "category_code = 'larger'"),
    "ps_accidents_major": ("ps_accidents", "grade", "category_code = 'major'"),
    "ps_accidents_extraordinary": ("ps_accidents", "grade", "category_code = 'extraordinary'"),
    "ps_accidents_larger_plus": (
        "ps_accidents",
        "grade",
        "category_code IN ('larger', 'major', 'extraordinary')",
    ),
    "ps_accidents_major_plus": ("ps_accidents", "grade", "category_code IN ('major', 'extraordinary')"),
}


def _lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _where(region: str, period_type: str, period: str) -> str:
    return f"region_code = {_lit(region)} AND period_type = {_lit(period_type)} AND period = {_lit(period)}"


def recompute_sql(
    ind: Mapping[str, Any],
    region: str,
    period_type: str,
    period: str,
    *,
    measure_kinds: Mapping[str, str],
    measure_domains: Mapping[str, str],
    breakdowns: Collection[tuple[str, str]],
) -> str:
    """The query for indicator `ind` (a marts.dim_indicators row). measure_kinds/domains map
    measure codes to dim_measures.kind/domain; breakdowns lists the (measure_code, breakdown)
    pairs present in fct_breakdowns."""
    code = str(ind["indicator_code"])
    where = _where(region, period_type, period)
    head = (
        f"-- {ind['name_zh']} / {ind['name_en']} ({code})\n"
        f"-- 公式 formula: {ind['formula_zh']} / {ind['formula_en']}\n"
    )
    if ind["kind"] == "rate":
        return head + _rate_sql(ind, where, measure_kinds, period_type)
    return head + _count_sql(ind, where, measure_domains, breakdowns)


def _rate_sql(ind: Mapping[str, Any], where: str, measure_kinds: Mapping[str, str], period_type: str) -> str:
    code, num, den = (
        str(ind["indicator_code"]),
        str(ind["numerator_measure"]),
        str(ind["denominator_measure"]),
    )
    scale = float(ind["scale"])
    scale_txt = f"{scale:g}" if scale < 1e15 else repr(scale)
    if ind["denominator_from"] == "measure":
        den_cte = f"""den AS (  -- 分母 denominator: the count indicator {den}, same region and period
    SELECT region_code, period_type, period, value AS denominator
    FROM marts.fct_indicator_values
    WHERE indicator_code = {_lit(den)} AND {where}
)"""
        release_cols, release_join = "", ""
    else:
        den_cte = f"""den AS (  -- 分母 denominator: {den} as derived for this period (year and basis)
    SELECT region_code, period_type, period, denominator, denominator_year, denominator_basis
    FROM marts.fct_indicator_values
    WHERE indicator_code = {_lit(code)} AND {where}
),
rel AS (  -- 该分母的现行发布值 / the denominator's current published release per year
    SELECT region_code, period, value AS denominator_released, released_on AS denominator_released_on
    FROM marts.fct_published_vintages
    WHERE measure_code = {_lit(den)} AND is_current
)"""
        # A stock's year-end figure serves every period of its year; a flow (GDP) only the year.
        comparable = measure_kinds.get(den) == "stock" or period_type == "year"
        release_cols = ",\n       den.denominator_year, den.denominator_basis, rel.denominator_released"
        release_join = (
            "\nLEFT JOIN rel ON rel.region_code = den.region_code"
            " AND rel.period = CAST(den.denominator_year AS VARCHAR)"
            " AND den.denominator_basis IN ('published', 'published_previous_year')"
            if comparable
            else "\nLEFT JOIN rel ON FALSE  -- a prorated or cumulative flow: no single release to compare"
        )
    return f"""WITH num AS (  -- 分子 numerator: the count indicator {num}, same region and period
    SELECT region_code, period_type, period, value AS numerator, completeness
    FROM marts.fct_indicator_values
    WHERE indicator_code = {_lit(num)} AND {where}
),
{den_cte},
v AS (  -- 已发布的指标值 / the value published in fct_indicator_values
    SELECT region_code, period_type, period, value, unit
    FROM marts.fct_indicator_values
    WHERE indicator_code = {_lit(code)} AND {where}
)
SELECT v.region_code, v.period_type, v.period, num.numerator, den.denominator{release_cols},
       num.numerator * {scale_txt} / nullif(den.denominator, 0) AS recomputed_value,
       v.value, v.unit, num.completeness
FROM v
LEFT JOIN num USING (region_code, period_type, period)
LEFT JOIN den USING (region_code, period_type, period){release_join}"""


def _count_sql(
    ind: Mapping[str, Any],
    where: str,
    measure_domains: Mapping[str, str],
    breakdowns: Collection[tuple[str, str]],
) -> str:
    code, measure = str(ind["indicator_code"]), str(ind["numerator_measure"])
    source: tuple[str, str, str] | None = SUBSET_OF.get(code)
    if source is None:
        part = PARTITION_BREAKDOWN.get(measure_domains.get(measure, ""))
        if part and (measure, part) in breakdowns:
            source = (measure, part, "TRUE")
    value_cte = f"""v AS (  -- 已发布的指标值 / the value published in fct_indicator_values
    SELECT region_code, period_type, period, value, unit, value_source, completeness
    FROM marts.fct_indicator_values
    WHERE indicator_code = {_lit(code)} AND {where}
)"""
    if source is None or (source[0], source[1]) not in breakdowns:
        return f"""-- 计数指标 = 计量 {measure} 的合计;分类表中没有可加总的维度 / a count: the total of
-- measure {measure}; no breakdown in fct_breakdowns adds up to it, so nothing to recompute
WITH {value_cte}
SELECT v.*, CAST(NULL AS DOUBLE) AS recomputed_value FROM v"""
    b_measure, breakdown, condition = source
    if condition == "TRUE":
        sums = "sum(value) AS recomputed_value, count(*) AS n_categories"
        what = f"{b_measure} by {breakdown}"
    else:  # a subset: 0 when the region and period have records but none in the subset
        sums = (
            f"coalesce(sum(value) FILTER (WHERE {condition}), 0) AS recomputed_value,\n"
            f"           count(*) FILTER (WHERE {condition}) AS n_categories"
        )
        what = f"{b_measure} by {breakdown}, only {condition}"
    return f"""-- 计数指标:按 {breakdown} 分类加总记录 / a count: records summed over the {breakdown} breakdown
WITH {value_cte},
b AS (  -- fct_breakdowns: {what}
    SELECT region_code, period_type, period,
           {sums}
    FROM marts.fct_breakdowns
    WHERE measure_code = {_lit(b_measure)} AND breakdown = {_lit(breakdown)} AND {where}
    GROUP BY ALL
)
SELECT v.region_code, v.period_type, v.period, b.recomputed_value, v.value, v.unit,
       v.value_source, v.completeness, b.n_categories
FROM v
LEFT JOIN b USING (region_code, period_type, period)"""
