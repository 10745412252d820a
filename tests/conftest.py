"""Shared fixtures: real DuckDB files, real `safety-stats refresh` runs in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURES = ROOT / "tests" / "fixtures"


def cli_env(warehouse: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETY_", "DAGSTER_HOME"))}
    env.update(
        DAGSTER_DISABLE_TELEMETRY="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
    )
    if warehouse is not None:
        env["SAFETY_WAREHOUSE"] = str(warehouse)
    return env


def run_cli(
    *args: str, warehouse: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / "safety-stats"), *args],
        capture_output=True,
        text=True,
        env=cli_env(warehouse),
        cwd=ROOT,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"safety-stats {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}"
        )
    return proc


@contextmanager
def attached(**databases: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with each file attached read-only under its keyword name, to compare
    two warehouses or serving copies table by table."""
    con = duckdb.connect()
    try:
        for name, path in databases.items():
            con.execute(f"ATTACH '{path}' AS {name} (READ_ONLY)")
        yield con
    finally:
        con.close()


def indicators(warehouse: Path, *args: str) -> list[dict]:
    out = run_cli("indicators", "--warehouse", str(warehouse), "--format", "json", *args).stdout
    return json.loads(out)


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample refreshed once into a temporary warehouse (serving copy beside it)."""
    wh = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    run_cli("refresh", "--warehouse", str(wh))
    return wh
