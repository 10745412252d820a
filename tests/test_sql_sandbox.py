"""Analysts' SQL is read-only by construction: writes, file access, ATTACH, extensions and
configuration changes are refused; row and time limits hold; ordinary SELECTs work."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.sandbox import QueryRefused, run_query
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "serving.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_indicator_values AS SELECT range AS value, 'x' AS region_code FROM range(100)"
    )
    con.close()
    return path


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE marts.t AS SELECT 1",
        "DELETE FROM marts.fct_indicator_values",
        "COPY marts.fct_indicator_values TO '/tmp/leak.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "ATTACH '/tmp/other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "PRAGMA enable_external_access",
        "SET lock_configuration = false",
    ],
)
def test_writes_files_attach_extensions_and_config_changes_are_refused(serving: Path, sql: str) -> None:
    with pytest.raises(QueryRefused, match="Query refused"):
        run_query(serving, sql)
    assert not Path("/tmp/leak.csv").exists()


def test_select_works_with_row_limit(serving: Path) -> None:
    r = run_query(serving, "SELECT value FROM marts.fct_indicator_values ORDER BY value", max_rows=10)
    assert r.columns == ["value"] and [row[0] for row in r.rows] == list(range(10)) and r.truncated


def test_time_limit_interrupts_a_long_query(serving: Path) -> None:
    with pytest.raises(QueryRefused, match="limit"):
        run_query(serving, "SELECT count(*) FROM range(100000000000) a", timeout_s=0.5)


def test_cli_sql_prints_csv_from_the_serving_copy(serving: Path) -> None:
    proc = run_cli(
        "sql",
        "SELECT count(*) AS n FROM marts.fct_indicator_values",
        "--warehouse",
        str(serving.with_name("warehouse.duckdb")),
    )
    assert proc.stdout.splitlines() == ["n", "100"]
    refused = run_cli(
        "sql",
        "COPY marts.fct_indicator_values TO '/tmp/x.csv'",
        "--warehouse",
        str(serving.with_name("warehouse.duckdb")),
        check=False,
    )
    assert refused.returncode == 1 and "Query refused" in refused.stderr
