"""Probability of meeting each plan target, assessed with the data through each year of the plan.

Glue between the warehouse tables and `pipelines.lib.projection`: used by the dbt Python models
int_plan_attainment__simulated / int_plan_projection__simulated and by
benchmarks/projection_backtest.py. An assessment "with data through year Y" uses today's
figures for the years up to Y (a retrospective projection, not what was known then; for that,
rebuild with --as-of).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from pipelines.lib.projection import Assessment, History, Target, assess

FAN_TYPE = pa.list_(
    pa.struct(
        [
            ("year", pa.int32()),
            ("expected", pa.float64()),
            ("p05", pa.float64()),
            ("p25", pa.float64()),
            ("p50", pa.float64()),
            ("p75", pa.float64()),
            ("p95", pa.float64()),
        ]
    )
)

ATTAINMENT_SCHEMA = pa.schema(
    [
        ("target_id", pa.string()),
        ("data_through_year", pa.int32()),
        ("method", pa.string()),
        ("fit_first_year", pa.int32()),
        ("fit_last_year", pa.int32()),
        ("fit_years", pa.int32()),
        ("dispersion", pa.float64()),
        ("projected_value", pa.float64()),
        ("projected_p05", pa.float64()),
        ("projected_p95", pa.float64()),
        ("probability", pa.float64()),
        ("fan", FAN_TYPE),  # the projection fan per future year (unnested by fct_plan_projection)
    ]
)


def history_for(annual: pl.DataFrame, region_code: str, indicator_code: str) -> History | None:
    """Complete annual rows of one series as events and exposure (value = events / exposure).

    `annual` columns: region_code, indicator_code, year, value, numerator, denominator, scale,
    indicator_kind, completeness, poisson (numerator is a count of events).
    """
    rows = annual.filter(
        (pl.col("region_code") == region_code)
        & (pl.col("indicator_code") == indicator_code)
        & (pl.col("completeness") == "complete")
        & pl.col("value").is_not_null()
        & pl.col("numerator").is_not_null()
    ).sort("year")
    if rows.is_empty():
        return None
    kind = rows["indicator_kind"][0]
    if kind == "count":
        events = rows["value"].to_list()
        exposure = [1.0] * len(events)
    else:
        rows = rows.filter(pl.col("denominator") > 0)
        events = rows["numerator"].to_list()
        exposure = (rows["denominator"] / rows["scale"]).to_list()
    return History(
        years=rows["year"].to_list(),
        events=events,
        exposure=exposure,
        is_count_data=bool(rows["poisson"][0]),
    )


def target_from_row(row: dict[str, Any]) -> Target:
    first, _, last = str(row["plan_period"]).partition("-")
    baseline_level = row.get("baseline_used")
    span = str(row.get("baseline_year") or "")
    if (
        baseline_level is not None
        and row["aggregation"] == "period_total"
        and row["indicator_kind"] == "count"
    ):
        b_first, _, b_last = span.partition("-")
        if b_first:
            baseline_level = baseline_level / (int(b_last or b_first) - int(b_first) + 1)
    return Target(
        target_id=row["target_id"],
        target_kind=row["target_kind"],
        aggregation=row["aggregation"],
        first_year=int(first),
        last_year=int(last or first),
        target_year=int(row["target_year"]),
        target_abs=row.get("target_abs"),
        baseline_level=baseline_level,
        indicator_kind=row["indicator_kind"],
    )


def assessments_for(target: Target, history: History) -> list[Assessment]:
    """One assessment per year from the year before the plan to the latest year with data."""
    latest = min(max(history.years), target.last_year)
    return [assess(target, history, through) for through in range(target.first_year - 1, latest + 1)]


def assess_targets(targets: pl.DataFrame, annual: pl.DataFrame) -> pa.Table:
    """`targets`: fct_plan_progress rows (with indicator_kind); one row per target × data year."""
    att: list[dict[str, Any]] = []
    trackable = targets.filter(
        pl.col("indicator_code").is_not_null() & (pl.col("target_kind") != "other")
    ).sort("target_id")
    for row in trackable.iter_rows(named=True):
        history = history_for(annual, row["region_code"], row["indicator_code"])
        if history is None:
            continue
        target = target_from_row(row)
        for a in assessments_for(target, history):
            att.append(
                {
                    "target_id": a.target_id,
                    "data_through_year": a.data_through,
                    "method": a.method,
                    "fit_first_year": min(a.years_used) if a.years_used else None,
                    "fit_last_year": max(a.years_used) if a.years_used else None,
                    "fit_years": len(a.years_used),
                    "dispersion": a.dispersion,
                    "projected_value": a.projected_value,
                    "projected_p05": a.projected_low,
                    "projected_p95": a.projected_high,
                    "probability": a.probability,
                    "fan": a.fan,
                }
            )
    return pa.Table.from_pylist(att, schema=ATTAINMENT_SCHEMA)
