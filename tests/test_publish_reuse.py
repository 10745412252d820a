"""A publish starts from the current serving copy and rewrites only what changed in the marts (the
changed years of a table with a `year` column, the whole of any other changed table): the copy
equals a full copy of the same warehouse, table for table and comment for comment, and a serving
copy whose content no longer matches its stored fingerprints is caught and written from nothing.
Real DuckDB files: the fast tier's national warehouse, copied."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib import table_fingerprints
from pipelines.publish import FINGERPRINTS, publish
from tests.conftest import FIXTURES, assert_years_in_runs_sorted_by_region, attached

RAW = FIXTURES / "national_only"


@pytest.fixture
def warehouse(national_warehouse: Path, tmp_path: Path) -> Path:
    wh = tmp_path / "wh" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copyfile(national_warehouse, wh)
    return wh


def _marts(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        ]
    finally:
        con.close()


def assert_same_marts(a: Path, b: Path) -> None:
    """Same mart tables, the same rows (EXCEPT ALL both ways), the same comments."""
    assert sorted(_marts(a)) == sorted(_marts(b))
    with attached(a=a, b=b) as con:
        for table in _marts(a):
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {x}.marts.{table} EXCEPT ALL SELECT * FROM {y}.marts.{table})"
                ).fetchone()[0]  # type: ignore[index]
                assert extra == 0, (table, x, y)
        comments = [
            con.execute(
                "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
                f"WHERE database_name = '{db}' AND comment IS NOT NULL ORDER BY ALL"
            ).fetchall()
            + con.execute(
                "SELECT schema_name, table_name, NULL, comment FROM duckdb_tables() "
                f"WHERE database_name = '{db}' AND comment IS NOT NULL ORDER BY ALL"
            ).fetchall()
            for db in ("a", "b")
        ]
        assert comments[0] == comments[1]
        assert comments[0], "the serving copy is described"


def test_a_publish_rewrites_only_what_changed_and_equals_a_full_copy(warehouse: Path, tmp_path: Path) -> None:
    serving = tmp_path / "serving" / "serving.duckdb"
    first = publish(warehouse, serving, RAW, run_id="r1")
    assert first["tables_kept"] == 0 and first["years_rewritten"] == 0  # no copy to start from
    n_marts = len(_marts(warehouse))
    assert first["tables_rewritten"] == n_marts > 10

    again = publish(warehouse, serving, RAW, run_id="r2")
    assert (again["tables_kept"], again["tables_rewritten"], again["years_rewritten"]) == (n_marts, 0, 0)

    con = duckdb.connect(str(warehouse))
    try:
        years = [
            y
            for (y,) in con.execute(
                "SELECT DISTINCT year FROM marts.fct_indicator_values WHERE year IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        assert len(years) >= 3
        # one year's values change, another year's values go, a year appears; a table gets a
        # column (rewritten whole), one is dropped, one is new
        con.execute(f"UPDATE marts.fct_indicator_values SET value = value + 1 WHERE year = {years[0]}")
        con.execute(f"DELETE FROM marts.fct_indicator_values WHERE year = {years[1]}")
        con.execute(
            "INSERT INTO marts.fct_indicator_values SELECT * REPLACE (2099 AS year) FROM marts.fct_indicator_values "
            f"WHERE year = {years[2]}"
        )
        con.execute("ALTER TABLE marts.dim_indicators ADD COLUMN extra INTEGER DEFAULT 7")
        con.execute("DROP TABLE marts.fct_reconciliation")
        con.execute("CREATE TABLE marts.fct_new AS SELECT 2024 AS year, 'x' AS note")
    finally:
        con.close()

    changed = publish(warehouse, serving, RAW, run_id="r3")
    assert changed["years_rewritten"] == 3  # the three years of fct_indicator_values
    assert changed["tables_rewritten"] == 2  # dim_indicators (reshaped), fct_new (new)
    assert changed["tables_kept"] == n_marts - 1 - 2  # fct_reconciliation gone
    assert "fct_reconciliation" not in _marts(serving)

    full = tmp_path / "full" / "serving.duckdb"
    counts = publish(warehouse, full, RAW, run_id="r4", full_copy=True)
    assert counts["tables_kept"] == 0
    assert_same_marts(serving, full)
    for copy in (serving, full):  # a year rewritten in place keeps the layout of a full copy
        # (the national drop has no breakdowns: test_refresh_sample checks them)
        assert_years_in_runs_sorted_by_region(copy, "fct_indicator_values", ["region_code", "indicator_code"])
    con = duckdb.connect(str(serving), read_only=True)
    try:
        stored = table_fingerprints.read(con, FINGERPRINTS)
        assert stored["marts.fct_indicator_values"].parts[2099][0] > 0
        assert stored["marts.fct_indicator_values"] == table_fingerprints.fingerprint(
            con, "serving", "marts", "fct_indicator_values"
        )
    finally:
        con.close()


def test_a_serving_copy_that_no_longer_matches_its_fingerprints_is_rewritten_whole(
    warehouse: Path, tmp_path: Path
) -> None:
    serving = tmp_path / "serving" / "serving.duckdb"
    publish(warehouse, serving, RAW, run_id="r1")
    # the serving copy is changed behind the publisher's back: a value of a kept table
    os.chmod(serving, 0o644)
    con = duckdb.connect(str(serving))
    try:
        con.execute("UPDATE marts.fct_indicator_values SET value = -1 WHERE value IS NOT NULL")
    finally:
        con.close()
    os.chmod(serving, 0o444)

    counts = publish(warehouse, serving, RAW, run_id="r2")
    assert counts["tables_kept"] == 0  # the reuse was caught and the copy written from nothing
    with attached(s=serving) as con:
        tampered = con.execute(
            "SELECT count(*) FROM s.marts.fct_indicator_values WHERE value = -1"
        ).fetchone()
        assert tampered == (0,)
    full = tmp_path / "full" / "serving.duckdb"
    publish(warehouse, full, RAW, run_id="r3", full_copy=True)
    assert_same_marts(serving, full)
    assert oct(serving.stat().st_mode & 0o777) == "0o444"
    assert not list(serving.parent.glob(".*.tmp*"))  # nothing left of the first attempt


def test_fingerprints_find_the_changed_years_including_rows_without_a_year(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "f.duckdb"))
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (2020, 1.5), (2021, 2.0), (NULL, 3.0)) v(year, x)")
    con.execute("CREATE TABLE u AS SELECT 1 AS n")
    con.execute("CREATE TABLE e (year INTEGER, x DOUBLE)")
    before = {t: table_fingerprints.fingerprint(con, "f", "main", t) for t in ("t", "u", "e")}
    assert before["t"].partitioned and not before["u"].partitioned and before["e"].parts == {}
    table_fingerprints.write(con, "prints", before)
    assert table_fingerprints.read(con, "prints") == before  # empty tables and 64-bit-plus sums too

    con.execute("UPDATE t SET x = 4.0 WHERE year IS NULL")
    con.execute("INSERT INTO t VALUES (2021, 2.0)")  # a repeated row counts
    con.execute("INSERT INTO e VALUES (2030, 1.0)")
    after = {t: table_fingerprints.fingerprint(con, "f", "main", t) for t in ("t", "u", "e")}
    assert after["t"].changed_years(before["t"]) == {None, 2021}
    assert after["u"].changed_years(before["u"]) == set()
    assert after["e"].changed_years(before["e"]) == {2030}
    assert after["t"].changed_years(None) is None
    where = table_fingerprints.year_predicate({None, 2021})
    assert where == "year IN (2021) OR year IS NULL"
    assert con.execute(f"SELECT count(*) FROM t WHERE {where}").fetchone()[0] == 3  # type: ignore[index]
    assert table_fingerprints.year_predicate(set()) == "false"
    con.execute("ALTER TABLE u ADD COLUMN m INTEGER")
    assert table_fingerprints.fingerprint(con, "f", "main", "u").changed_years(before["u"]) is None
    con.close()
