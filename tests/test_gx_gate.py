"""The Great Expectations gate validates the rows a run loaded: all of them up to a bound, a
seeded sample of that many above it (pipelines/quality/gx_checks.rows_to_validate)."""

from __future__ import annotations

import duckdb

from pipelines.lib.contracts import FIRES
from pipelines.quality import gx_checks


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.fires (fire_id VARCHAR, _load_id VARCHAR)")
    con.execute("INSERT INTO raw.fires SELECT 'F' || i, 'run-1' FROM range(1000) t(i)")
    con.execute("INSERT INTO raw.fires SELECT 'G' || i, 'run-0' FROM range(7) t(i)")  # an earlier run
    return con


def test_every_row_of_the_run_is_validated_up_to_the_bound() -> None:
    con = _warehouse()
    cur, loaded = gx_checks.rows_to_validate(con, FIRES, "run-1", max_rows=1000)
    rows = cur.fetchall()
    assert loaded == 1000 and len(rows) == 1000
    assert {r[1] for r in rows} == {"run-1"}


def test_above_the_bound_a_repeatable_sample_of_the_runs_rows_is_validated() -> None:
    con = _warehouse()
    cur, loaded = gx_checks.rows_to_validate(con, FIRES, "run-1", max_rows=100)
    first = sorted(r[0] for r in cur.fetchall())
    assert loaded == 1000 and len(first) == 100 and len(set(first)) == 100
    assert all(f.startswith("F") for f in first)  # only this run's rows
    cur, _ = gx_checks.rows_to_validate(con, FIRES, "run-1", max_rows=100)
    assert sorted(r[0] for r in cur.fetchall()) == first  # seeded: the same sample again
