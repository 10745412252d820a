"""dbt models, seeds and tests as Dagster assets and asset checks (one lineage graph)."""

import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.dbt_cli import dbt_args
from pipelines.ingest.assets import WRITER_POOL
from pipelines.settings import DBT_PROJECT_DIR, warehouse_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime() -> float:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in ("models", "seeds", "macros", "tests"):
        paths += [p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths if p.exists())


def prepare_manifest() -> Path:
    """Build target/manifest.json with `dbt parse` (never `compile`: it would open DuckDB)."""
    manifest = Path(dbt_project.manifest_path)
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    env = {**os.environ, "SAFETY_WAREHOUSE": os.environ.get("SAFETY_WAREHOUSE", str(warehouse_path()))}
    subprocess.run(
        dbt_args("parse"),
        check=True,
        env=env,
        cwd=DBT_PROJECT_DIR,
    )
    return manifest


class SafetyDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folder (staging, intermediate, marts, seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference_seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


# dbt model tests become asset checks. Source tests stay in `dbt build` but are not attached
# to the raw assets: that would start a dbt invocation inside every ingest run, and the raw
# assets already carry the Great Expectations gate.
translator = SafetyDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=False)
)


class DbtBuildConfig(Config):
    # True: `dbt build --full-refresh` (incremental models rebuilt from all raw rows).
    full_refresh: bool = False


@dbt_assets(
    manifest=prepare_manifest(),
    dagster_dbt_translator=translator,
    pool=WRITER_POOL,
)
def warehouse_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """`dbt build`: seeds, models, data tests and unit tests, in dependency order. Incremental
    models rebuild only the quarters loaded since their last build, unless full_refresh."""
    args = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    yield from dbt.cli(args, context=context).stream()
