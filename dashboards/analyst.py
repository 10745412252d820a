"""Analyst access from the dashboard: every query of the SQL workbench and the indicator
registry's SQL goes through the sealed sandbox (pipelines/sandbox_process.py, docs/sql_sandbox.md):
one read-only statement, run in a fresh child process that cannot write, with row, byte, time,
memory and concurrency limits, never through the dashboard's own connection."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards.i18n import t
from pipelines.catalog import ANALYST_SCHEMAS
from pipelines.data_dictionary import OUTPUT as DICTIONARY_FILE
from pipelines.data_dictionary import URL as DICTIONARY_URL
from pipelines.sandbox import QueryResult
from pipelines.sandbox_process import run_query_isolated

MAX_ROWS = 10_000
TIMEOUT_S = 30.0
MAX_BYTES = 16 * 1024 * 1024  # JSON bytes of a result the dashboard reads at most
TTL_SECONDS = 600


def serving_of(db: str) -> Path:
    """The serving file behind a data.db_token() ('path|mtime_ns')."""
    return Path(db.rsplit("|", 1)[0])


def run(db: str, sql: str) -> QueryResult:
    return run_query_isolated(
        serving_of(db), sql, max_rows=MAX_ROWS, timeout_s=TIMEOUT_S, max_bytes=MAX_BYTES
    )


def frame(result: QueryResult) -> pd.DataFrame:
    return pd.DataFrame.from_records(result.rows, columns=result.columns)


_IN_SCHEMAS = ", ".join(f"'{s}'" for s in ANALYST_SCHEMAS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def schema_tables(db: str) -> pd.DataFrame:
    """Tables of the analyst schemas with their description (comments written at publish)."""
    return frame(
        run(
            db,
            "SELECT schema_name || '.' || table_name AS table_name, coalesce(comment, '') AS description, "
            "estimated_size AS approx_rows FROM duckdb_tables() "
            f"WHERE database_name = current_database() AND schema_name IN ({_IN_SCHEMAS}) "
            "ORDER BY array_position(['marts', 'quality', 'meta'], schema_name), table_name",
        )
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def schema_columns(db: str, table: str) -> pd.DataFrame:
    schema, name = table.split(".", 1)
    return frame(
        run(
            db,
            "SELECT column_name, data_type, coalesce(comment, '') AS description FROM duckdb_columns() "
            f"WHERE database_name = current_database() AND schema_name = '{schema}' "
            f"AND table_name = '{name}' ORDER BY column_index",
        )
    )


def dictionary_link(lang: str) -> None:
    """The data dictionary (make docs), served by Streamlit's static file serving."""
    if DICTIONARY_FILE.exists():
        st.markdown(f"[{t('wb_dictionary', lang)}]({DICTIONARY_URL})")
    else:
        st.caption(t("wb_dictionary_missing", lang))
