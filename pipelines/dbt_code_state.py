"""Which dbt code the warehouse last passed its dbt unit tests with.

dbt unit tests check the SQL of models against fixed inputs: they test code, not data. An
incremental refresh therefore skips them when the code they test is byte for byte the code of a
build in which they passed on this warehouse; `refresh --full`, a first build and any change of
that code run them. The code is every file dbt reads (models, macros, seeds, tests,
dbt_project.yml, profiles.yml), the Python the SQL calls (the DuckDB UDFs) and the versions of
dbt and DuckDB, hashed together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines.lib.duck import table_exists
from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT

TABLE = "history.dbt_unit_test_passes"
_DBT_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PYTHON = ("pipelines/dbt_udfs.py", "pipelines/lib/poisson.py")  # profiles.yml plugin and its import
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


def dbt_code_files() -> list[Path]:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in _DBT_DIRS:
        paths += sorted(p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file())
    return [p for p in paths if p.exists()]


def dbt_code_hash() -> str:
    h = hashlib.sha256()
    for path in [*dbt_code_files(), *(PROJECT_ROOT / p for p in _PYTHON)]:
        h.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for package in _PACKAGES:
        h.update(f"{package}=={version(package)}\0".encode())
    return h.hexdigest()


def unit_tests_passed(warehouse: Path, code_hash: str) -> bool:
    """True when a build of this warehouse ran the unit tests of exactly this code and passed."""
    if not warehouse.exists():
        return False
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        schema, table = TABLE.split(".")
        return bool(
            table_exists(con, schema, table)
            and con.execute(f"SELECT count(*) FROM {TABLE} WHERE code_hash = ?", [code_hash]).fetchone()[0]  # type: ignore[index]
        )
    finally:
        con.close()


def record_unit_tests_passed(warehouse: Path, code_hash: str, run_id: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS history")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (code_hash VARCHAR, passed_at TIMESTAMP, run_id VARCHAR)"
        )
        con.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?)",
            [code_hash, dt.datetime.now(dt.UTC).replace(tzinfo=None), run_id],
        )
    finally:
        con.close()
