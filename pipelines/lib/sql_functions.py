"""The scalar SQL functions the dbt models call (exact Poisson and dispersed intervals, rate-ratio
tests, calibrated dispersion), by name with their number of DOUBLE arguments. Registered on DuckDB
by pipelines.dbt_udfs and on Spark by pipelines.spark.udfs, over the same pipelines.lib
functions: this table is the one list both engines read."""

from __future__ import annotations

ARITY: dict[str, int] = {
    "poisson_ci_low": 1,
    "poisson_ci_high": 1,
    "dispersed_ci_low": 3,
    "dispersed_ci_high": 3,
    "dispersed_rr_ci_low": 6,
    "dispersed_rr_ci_high": 6,
    "dispersed_rr_p_value": 6,
    "calibrated_dispersion": 2,
}
