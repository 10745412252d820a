"""One hash of the dbt code: every file dbt reads (models, macros, seeds, tests,
dbt_project.yml, profiles.yml), the Python the SQL calls (the DuckDB UDFs) and the versions of
dbt and DuckDB.

A refresh passes it to dbt as the env var SAFETY_DBT_CODE_HASH: the year-incremental marts
rebuild every year when it differs from the hash of their last build, not only when their own
SQL changed (dbt_project/macros/incremental_years.sql). `dbt_code_files` also tells
`pipelines.dbt_assets.prepare_manifest` whether target/manifest.json is older than the code.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT

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
