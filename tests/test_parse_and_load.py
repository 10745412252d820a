"""Typing, row rules and loading into a real DuckDB file: quarantine, idempotence, partitions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import load_source, migrate_load_log
from pipelines.lib.contracts import ACCIDENTS, DENOMINATORS, FIRES

HEADER = "accident_id,occurred_at,region_code,sector,category,deaths,missing,injuries,report_kind,reported_at"
RANGE = (dt.date(2011, 1, 1), dt.date(2026, 10, 1))
Q1_2021 = (dt.date(2021, 1, 1), dt.date(2021, 4, 1))


def _drop(root: Path, folder: str, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _load(con, source, root, window=None, load_id="L1"):
    return load_source(con, source, root, load_id, window=window, date_range=RANGE, progress=lambda _m: None)


@pytest.fixture
def con(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "wh.duckdb"))
    yield c
    c.close()


def test_bad_rows_are_quarantined_with_file_row_rule_and_bilingual_message(tmp_path: Path, con) -> None:
    _drop(
        tmp_path,
        "accidents",
        "liandu_2021Q1.csv",
        [
            HEADER,
            "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00",
            "A2,2021-02-05 10:00,331102,建筑业,坍塌,-1,0,0,快报,2021-02-05 12:00",  # negative count
            "A3,2021-02-30 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-03-01 12:00",  # no such date
            "A4,2021-03-05 10:00,999999,建筑业,坍塌,1,0,0,快报,2021-03-05 12:00",  # unknown region
            "A5,2021-03-06 10:00,331102,建筑业,坍塌,1,0,0,速报,2021-03-06 12:00",  # unknown report kind
            "A6,2030-03-06 10:00,331102,建筑业,坍塌,1,0,0,快报,2030-03-06 12:00",  # future date
        ],
    )
    result = _load(con, ACCIDENTS, tmp_path)
    assert con.execute("SELECT accident_id FROM raw.accidents").fetchall() == [("A1",)]
    rejects = con.execute(
        "SELECT file_path, row_number, rule, message_zh, message_en FROM raw.rejects ORDER BY row_number"
    ).fetchall()
    assert [(r[1], r[2]) for r in rejects] == [
        (3, "negative_value"),
        (4, "bad_datetime"),
        (5, "unknown_region"),
        (6, "unknown_report_kind"),
        (7, "date_out_of_range"),
    ]
    assert all(r[0] == "accidents/liandu_2021Q1.csv" and r[3] and r[4] for r in rejects)
    assert "负数" in rejects[0][3] and "negative" in rejects[0][4]
    assert result.files[0].status == "partial" and result.files[0].rows_accepted == 1
    log = con.execute("SELECT rows_read, rows_accepted, rows_rejected, status FROM raw.load_log").fetchall()
    assert log == [(6, 1, 5, "partial")]


def test_rerun_replaces_rows_instead_of_duplicating(tmp_path: Path, con) -> None:
    _drop(
        tmp_path,
        "accidents",
        "a.csv",
        [HEADER, "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00"],
    )
    _load(con, ACCIDENTS, tmp_path, window=Q1_2021, load_id="L1")
    _load(con, ACCIDENTS, tmp_path, window=Q1_2021, load_id="L2")
    rows = con.execute("SELECT accident_id, _load_id, _file_path, _row_number FROM raw.accidents").fetchall()
    assert rows == [("A1", "L2", "accidents/a.csv", 2)]
    assert con.execute("SELECT count(*) FROM raw.rejects").fetchone() == (0,)


def test_a_partition_run_touches_only_its_window(tmp_path: Path, con) -> None:
    _drop(
        tmp_path,
        "accidents",
        "a.csv",
        [
            HEADER,
            "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00",
            "A2,2021-05-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-05-05 12:00",
        ],
    )
    _load(con, ACCIDENTS, tmp_path, window=(dt.date(2021, 1, 1), dt.date(2022, 1, 1)))
    # A corrected file for Q1 only changes Q1 rows; Q2 stays as loaded.
    _drop(
        tmp_path,
        "accidents",
        "a.csv",
        [HEADER, "A1,2021-01-05 10:00,331102,建筑业,坍塌,2,0,0,快报,2021-01-05 12:00"],
    )
    result = _load(con, ACCIDENTS, tmp_path, window=Q1_2021, load_id="L2")
    assert result.rows_deleted == 1 and result.rows_inserted == 1
    assert con.execute("SELECT accident_id, deaths FROM raw.accidents ORDER BY 1").fetchall() == [
        ("A1", 2),
        ("A2", 1),
    ]


def test_duplicate_ids_across_files_are_rejected_naming_the_first(tmp_path: Path, con) -> None:
    header = "fire_id,occurred_at,region_code,place_type,cause,deaths,injuries"
    _drop(tmp_path, "fires", "a.csv", [header, "F1,2021-01-05 10:00,331102,住宅,电气,0,0"])
    _drop(
        tmp_path,
        "fires",
        "b.csv",
        [header, "F2,2021-01-06 10:00,331102,住宅,用火不慎,0,0", "F1,2021-01-05 10:00,331102,住宅,电气,0,0"],
    )
    _load(con, FIRES, tmp_path)
    assert con.execute("SELECT fire_id FROM raw.fires ORDER BY 1").fetchall() == [("F1",), ("F2",)]
    rule, msg = con.execute("SELECT rule, message_en FROM raw.rejects").fetchone()
    assert rule == "duplicate_key" and "fires/a.csv row 2" in msg


def test_rejected_whole_file_loses_nothing_already_loaded(tmp_path: Path, con) -> None:
    header = "region_code,period,measure,value,unit,released_on,source"
    _drop(tmp_path, "denominators", "pop.csv", [header, "331102,2020,population,55.1,万人,2021-03-01,x"])
    _load(con, DENOMINATORS, tmp_path)
    before = con.execute("SELECT * FROM raw.denominators").fetchall()
    _drop(
        tmp_path, "denominators", "pop.csv", ["region_code,period,value", "331102,2020,1"]
    )  # broken resubmission
    result = _load(con, DENOMINATORS, tmp_path, load_id="L2")
    assert result.files_rejected and result.files_rejected[0].message_en.startswith(
        "Missing required columns"
    )
    assert con.execute("SELECT * FROM raw.denominators").fetchall() == before
    assert con.execute("SELECT rule FROM raw.rejects").fetchall() == [("file_rejected",)]


def test_units_and_measures_are_checked_in_long_format(tmp_path: Path, con) -> None:
    header = "region_code,period,measure,value,unit,released_on,source"
    _drop(
        tmp_path,
        "denominators",
        "d.csv",
        [
            header,
            "331102,2020,population,55.1,万人,2021-03-01,x",
            "331102,2019,常住人口(年末),54.9,万人,2020-03-01,x",  # Chinese measure name maps to the code
            "331102,2020,population,55.1,万元,2021-03-01,x",  # wrong dimension
            "331102,2020,populaton,55.1,万人,2021-03-01,x",  # typo in the code
            "331102,2020Q5,population,55.1,万人,2021-03-01,x",  # no such period
        ],
    )
    _load(con, DENOMINATORS, tmp_path)
    assert (
        con.execute("SELECT measure, unit FROM raw.denominators").fetchall() == [("population", "万人")] * 2
    )
    assert [r[0] for r in con.execute("SELECT rule FROM raw.rejects ORDER BY row_number").fetchall()] == [
        "unit_mismatch",
        "unknown_measure",
        "bad_period",
    ]


def test_every_quarantine_path_keeps_the_whole_row(tmp_path: Path, con) -> None:
    """Row rules, region check, date range and duplicates: each reject holds its row's cells,
    including a column outside the contract (备注), in file order."""
    _drop(
        tmp_path,
        "accidents",
        "liandu_2021Q1.csv",
        [
            HEADER + ",备注",
            "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00,ok",
            "A2,2021-02-05 10:00,331102,建筑业,坍塌,-1,0,0,快报,2021-02-05 12:00,negative",
            "A4,2021-03-05 10:00,999999,建筑业,坍塌,1,0,0,快报,2021-03-05 12:00,region",
            "A6,2030-03-06 10:00,331102,建筑业,坍塌,1,0,0,快报,2030-03-06 12:00,future",
            "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00,  dup  ",
        ],
    )
    _load(con, ACCIDENTS, tmp_path)
    got = con.execute("SELECT row_number, rule, row_content FROM raw.rejects ORDER BY row_number").fetchall()
    assert [(n, rule) for n, rule, _c in got] == [
        (3, "negative_value"),
        (4, "unknown_region"),
        (5, "date_out_of_range"),
        (6, "duplicate_key"),
    ]
    import json

    for _n, _rule, content in got:
        row = json.loads(content)
        assert list(row) == [*HEADER.split(","), "备注"]
    assert json.loads(got[0][2])["deaths"] == "-1"
    assert json.loads(got[3][2])["备注"] == "  dup  "  # columns outside the contract: exactly as read


def test_refresh_report_names_each_file_with_rejected_rows(tmp_path: Path, con) -> None:
    from pipelines.publish import write_report

    row = "{},2021-01-05 10:00,331102,建筑业,坍塌,{},0,0,快报,2021-01-05 12:00"
    _drop(tmp_path, "accidents", "a_2021Q1.csv", [HEADER, row.format("A1", 1), row.format("A2", -1)])
    _drop(tmp_path, "accidents", "b_2021Q1.csv", [HEADER, row.format("B1", -1), row.format("B2", -2)])
    _drop(tmp_path, "accidents", "c_2021Q1.csv", [HEADER, row.format("C1", 1)])
    _load(con, ACCIDENTS, tmp_path)
    con.execute("CREATE SCHEMA history")
    report = write_report(con, "run-1", dt.datetime(2026, 1, 1), None, 0)
    assert "3 rejected (see quality.rejects)" in report
    assert "accidents/a_2021Q1.csv: 拒收 1 行 / 1 row(s) rejected" in report
    assert "accidents/b_2021Q1.csv: 拒收 2 行 / 2 row(s) rejected" in report
    assert "c_2021Q1.csv" not in report


def test_the_load_log_records_the_file_name_period_and_old_logs_are_migrated(tmp_path: Path, con) -> None:
    """The loader is the one parser of the period in a file name; dbt and the dashboard read it
    from raw.load_log. A warehouse whose load log predates the columns gets them filled the same."""
    row = "A1,2021-01-05 10:00,331102,建筑业,坍塌,1,0,0,快报,2021-01-05 12:00"
    _drop(tmp_path, "accidents", "331102_2021Q1.csv", [HEADER, row])
    _drop(tmp_path, "accidents", "331102_2021Q1_2021Q2.csv", [HEADER, row.replace("A1", "A2")])
    _drop(tmp_path, "accidents", "no_period.csv", [HEADER, row.replace("A1", "A3")])
    _load(con, ACCIDENTS, tmp_path, window=Q1_2021)
    query = "SELECT file_path, file_period, file_period_start, file_period_end FROM raw.load_log ORDER BY 1"
    fresh = con.execute(query).fetchall()
    assert fresh == [
        ("accidents/331102_2021Q1.csv", "2021Q1", dt.date(2021, 1, 1), dt.date(2021, 4, 1)),
        ("accidents/331102_2021Q1_2021Q2.csv", None, None, None),  # two periods: none is taken
        ("accidents/no_period.csv", None, None, None),
    ]
    for column in ("file_period", "file_period_start", "file_period_end"):
        con.execute(f"ALTER TABLE raw.load_log DROP COLUMN {column}")
    migrate_load_log(con)
    assert con.execute(query).fetchall() == fresh
    migrate_load_log(con)  # a second call finds the columns and does nothing
    assert con.execute(query).fetchall() == fresh
