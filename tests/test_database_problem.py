"""`database_problem`: a damaged DuckDB file is found before a refresh writes to it, wherever the
damage lies (real DuckDB files, cut short at several places)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.duck import database_problem


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few MiB, closed cleanly (no WAL), laid out as a warehouse that has been rewritten: the
    latest metadata in blocks freed near the start, a table's data at the end of the file."""
    path = tmp_path_factory.mktemp("db") / "wh.duckdb"
    con = duckdb.connect(str(path))
    table = "SELECT range AS i, md5(range::varchar) AS s FROM range(200000)"
    con.execute(f"CREATE TABLE a AS {table}")
    con.execute("CHECKPOINT")
    con.execute(f"CREATE TABLE b AS {table}")
    con.execute("CHECKPOINT")
    con.execute("CREATE OR REPLACE TABLE a AS SELECT * FROM a LIMIT 10")  # a model rebuilt
    con.execute("CHECKPOINT")
    con.close()
    return path


def test_a_sound_file_an_empty_one_and_a_missing_one_have_no_problem(database: Path, tmp_path: Path) -> None:
    assert database_problem(database) is None
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert database_problem(empty) is None
    assert database_problem(tmp_path / "absent.duckdb") is None


@pytest.mark.parametrize("kept", [0.99, 0.9, 0.75, 0.5, 0.25, 0.05])
def test_a_file_cut_short_anywhere_is_a_problem(database: Path, tmp_path: Path, kept: float) -> None:
    """Cut behind the metadata the tables still open and count; the block count finds it."""
    cut = tmp_path / "cut.duckdb"
    shutil.copyfile(database, cut)
    with cut.open("r+b") as fh:
        fh.truncate(int(database.stat().st_size * kept))
    problem = database_problem(cut)
    assert problem is not None and ("truncated" in problem or "Error" in problem), problem
