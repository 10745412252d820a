"""A running dashboard sees a newly published serving copy (publishing is an atomic rename onto
the same path; DuckDB would hand the process the replaced database if it opened it by path)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from dashboards import data


def _publish(path: Path, value: int) -> None:
    tmp = path.with_suffix(".tmp")
    con = duckdb.connect(str(tmp))
    con.execute(f"CREATE SCHEMA meta; CREATE TABLE meta.refresh AS SELECT {value} AS run_id")
    con.close()
    os.replace(tmp, path)


def test_a_new_publish_is_read_while_the_old_connection_is_still_cached(tmp_path: Path) -> None:
    path = tmp_path / "serving.duckdb"
    _publish(path, 1)
    first = data.db_token(path)
    assert first is not None
    assert data._query(first, "SELECT run_id FROM meta.refresh")["run_id"].tolist() == [1]
    os.utime(path, ns=(1, 1))  # a distinct mtime for the next copy, however fast this runs
    _publish(path, 2)
    second = data.db_token(path)
    assert second is not None and second != first
    # the first connection is still in the cache (max_entries=2) and holds the old file open
    assert data._query(second, "SELECT run_id FROM meta.refresh")["run_id"].tolist() == [2]
    assert data._query(first, "SELECT run_id FROM meta.refresh")["run_id"].tolist() == [1]
