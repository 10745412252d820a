"""How this project calls the dbt command line outside Dagster (parse, as-of runs, docs).

A light module on purpose: it imports neither Dagster nor dbt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, warehouse_path


def dbt_executable() -> str:
    """The dbt of this virtual environment (never one found on PATH)."""
    return str(Path(sys.executable).with_name("dbt"))


def dbt_args(*command: str, target_path: Path | None = None) -> list[str]:
    """`dbt <command> --quiet` on this project and its profile; a separate target path keeps
    scratch runs from overwriting the manifest Dagster reads."""
    args = [
        dbt_executable(),
        *command,
        "--quiet",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    return args


def dbt_env(warehouse: Path | None = None) -> dict[str, str]:
    """This process's environment, with the warehouse dbt's profile opens (SAFETY_WAREHOUSE):
    `warehouse`, else the configured one."""
    return {
        **os.environ,
        "SAFETY_WAREHOUSE": str(warehouse or warehouse_path()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
