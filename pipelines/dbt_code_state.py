"""One hash of the dbt code: every file dbt reads (models, macros, seeds, tests,
dbt_project.yml, profiles.yml), the Python the build runs (the DuckDB UDFs, the Python models
and every project module they import) and the versions of dbt and DuckDB.

A refresh passes it to dbt as the env var SAFETY_DBT_CODE_HASH: the year-incremental marts
rebuild every year when it differs from the hash of their last build, not only when their own
SQL changed (dbt_project/macros/incremental_years.sql). `dbt_code_files` also tells
`pipelines.dbt_assets.prepare_manifest` whether target/manifest.json is older than the code.
"""

from __future__ import annotations

import ast
import hashlib
from importlib.metadata import version
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, PROJECT_ROOT

_DBT_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
# Python the dbt build runs: the profile's UDF plugin and the Python models, with every module of
# the project they import, directly or not (`python_files`).
_PYTHON_ROOTS = ("pipelines/dbt_udfs.py",)
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


def dbt_code_files() -> list[Path]:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for sub in _DBT_DIRS:
        paths += sorted(p for p in (DBT_PROJECT_DIR / sub).rglob("*") if p.is_file())
    return [p for p in paths if p.exists()]


def _project_imports(path: Path) -> set[Path]:
    """The project's modules (`pipelines.*`) that the Python file `path` imports."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.split(".")[0] != "pipelines":
                continue
            module = PROJECT_ROOT.joinpath(*name.split("."))
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                if candidate.is_file():
                    found.add(candidate)
    return found


def python_files() -> list[Path]:
    """The UDF plugin and the dbt Python models, and every project module they import
    transitively: a change to any of them changes what the build computes."""
    todo = [PROJECT_ROOT / p for p in _PYTHON_ROOTS]
    todo += sorted((DBT_PROJECT_DIR / "models").rglob("*.py"))
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        todo.extend(_project_imports(path) - seen)
    return sorted(seen)


def dbt_code_hash() -> str:
    h = hashlib.sha256()
    python = [p for p in python_files() if not p.is_relative_to(DBT_PROJECT_DIR)]  # models: already in
    for path in [*dbt_code_files(), *python]:
        h.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for package in _PACKAGES:
        h.update(f"{package}=={version(package)}\0".encode())
    return h.hexdigest()
