"""Indicators "as known on" a past date: the marts rebuilt on a scratch copy of the warehouse
with the dbt var `as_of`, so rows reported or released later are ignored (later 补报, 核销,
续报/核报, later releases of report tables and denominators). The warehouse is not touched."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.dbt_cli import dbt_args, dbt_env
from pipelines.lib.writer import writer_lock
from pipelines.settings import DBT_PROJECT_DIR, warehouse_path

log = logging.getLogger("safety_stats.asof")


def build_as_of(as_of: dt.date, workdir: Path | None = None) -> Path:
    """Returns the path of a scratch DuckDB holding marts computed as known on `as_of`."""
    scratch_dir = workdir or Path(tempfile.mkdtemp(prefix="asof-"))
    scratch = scratch_dir / f"asof_{as_of.isoformat()}.duckdb"
    with writer_lock():  # copy a consistent file: no refresh may be writing it
        shutil.copyfile(warehouse_path(), scratch)
    log.info("rebuilding marts as known on %s in %s", as_of, scratch)
    subprocess.run(
        [
            *dbt_args("run", target_path=scratch_dir / "dbt_target"),
            "--vars",
            json.dumps({"as_of": as_of.isoformat()}),
            "--select",
            "+fct_indicator_values +fct_plan_progress",
        ],
        check=True,
        env=dbt_env(scratch),
        cwd=DBT_PROJECT_DIR,
    )
    return scratch
