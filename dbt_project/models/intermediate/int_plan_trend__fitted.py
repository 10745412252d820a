"""Grain: plan target (target_kind direction_down, with data in its plan period). The fitted
log-linear slope of the target's series over the five years before the plan and the plan years so
far (after the latest unrestated series break), its 95% interval and the verdict it gives:
declining / rising / no_clear_trend (pipelines/lib/attainment.py trend_of, docs/methods.md §4).
fct_plan_progress judges a 持续下降 target without a baseline by it; the fit is the quasi-Poisson
model of int_plan_attainment__simulated (one implementation: pipelines/lib/projection.py)."""

import polars as pl

from pipelines.lib.attainment import annual_values, break_years, indicator_registry, trend_targets
from pipelines.lib.dbt_frames import to_engine, to_polars


def model(dbt, session):
    dbt.config(materialized="table")
    registry = indicator_registry(to_polars(dbt.ref("indicators")), to_polars(dbt.ref("measures")))
    targets = (
        to_polars(dbt.ref("plan_targets"))
        .select(
            "target_id",
            "region_code",
            "indicator_code",
            "plan_period",
            "target_year",
            "target_kind",
            "aggregation",
        )
        .join(registry.select("indicator_code", pl.col("kind").alias("indicator_kind")), on="indicator_code")
    )
    annual = annual_values(to_polars(dbt.ref("fct_indicator_values").filter("period_type = 'year'")), registry)
    series_breaks = to_polars(dbt.ref("series_breaks")).select("measure_code", "effective_from", "restated_base")
    breaks = break_years(series_breaks, registry.select("indicator_code", "numerator_measure"))
    return to_engine(trend_targets(targets, annual, breaks), session)
