"""Analysts' SQL on the serving copy, read-only by construction (not by string filtering):
a read-only DuckDB connection with external access, extension loading and configuration
changes switched off, a row limit and a time limit."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

SANDBOX_CONFIG = {
    "enable_external_access": False,  # no file system, no ATTACH, no COPY TO, no httpfs
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,  # SET / PRAGMA cannot switch any of this back on
}


class QueryRefused(Exception):
    """The query was refused or failed; the message is bilingual."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def open_sandbox(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True, config=dict(SANDBOX_CONFIG))  # type: ignore[arg-type]


def run_query(path: Path, sql: str, max_rows: int = 10_000, timeout_s: float = 30.0) -> QueryResult:
    con = open_sandbox(path)
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return QueryResult([], [], False)
        rows = cur.fetchmany(max_rows + 1)
        return QueryResult([d[0] for d in cur.description], rows[:max_rows], len(rows) > max_rows)
    except duckdb.InterruptException as exc:
        raise QueryRefused(
            f"查询超过时间限制 {timeout_s:g} 秒,已中止 / Query stopped after the {timeout_s:g} s limit"
        ) from exc
    except duckdb.Error as exc:
        raise QueryRefused(f"查询被拒绝或出错 / Query refused or failed: {exc}") from exc
    finally:
        timer.cancel()
        con.close()
