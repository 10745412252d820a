"""Backtest of the plan-attainment projection (pipelines/lib/projection.py) on the sample.

Pretend it is the end of 2018, in the middle of 十三五 (2016–2020): with the annual data through
2018, project 2019–2020 for every region × indicator series and compare with what happened —
the 2020 value and the plan-period aggregate (5-year total for counts, 年均 for rates). The same
for 十四五 from data through 2023. Three variants: the shipped model (trend fitted from five
years before the plan where the data go back that far), the trend on the plan years only, and a
constant rate. Reported per variant and series size: the median absolute
percentage error of the median projection, and the share of actual values inside the 90%
projection interval (5th–95th percentile; should be about 90%).

    .venv/bin/python benchmarks/projection_backtest.py [--warehouse .warehouse/warehouse.duckdb]

writes benchmarks/projection_backtest.json and .md next to this file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from pipelines.lib.attainment import history_for
from pipelines.lib.projection import Target, assess

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import write_report  # noqa: E402  (benchmarks/ is not a package)

ORIGINS = [(2016, 2020, 2018), (2021, 2025, 2023)]  # plan first year, last year, data through
VARIANTS = {
    "shipped: trend, 5-year lookback": {"lookback": 5, "constant_only": False},
    "trend on plan years only": {"lookback": 0, "constant_only": False},
    "constant rate (Jeffreys), 5-year lookback": {"lookback": 5, "constant_only": True},
}


def load_annual(serving: Path) -> pl.DataFrame:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.sql(
            """
            -- A numerator is a count of events exactly when its values carry Poisson intervals.
            WITH counted AS (
                SELECT indicator_code, bool_or(ci_method = 'poisson_exact') AS poisson
                FROM marts.fct_indicator_values GROUP BY 1
            )
            SELECT v.region_code, v.indicator_code, v.year, v.value, v.numerator, v.denominator,
                   v.completeness, v.indicator_kind, i.scale, c.poisson
            FROM marts.fct_indicator_values AS v
            JOIN marts.dim_indicators AS i USING (indicator_code)
            JOIN counted AS c USING (indicator_code)
            WHERE v.period_type = 'year'
            """
        ).pl()
    finally:
        con.close()


def band(mean_events: float, is_count_data: bool) -> str:
    if not is_count_data:
        return "amounts (quasi-likelihood)"
    if mean_events < 20:
        return "counts < 20 a year"
    if mean_events < 200:
        return "counts 20–200 a year"
    return "counts ≥ 200 a year"


def run(serving: Path) -> dict[str, Any]:
    annual = load_annual(serving)
    series = (
        annual.select("region_code", "indicator_code", "indicator_kind")
        .unique()
        .sort(["region_code", "indicator_code"])
    )
    records: list[dict[str, Any]] = []
    for region, indicator, kind in series.iter_rows():
        history = history_for(annual, region, indicator)
        if history is None:
            continue
        events = dict(zip(history.years, history.events, strict=True))
        exposure = dict(zip(history.years, history.exposure, strict=True))
        for first, last, through in ORIGINS:
            plan = range(first, last + 1)
            if not all(y in events for y in plan):
                continue  # every plan year is needed to score the projection
            actual_last = events[last] / exposure[last]
            if kind == "count":
                actual_agg, aggregation = sum(events[y] for y in plan), "period_total"
            else:
                actual_agg, aggregation = (
                    float(np.mean([events[y] / exposure[y] for y in plan])),
                    "annual_mean",
                )
            target = Target(
                f"{region}/{indicator}", "absolute_max", aggregation, first, last, last, None, None, kind
            )
            known = [events[y] for y in range(first - 5, through + 1) if y in events]
            size = band(float(np.mean(known)), history.is_count_data)
            for name, kwargs in VARIANTS.items():
                a = assess(target, history, through, **kwargs)
                if not a.fan:
                    continue  # no projection (an amount with one year or only zeros)
                fan_last = next(f for f in a.fan if f["year"] == last)
                records.append(
                    {
                        "origin": f"{first}–{last} from data through {through}",
                        "variant": name,
                        "band": size,
                        "method": a.method,
                        "ape_last": abs(fan_last["p50"] - actual_last) / actual_last
                        if actual_last > 0
                        else None,
                        "in90_last": fan_last["p05"] <= actual_last <= fan_last["p95"],
                        "ape_plan": abs(a.projected_value - actual_agg) / actual_agg
                        if a.projected_value is not None and actual_agg > 0
                        else None,
                        "in90_plan": a.projected_low is not None
                        and a.projected_low <= actual_agg <= a.projected_high,
                    }
                )
    frame = pl.DataFrame(records)
    metrics = [
        pl.len().alias("series"),
        (pl.col("ape_last").median() * 100).round(1).alias("median_ape_last_year_pct"),
        (pl.col("in90_last").mean() * 100).round(1).alias("coverage90_last_year_pct"),
        (pl.col("ape_plan").median() * 100).round(1).alias("median_ape_plan_pct"),
        (pl.col("in90_plan").mean() * 100).round(1).alias("coverage90_plan_pct"),
    ]
    summary = frame.group_by("origin", "band", "variant").agg(metrics).sort("origin", "band", "variant")
    overall = frame.group_by("origin", "variant").agg(metrics).sort("origin", "variant")
    return {
        "question": (
            "Data through 2018: project 2019–2020 and the 十三五 (2016–2020) aggregate; data through 2023: "
            "project 2024–2025 and the 十四五 aggregate; compare with the actual values"
        ),
        "data": "embedded synthetic sample (合成样例数据), every region × indicator with all plan years complete",
        "metrics": {
            "median_ape": "median absolute % error of the median projection (series with actual > 0)",
            "coverage90": "share of actual values inside the 5th–95th percentile projection interval (ideal ≈ 90%)",
        },
        "overall": overall.to_dicts(),
        "by_band": summary.to_dicts(),
    }


def to_markdown(result: dict[str, Any]) -> str:
    cols = [
        "series",
        "median_ape_last_year_pct",
        "coverage90_last_year_pct",
        "median_ape_plan_pct",
        "coverage90_plan_pct",
    ]
    head = "| origin | variant | band | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 3) + "\n"
    lines = [
        "# Projection backtest 预测回测 (generated by projection_backtest.py)",
        "",
        f"{result['question']}. Data: {result['data']}.",
        "",
        "- median APE: "
        + result["metrics"]["median_ape"]
        + " — for the last plan year and for the plan aggregate",
        "- coverage90: " + result["metrics"]["coverage90"],
        "",
        "## Overall 总体",
        "",
        head.replace("band | ", "").replace("|---|---|", "|---|", 1)
        + "".join(
            f"| {r['origin']} | {r['variant']} | " + " | ".join(str(r[c]) for c in cols) + " |\n"
            for r in result["overall"]
        ),
        "## By series size 按序列规模",
        "",
        head
        + "".join(
            f"| {r['origin']} | {r['variant']} | {r['band']} | "
            + " | ".join(str(r[c]) for c in cols)
            + " |\n"
            for r in result["by_band"]
        ),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=".warehouse/warehouse.duckdb")
    args = parser.parse_args()
    serving = Path(args.warehouse).with_name("serving.duckdb")
    result = run(serving)
    write_report(HERE / "projection_backtest.json", result, to_markdown(result))
    print(to_markdown(result))


if __name__ == "__main__":
    main()
