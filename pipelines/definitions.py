"""Dagster code location: ingest -> dbt -> publish, one lineage graph.

`dagster dev -m pipelines.definitions` (see README) shows the whole graph; `safety-stats refresh`
runs it. Loading the location prepares the dbt manifest (`dbt parse` when the dbt code is newer
than it, as on a fresh clone) in `build_definitions`, the one place that builds `defs`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from pipelines.automation import (
    ingest_job,
    quarterly_check,
    raw_file_sensor,
    transform_after_ingest,
    transform_job,
)
from pipelines.dbt_assets import (
    ProjectDbtCliResource,
    build_warehouse_dbt_assets,
    dbt_project,
    prepare_manifest,
    published_models,
)
from pipelines.dbt_cli import dbt_executable
from pipelines.ingest.assets import ingest_assets
from pipelines.lib.duck import set_spill_cap
from pipelines.lib.writer import WRITER_POOL
from pipelines.publish import publish
from pipelines.quality.freshness_checks import build_source_freshness_checks
from pipelines.quality.gx_checks import gx_checks
from pipelines.settings import (
    duckdb_max_spill,
    duckdb_memory_limit,
    quiet_telemetry,
    raw_root,
    serving_path,
    warehouse_path,
)


class PublishConfig(dg.Config):
    """`full_copy`: write the serving copy from nothing (a full refresh does), rather than from a
    file copy of the current one with only the changed years of the marts rewritten."""

    full_copy: bool = False


def build_serving_copy(dbt_assets: dg.AssetsDefinition, manifest: Path) -> dg.AssetsDefinition:
    """The serving copy, downstream of every published mart (`published_models`)."""

    @dg.asset(
        key=["serving", "warehouse"],
        group_name="publish",
        deps=[get_asset_key_for_model([dbt_assets], m) for m in published_models(manifest)],
        description="Read-only serving copy for the dashboard, analysts and the CLI (atomic swap).",
        kinds={"duckdb"},
        pool=WRITER_POOL,
    )
    def serving_copy(context: AssetExecutionContext, config: PublishConfig) -> dg.MaterializeResult:
        counts = publish(
            warehouse_path(), serving_path(), raw_root(), run_id=context.run_id, full_copy=config.full_copy
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(serving_path())),
                "tables": dg.MetadataValue.json(counts),
            }
        )

    return serving_copy


class WarehouseDuckDBResource(DuckDBResource):
    """The writer's DuckDB connections (ingest loader, GX gate, freshness checks): dagster-duckdb's
    resource, with its spill files capped by SET (`set_spill_cap`: DuckDB 2.0 does not enforce
    max_temp_directory_size given in connect's config)."""

    max_temp_directory_size: str

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with super().get_connection() as con:
            set_spill_cap(con, self.max_temp_directory_size)
            yield con


def resources() -> dict[str, object]:
    return {
        # Same memory bound and spill cap as dbt's profile: DuckDB spills to disk above the memory
        # limit, and fails (pipelines.refresh says so) rather than spill past the cap.
        "duckdb": WarehouseDuckDBResource(
            database=str(warehouse_path()),
            connection_config={"memory_limit": duckdb_memory_limit()},
            max_temp_directory_size=duckdb_max_spill(),
        ),
        # DbtCliResource.__init__ takes a DbtProject; mypy types the subclass from its fields.
        "dbt": ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),  # type: ignore[arg-type]
    }


def build_definitions() -> dg.Definitions:
    """Telemetry off, the dbt manifest prepared, then every asset, check, job, sensor and schedule."""
    quiet_telemetry()
    manifest = prepare_manifest()
    dbt_assets = build_warehouse_dbt_assets(manifest)
    return dg.Definitions(
        assets=[*ingest_assets, dbt_assets, build_serving_copy(dbt_assets, manifest)],
        asset_checks=[*gx_checks, build_source_freshness_checks(dbt_assets)],
        jobs=[ingest_job, transform_job],
        sensors=[raw_file_sensor, transform_after_ingest],
        schedules=[quarterly_check],
        resources=resources(),
    )


defs = build_definitions()
