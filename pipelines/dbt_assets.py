"""dbt models, seeds and tests as Dagster assets and asset checks (one lineage graph).

Importing this module runs nothing: the code location (`pipelines.definitions`) calls
`prepare_manifest()` (`dbt parse` when the dbt code is newer than target/manifest.json, as on a
fresh clone) and then `build_warehouse_dbt_assets(manifest)`.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext, Config
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging.version import Version

from pipelines.dbt_cli import dbt_args, dbt_env
from pipelines.dbt_code_state import dbt_code_files, dbt_code_hash
from pipelines.faults import fault_point
from pipelines.lib.writer import WRITER_POOL
from pipelines.settings import DBT_PROJECT_DIR, warehouse_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
PARTIAL_PARSE = "partial_parse.msgpack"


def _newest_source_mtime() -> float:
    return max(p.stat().st_mtime for p in dbt_code_files())


def prepare_manifest() -> Path:
    """target/manifest.json, built with `dbt parse` when missing or older than the dbt code
    (never `compile`: it would open DuckDB). dagster-dbt's `DbtProject.prepare_if_dev()` parses
    only under `dagster dev`; the CLI refresh and the tests need the manifest too."""
    manifest = Path(dbt_project.manifest_path)
    if _manifest_is_fresh(manifest):
        return manifest
    # One parser at a time: two processes starting together (pytest workers, a refresh beside
    # `dagster dev`) both found it stale, and one read the file while the other rewrote it.
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _manifest_is_fresh(manifest):  # another process may have parsed meanwhile
            subprocess.run(dbt_args("parse"), check=True, env=dbt_env(), cwd=DBT_PROJECT_DIR)
    return manifest


def _manifest_is_fresh(manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime()


PUBLISHED_SCHEMA = "marts"


def published_models(manifest: Path) -> list[str]:
    """The models the serving copy publishes: every model of the `marts` schema (the
    models/marts/ folder, `+schema: marts` in dbt_project.yml), read from the manifest, so a new
    mart is published without a change here. `pipelines.publish` publishes every table of that
    schema; the serving-copy asset depends on exactly these models."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(
        n["name"]
        for n in nodes
        if n["resource_type"] == "model" and n["config"].get("schema") == PUBLISHED_SCHEMA
    )


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


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, without two costs this project does not need (~2.5 s a run):

    - the dbt version comes from this environment's dbt-core package (the executable is this
      virtual environment's own dbt, `pipelines.dbt_cli`), not from starting `dbt --version`;
    - no in-process dbt adapter is opened before the run: dagster-dbt uses it only to fetch
      column metadata and row counts, which these assets do not request.
    """

    # Both overrides are private dagster-dbt hooks: dagster-dbt 0.29 has no public switch for either.
    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None


PARSE_CACHE_KEEP = 8  # warehouses whose parse state is kept (tests and benchmarks use many)


def _parse_cache(warehouse: Path) -> Path:
    key = hashlib.sha256(str(warehouse).encode()).hexdigest()[:16]
    return Path(dbt_project.manifest_path).parent / "partial_parse" / f"{key}.msgpack"


def run_target_path(context: AssetExecutionContext, warehouse: Path) -> Path:
    """A fresh target folder for this dbt invocation (as dagster-dbt names it), seeded with the
    partial-parse state of the last successful build of the same warehouse.

    dbt re-parses the whole project when the profile differs from the one the state was parsed
    with, and the warehouse path is part of the profile: dagster-dbt's default seed
    (target/partial_parse.msgpack, written by `dbt parse` for whichever warehouse) made every
    build re-parse. dbt itself checks the state's file hashes, profile, vars and version, and
    re-parses what changed, so a seed that no longer fits only costs a full parse.
    """
    root = Path(dbt_project.manifest_path).parent
    prune_run_targets(root, context.op.name)
    target = root / f"{context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    cached = _parse_cache(warehouse)
    if cached.exists():
        target.mkdir(parents=True)
        shutil.copyfile(cached, target / PARTIAL_PARSE)
    return target


RUN_TARGETS_KEEP = 10  # newest per-run dbt target folders kept (compiled SQL and dbt.log to read)
RUN_TARGET_MIN_AGE_S = 3600  # never touch one younger than this: another build may still use it


def prune_run_targets(root: Path, op_name: str, now: float | None = None) -> list[Path]:
    """Delete the per-run dbt target folders of `op_name` beyond the newest RUN_TARGETS_KEEP that
    are over an hour old (one folder per build piled up otherwise); returns those deleted."""
    now = time.time() if now is None else now
    runs = sorted(
        (p for p in root.glob(f"{op_name}-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    old = [p for p in runs[RUN_TARGETS_KEEP:] if now - p.stat().st_mtime > RUN_TARGET_MIN_AGE_S]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    return old


def keep_partial_parse(run_target: Path, warehouse: Path) -> None:
    """After a successful build: its parse state becomes the seed of the next build of this warehouse."""
    src = run_target / PARTIAL_PARSE
    if not src.exists():
        return
    dst = _parse_cache(warehouse)
    dst.parent.mkdir(exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)  # atomic: a concurrent build reads the old file or the new one, never half
    for old in sorted(dst.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime)[:-PARSE_CACHE_KEEP]:
        old.unlink(missing_ok=True)


DBT_FAULT_AFTER_EVENTS = 30  # crash tests: the dbt_mid_build point, after this many dbt events


class DbtBuildConfig(Config):
    # True: `dbt build --full-refresh` (incremental models rebuilt from all raw rows).
    full_refresh: bool = False


# Grain tests on views whose every row reaches a tested mart (tag view_grain, in
# models/intermediate/_int_indicator_values.yml): CI runs them, a refresh relies on the mart's.
REFRESH_EXCLUDES = ("tag:view_grain",)


def dbt_build_args(full_refresh: bool) -> list[str]:
    """The `dbt build` of a refresh: never the dbt unit tests nor the view-grain tests (both run in
    CI, `make test`)."""
    return [
        "build",
        *(["--full-refresh"] if full_refresh else []),
        "--exclude-resource-type",
        "unit_test",
        "--exclude",
        *REFRESH_EXCLUDES,
    ]


def build_warehouse_dbt_assets(manifest: Path) -> dg.AssetsDefinition:
    """The dbt project's assets and checks, from a prepared manifest (`prepare_manifest`)."""

    @dbt_assets(manifest=manifest, dagster_dbt_translator=translator, pool=WRITER_POOL)
    def warehouse_dbt_assets(
        context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
    ) -> Iterator[Any]:
        """`dbt build --exclude-resource-type unit_test --exclude tag:view_grain`: seeds, models and
        data tests, in dependency order (`dbt_build_args`). Incremental models rebuild only the
        quarters loaded since their last build, unless full_refresh.

        The dbt unit tests test the SQL, not the data: they run in CI (`make test`, the fast tier's
        tests/test_dbt_unit_tests.py), never in a refresh, full or not, as dbt's documentation
        recommends for production. The seeds are loaded every refresh: 1–2 s of dbt node time for
        all of them (benchmarks/bespoke_machinery.md, mechanism 3, which found a state table that
        skipped unit tests and seeds while the dbt code was unchanged no measurable gain)."""
        code_hash = dbt_code_hash()
        args = dbt_build_args(config.full_refresh)
        context.log.info(
            "dbt 单元测试在 CI(make test)中运行,刷新时不运行 / dbt unit tests run in CI (make test), "
            "not in a refresh"
        )
        warehouse = warehouse_path()
        # dbt inherits this process's environment (dagster-dbt takes no per-invocation env): the
        # profile reads the warehouse path from it, and year-incremental marts rebuild every year
        # when the dbt code changed, not only their own SQL (macros/incremental_years.sql).
        os.environ["SAFETY_WAREHOUSE"] = str(warehouse)
        os.environ["SAFETY_DBT_CODE_HASH"] = code_hash
        invocation = dbt.cli(args, context=context, target_path=run_target_path(context, warehouse))
        for n, event in enumerate(invocation.stream()):  # raises if dbt failed: nothing below runs then
            if n == DBT_FAULT_AFTER_EVENTS:
                fault_point("dbt_mid_build")  # crash tests (pipelines.faults): dbt killed mid-build
            yield event
        keep_partial_parse(invocation.target_path, warehouse)

    return warehouse_dbt_assets
