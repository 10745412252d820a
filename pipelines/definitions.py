"""Dagster code location: ingest -> dbt -> publish, one lineage graph.

`dagster dev` (see README) shows the whole graph; `safety-stats refresh` runs it.
"""

import os

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from pipelines.settings import duckdb_memory_limit, quiet_telemetry, raw_root, serving_path, warehouse_path

quiet_telemetry()
# dbt's profile reads the warehouse path from the environment; default it here.
os.environ.setdefault("SAFETY_WAREHOUSE", str(warehouse_path()))

from pipelines.automation import (  # noqa: E402
    ingest_job,
    quarterly_check,
    raw_file_sensor,
    transform_after_ingest,
    transform_job,
)
from pipelines.dbt_assets import ProjectDbtCliResource, dbt_project, warehouse_dbt_assets  # noqa: E402
from pipelines.dbt_cli import dbt_executable  # noqa: E402
from pipelines.ingest.assets import WRITER_POOL, ingest_assets  # noqa: E402
from pipelines.publish import publish  # noqa: E402
from pipelines.quality.freshness_checks import source_freshness_checks  # noqa: E402
from pipelines.quality.gx_checks import gx_checks  # noqa: E402

PUBLISHED_MODELS = [
    "fct_indicator_values",
    "fct_plan_progress",
    "fct_reconciliation",
    "fct_published_vintages",
    "dim_regions",
    "dim_indicators",
    "fct_breakdowns",
    "dim_series_breaks",
    "dim_measures",
    "dim_sectors",
    "fct_submissions",
    "fct_submission_rates",
    "fct_source_freshness",
]


@dg.asset(
    key=["serving", "warehouse"],
    group_name="publish",
    deps=[get_asset_key_for_model([warehouse_dbt_assets], m) for m in PUBLISHED_MODELS],
    description="Read-only serving copy for the dashboard, analysts and the CLI (atomic swap).",
    kinds={"duckdb"},
    pool=WRITER_POOL,
)
def serving_copy(context: AssetExecutionContext) -> dg.MaterializeResult:
    counts = publish(warehouse_path(), serving_path(), raw_root(), run_id=context.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(serving_path())),
            "tables": dg.MetadataValue.json(counts),
        }
    )


def resources() -> dict[str, object]:
    return {
        # Same memory bound as dbt's profile: DuckDB spills to disk above it.
        "duckdb": DuckDBResource(
            database=str(warehouse_path()), connection_config={"memory_limit": duckdb_memory_limit()}
        ),
        # DbtCliResource.__init__ takes a DbtProject; mypy types the subclass from its fields.
        "dbt": ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),  # type: ignore[arg-type]
    }


defs = dg.Definitions(
    assets=[*ingest_assets, warehouse_dbt_assets, serving_copy],
    asset_checks=[*gx_checks, source_freshness_checks],
    jobs=[ingest_job, transform_job],
    sensors=[raw_file_sensor, transform_after_ingest],
    schedules=[quarterly_check],
    resources=resources(),
)
