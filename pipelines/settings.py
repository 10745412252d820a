"""Paths and switches, read from the environment so the CLI, Dagster and tests agree.

SAFETY_RAW         raw drop to load (default: the embedded sample raw/sample)
SAFETY_WAREHOUSE   the writer's DuckDB file (default: .warehouse/warehouse.duckdb)
SAFETY_SERVING     the published read-only copy (default: serving.duckdb beside the warehouse)
SAFETY_PUBLIC_SERVING  serving copy of the public 全国 layer raw/public (default:
                   .warehouse/public/serving.duckdb), the dashboard's benchmark; absent = none
SAFETY_DUCKDB_MEMORY  DuckDB memory limit of the writer's connections and dbt (default 1536MB)
SAFETY_DUCKDB_MAX_SPILL  cap on DuckDB's spill files (its max_temp_directory_size) of the writer's
                   connections and dbt (default 20GiB; read by dbt_project/profiles.yml too):
                   a build that needs more fails with a message naming this variable instead of
                   filling the disk (DuckDB's own default: 90% of the free disk)
SAFETY_DBT_THREADS dbt models built at once (default 2; read by dbt_project/profiles.yml); 1 at
                   national county scale, where two large models at once outgrow the memory limit
SAFETY_DBT_YEAR_BATCH_ROWS  base values the indicator-value chain computes per statement (default
                   600000, sized for the default memory limit; read by dbt_project/macros/marts/
                   fct_indicator_values_inputs.sql): a build of more years than that is cut into
                   batches of whole years, and a year of more into ranges of provinces
SAFETY_DBT_BREAKDOWN_BATCH_ROWS  estimated rows fct_breakdowns computes per statement (default
                   6000000, about three years of a national drop; read by dbt_project/macros/
                   marts/fct_breakdowns_inputs.sql): a build of more runs in batches of whole years
SAFETY_HOME_REGION the deployment's own region (GB/T 2260 code) where the dashboard opens (default:
                   none, the dashboard picks the region with the richest complete data)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SAMPLE_RAW = PROJECT_ROOT / "raw" / "sample"
# First quarter of the partition set: the 十二五 plan start, so 2011-2015 records can load.
FIRST_QUARTER_START = "2011-01-01"


def raw_root() -> Path:
    return Path(os.environ.get("SAFETY_RAW", SAMPLE_RAW)).resolve()


def warehouse_path() -> Path:
    return Path(
        os.environ.get("SAFETY_WAREHOUSE", PROJECT_ROOT / ".warehouse" / "warehouse.duckdb")
    ).resolve()


def serving_path() -> Path:
    default = warehouse_path().with_name("serving.duckdb")
    return Path(os.environ.get("SAFETY_SERVING", default)).resolve()


def public_serving_path() -> Path:
    """Serving copy of the warehouse built from raw/public alone (never mixed with the sample)."""
    default = PROJECT_ROOT / ".warehouse" / "public" / "serving.duckdb"
    return Path(os.environ.get("SAFETY_PUBLIC_SERVING", default)).resolve()


def duckdb_memory_limit() -> str:
    """DuckDB memory limit of the pipeline's connections (dbt's profile reads the same variable)."""
    return os.environ.get("SAFETY_DUCKDB_MEMORY", "1536MB")


# dbt_project/profiles.yml repeats this default (it cannot import Python);
# tests/test_spill_guard.py pins that both agree.
DEFAULT_DUCKDB_MAX_SPILL = "20GiB"


def duckdb_max_spill() -> str:
    """Cap on the spill files of the pipeline's DuckDB connections and dbt (DuckDB's
    max_temp_directory_size; dbt's profile reads the same variable)."""
    return os.environ.get("SAFETY_DUCKDB_MAX_SPILL", DEFAULT_DUCKDB_MAX_SPILL)


def gx_max_rows() -> int:
    """Rows of one run the Great Expectations gate validates per source (SAFETY_GX_MAX_ROWS);
    above it, a seeded sample of this many (pipelines/quality/gx_checks.rows_to_validate)."""
    return int(os.environ.get("SAFETY_GX_MAX_ROWS", "512000"))


def home_region() -> str | None:
    """The bureau's own region code (SAFETY_HOME_REGION), or None when not configured. Only the
    text is read here: the dashboard checks it against the region registry (dashboards/state.py)."""
    code = os.environ.get("SAFETY_HOME_REGION", "").strip()
    return code or None


def is_sample(raw: Path | None = None) -> bool:
    return (raw or raw_root()) == SAMPLE_RAW.resolve()


def quiet_telemetry() -> None:
    """No network at run time: switch off dagster, dbt, GX and Streamlit telemetry."""
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
