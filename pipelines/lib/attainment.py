"""Probability of meeting each plan target, assessed with the data through each year of the plan.

Glue between the warehouse tables and `pipelines.lib.projection`: used by the dbt Python models
int_plan_attainment__simulated / int_plan_projection__simulated and by
benchmarks/projection_backtest.py. An assessment "with data through year Y" uses today's
figures for the years up to Y (a retrospective projection, not what was known then; for that,
rebuild with --as-of).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.lib.projection import (
    LOOKBACK_YEARS,
    Assessment,
    History,
    Target,
    assess,
    fit_start,
    slope_interval,
    trend_verdict,
)

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
        ("fit_note", pa.string()),  # series_break:<first year of the fit> | too_few_years | all_zero | null
        ("fan", FAN_TYPE),  # the projection fan per future year (unnested by fct_plan_projection)
    ]
)


TREND_SCHEMA = pa.schema(
    [
        ("target_id", pa.string()),
        ("trend_first_year", pa.int32()),
        ("trend_last_year", pa.int32()),
        ("trend_years", pa.int32()),
        ("slope", pa.float64()),  # b1 of log E[y] = log E + b0 + b1·(t − t̄): log change a year
        ("slope_low", pa.float64()),  # its 95% interval (t with n − 2 df when φ is estimated)
        ("slope_high", pa.float64()),
        ("trend", pa.string()),  # declining | rising | no_clear_trend (seed plan_statuses_trend)
        ("fit_note", pa.string()),
    ]
)


def indicator_registry(indicators: pl.DataFrame, measures: pl.DataFrame) -> pl.DataFrame:
    """The seeds as the plan models read them: each indicator's kind, numerator measure and scale,
    and `poisson` (its numerator counts events or persons) from the measure registry."""
    counts = measures.select(
        pl.col("measure_code").alias("numerator_measure"), pl.col("poisson").fill_null(False)
    )
    return indicators.select("indicator_code", "kind", "numerator_measure", "scale").join(
        counts, on="numerator_measure", how="left"
    )


def annual_values(values: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """The annual rows of fct_indicator_values (`values`, already filtered to period_type year)
    with the columns `history_for` reads and each indicator's scale and count flag."""
    return values.select(
        "region_code",
        "indicator_code",
        "year",
        "value",
        "numerator",
        "denominator",
        "completeness",
        "indicator_kind",
    ).join(registry.select("indicator_code", "scale", "poisson"), on="indicator_code")


def first_full_year(effective_from: dt.date | str) -> int:
    """The first calendar year wholly under a break's new definition (a mid-year break's own
    year mixes the two)."""
    day = (
        effective_from
        if isinstance(effective_from, dt.date)
        else dt.date.fromisoformat(str(effective_from)[:10])
    )
    return day.year if (day.month, day.day) == (1, 1) else day.year + 1


def break_years(series_breaks: pl.DataFrame, indicators: pl.DataFrame) -> dict[str, tuple[int, ...]]:
    """indicator_code → first full years of the unrestated breaks of its numerator's measure.

    `series_breaks`: seed series_breaks (measure_code, effective_from, restated_base);
    `indicators`: indicator_code, numerator_measure. A restated break (earlier years
    recomputed on the new definition) is no break for the fit."""
    unrestated = series_breaks.filter(~pl.col("restated_base").cast(pl.Boolean).fill_null(False))
    by_measure: dict[str, list[int]] = {}
    for row in unrestated.iter_rows(named=True):
        by_measure.setdefault(row["measure_code"], []).append(first_full_year(row["effective_from"]))
    return {
        row["indicator_code"]: tuple(sorted(by_measure[row["numerator_measure"]]))
        for row in indicators.iter_rows(named=True)
        if row["numerator_measure"] in by_measure
    }


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


def assessments_for(target: Target, history: History, breaks: Sequence[int] = ()) -> list[Assessment]:
    """One assessment per year from the year before the plan to the latest year with data."""
    latest = min(max(history.years), target.last_year)
    return [
        assess(target, history, through, breaks=breaks)
        for through in range(target.first_year - 1, latest + 1)
    ]


def trend_of(
    target: Target, history: History, breaks: Sequence[int] = (), lookback: int = LOOKBACK_YEARS
) -> dict[str, Any]:
    """The fitted slope behind a 持续下降 (direction) target: over the years from `lookback`
    years before the plan (or the latest series break reached) to the latest plan year with data;
    declining when the 95% interval lies below 0, rising when above, else no_clear_trend."""
    latest = min(max(history.years), target.last_year)
    start = target.first_year - lookback
    cut = fit_start(breaks, latest)
    note = None
    if cut is not None and cut > start:
        start, note = cut, f"series_break:{cut}"
    keep = [i for i, t in enumerate(history.years) if start <= t <= latest]
    years = [history.years[i] for i in keep]
    events = np.array([history.events[i] for i in keep], dtype=float)
    exposure = [history.exposure[i] for i in keep]
    b1, low, high = (float(v[0]) for v in slope_interval(years, events, exposure, history.is_count_data))
    finite = np.isfinite(b1)
    return {
        "target_id": target.target_id,
        "trend_first_year": min(years) if years else None,
        "trend_last_year": max(years) if years else None,
        "trend_years": len(years),
        "slope": b1 if finite else None,
        "slope_low": low if finite else None,
        "slope_high": high if finite else None,
        "trend": trend_verdict(low, high),
        "fit_note": note if finite else "too_few_years",
    }


def trend_targets(
    targets: pl.DataFrame, annual: pl.DataFrame, breaks: Mapping[str, Sequence[int]] | None = None
) -> pa.Table:
    """`targets`: seed plan_targets rows with indicator_kind; one row per direction_down target
    with data in its plan period (the slope judges fct_plan_progress's status)."""
    rows: list[dict[str, Any]] = []
    trackable = targets.filter(
        pl.col("indicator_code").is_not_null() & (pl.col("target_kind") == "direction_down")
    ).sort("target_id")
    for row in trackable.iter_rows(named=True):
        history = history_for(annual, row["region_code"], row["indicator_code"])
        target = target_from_row({**row, "baseline_used": None})
        if history is None or not any(target.first_year <= t <= target.last_year for t in history.years):
            continue
        rows.append(trend_of(target, history, (breaks or {}).get(row["indicator_code"], ())))
    return pa.Table.from_pylist(rows, schema=TREND_SCHEMA)


def assess_targets(
    targets: pl.DataFrame, annual: pl.DataFrame, breaks: Mapping[str, Sequence[int]] | None = None
) -> pa.Table:
    """`targets`: fct_plan_progress rows (with indicator_kind); one row per target × data year.
    `breaks`: indicator_code → first full years of its series breaks (`break_years`)."""
    att: list[dict[str, Any]] = []
    trackable = targets.filter(
        pl.col("indicator_code").is_not_null() & (pl.col("target_kind") != "other")
    ).sort("target_id")
    for row in trackable.iter_rows(named=True):
        history = history_for(annual, row["region_code"], row["indicator_code"])
        if history is None:
            continue
        target = target_from_row(row)
        for a in assessments_for(target, history, (breaks or {}).get(row["indicator_code"], ())):
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
                    "fit_note": a.fit_note,
                    "fan": a.fan,
                }
            )
    return pa.Table.from_pylist(att, schema=ATTAINMENT_SCHEMA)
