"""Grain: plan target × data_through_year. Projection of the plan years after data_through_year
and the probability of meeting the target (pipelines/lib/projection.py, docs/methods.md §4).
A Python model because the fit (Poisson GLM) and the simulation need statsmodels and numpy."""

import polars as pl

from pipelines.lib.attainment import assess_targets


def model(dbt, session):
    dbt.config(materialized="table")
    indicators = dbt.ref("indicators").pl().select("indicator_code", "kind", "numerator_measure", "scale")
    measures = dbt.ref("measures").pl().select(
        pl.col("measure_code").alias("numerator_measure"), pl.col("poisson").fill_null(False)
    )
    registry = indicators.join(measures, on="numerator_measure", how="left")
    targets = (
        dbt.ref("fct_plan_progress")
        .pl()
        .join(registry.select("indicator_code", pl.col("kind").alias("indicator_kind")), on="indicator_code")
    )
    annual = (
        dbt.ref("fct_indicator_values")
        .filter("period_type = 'year'")
        .pl()
        .select("region_code", "indicator_code", "year", "value", "numerator", "denominator", "completeness", "indicator_kind")
        .join(registry.select("indicator_code", "scale", "poisson"), on="indicator_code")
    )
    return assess_targets(targets, annual)
