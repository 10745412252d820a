"""Incremental refresh gives exactly the numbers of a full refresh, and does only the new work.

A copy of the embedded sample is refreshed without its 2026Q3 record files, with one 2025Q1
fires file cut short and one extra fires file. Then the 2026Q3 files arrive (their 补报 and
续报/核报 rows revise 2026Q2) with one extra accidents file from a county no source has named
before, and the extra fires file is removed; then the cut file is restored (a corrected
resubmission) and the extra accidents file removed. Each incremental refresh must reload only
the quarters those files touch, the year-incremental models must rebuild only the years whose
inputs changed (a newly named county deepens its province's coverage tree in every year, more
leaves and none covered, without changing a value there), and the end state must be identical,
row for row, to a full refresh of the complete sample.

These refreshes compute the indicator-value chain in batches of whole years and of ranges of
provinces within a year (SAFETY_DBT_YEAR_BATCH_ROWS, what a national drop needs), and
fct_breakdowns in batches of whole years (SAFETY_DBT_BREAKDOWN_BATCH_ROWS), and the full refresh
they are compared with in one statement: the batches must not change a number either.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, attached, run_cli

SAMPLE = ROOT / "raw" / "sample"
RECORD_SOURCES = ("accidents", "road_traffic", "fires", "disasters", "enforcement")
CUT = "fires/371521_阳谷_2025Q1.csv"  # cut to its first 3 rows, restored later (changed file)
EXTRA = "fires/371521_阳谷_补充_2024.csv"  # 2 extra fires, removed later (removed file)
# 3 accidents of 2026Q3 in 杭州 西湖区 (330106), where no source has records or a reporting unit:
# arrives with the 2026Q3 files, removed with the restored cut file
NEW_COUNTY = "accidents/330106_西湖_2026Q3.csv"
COMPARED = ("fct_indicator_values", "fct_breakdowns", "fct_plan_progress", "fct_reconciliation")
# the sample has 7-11 thousand base values a year from 2016 (a few dozen before), about 8,000 of
# them in the national total and provinces 33 and 37: 2011-2015 one batch, each year 2016-2025
# two ranges of provinces (region codes below 45 and from 45), 2026 whole
# fct_breakdowns: about 25,000 estimated rows a year from 2016 (18,700 in 2026), so a batch a year
BATCHED = {"SAFETY_DBT_YEAR_BATCH_ROWS": "9000", "SAFETY_DBT_BREAKDOWN_BATCH_ROWS": "30000"}
BATCHED_MODELS = (
    "int_indicator_values__months",
    "int_indicator_values__statistics",
    "int_indicator_values__months_statistics",
    "fct_indicator_values",
)


def _q(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    tmp = tmp_path_factory.mktemp("incremental")
    drop, held = tmp / "raw", tmp / "held"
    shutil.copytree(SAMPLE, drop)
    held.mkdir()
    for path in sorted(drop.glob("*/*2026Q3*")):
        if path.parent.name in RECORD_SOURCES:
            (held / path.parent.name).mkdir(exist_ok=True)
            path.rename(held / path.parent.name / path.name)
    lines = (SAMPLE / CUT).read_bytes().splitlines(keepends=True)
    (drop / CUT).write_bytes(b"".join(lines[:4]))
    src = (SAMPLE / "fires" / "371521_阳谷_2024.csv").read_bytes().splitlines(keepends=True)
    extra = [src[0]] + [line.replace(b"FI-371521-2024-", b"FI-371521-2024-X") for line in src[1:3]]
    (drop / EXTRA).write_bytes(b"".join(extra))
    beibei = (held / "accidents" / "500109_北碚_2026Q3.csv").read_bytes().splitlines(keepends=True)
    q3 = [
        line.replace(b"500109", b"330106")
        for line in beibei
        if re.match(rb"AC-\d+-2026-\d+,2026-0[789]", line)
    ]
    assert len(q3) == 3
    (held / NEW_COUNTY).write_bytes(beibei[0] + b"".join(q3))

    wh = tmp / "warehouse.duckdb"
    first = run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh), env=BATCHED)

    for path in sorted(held.glob("*/*")):
        path.rename(drop / path.parent.name / path.name)
    (drop / EXTRA).unlink()
    second = run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh), env=BATCHED)
    shutil.copyfile(SAMPLE / CUT, drop / CUT)
    (drop / NEW_COUNTY).unlink()
    third = run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh), env=BATCHED)
    logs = (first, second, third)
    return wh, *(p.stdout + p.stderr for p in logs)  # type: ignore[return-value]


def _windows(wh: Path) -> dict[str, set[dt.date]]:
    """Quarters each record source reloaded in the last refresh (from raw.load_windows)."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            "SELECT source, window_start, window_end FROM raw.load_windows "
            "WHERE replaced_at > (SELECT max(replaced_at) FROM raw.load_windows "
            "  WHERE load_id = (SELECT arg_min(load_id, replaced_at) FROM raw.load_windows))"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, set[dt.date]] = {}
    for source, start, end in rows:
        q = start
        while q < end:
            out.setdefault(source, set()).add(q)
            q = dt.date(q.year + 1, 1, 1) if q.month == 10 else dt.date(q.year, q.month + 3, 1)
    return out


def test_incremental_refresh_reloads_only_the_quarters_of_new_changed_and_removed_files(
    incremental: tuple[Path, str, str, str],
) -> None:
    wh, first, second, third = incremental
    logs = (first, second, third)
    assert "[fires] 4 new, 0 changed, 1 removed file(s): quarters 2024Q1, 2026Q3" in second
    assert "[enforcement] 4 new, 0 changed, 0 removed file(s): quarters 2026Q3" in second
    assert "[fires] 0 new, 1 changed, 0 removed file(s): quarters 2025Q1" in third
    accidents = [
        [line for line in log.splitlines() if "[accidents]" in line and " removed file(s)" in line]
        for log in logs
    ]
    assert any(
        "[accidents] 6 new, 0 changed, 0 removed file(s): quarters 2026Q2, 2026Q3" in line
        for line in accidents[1]
    ), accidents
    assert any(
        "[accidents] 0 new, 0 changed, 1 removed file(s): quarters 2026Q3" in line for line in accidents[2]
    ), accidents
    assert "[enforcement]" not in third
    # dbt's own output is in the log; later builds of this warehouse parsed partially
    # (its parse state was kept from the first build, pipelines/dbt_assets.py)
    for log in (second, third):
        assert "Finished running" in log and "Unable to do partial parsing" not in log
    assert _windows(wh) == {
        "accidents": {_q("2026-04-01"), _q("2026-07-01")},  # 2026Q3 files revise 2026Q2
        "disasters": {_q("2026-04-01"), _q("2026-07-01")},
        "road_traffic": {_q("2026-07-01")},
        "enforcement": {_q("2026-07-01")},
        "fires": {_q("2024-01-01"), _q("2025-01-01"), _q("2026-07-01")},
    }
    con = duckdb.connect(str(wh), read_only=True)
    try:
        # the second ingest read only the files holding rows of the reloaded quarters, not the
        # whole drop (the sample's files are yearly up to 2024, quarterly from 2025)
        read = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT file_path FROM raw.load_log WHERE source = 'fires' AND loaded_at > "
                "(SELECT min(loaded_at) FROM raw.load_log WHERE source = 'fires')"
            ).fetchall()
        }
        expected = {
            f"fires/{p.name}"
            for pattern in ("*_2024.*", "*_2025Q1.*", "*_2026Q3.*")
            for p in (SAMPLE / "fires").glob(pattern)
        }
        assert read == expected and len(expected) == 12
        assert not con.execute("SELECT count(*) FROM raw.fires WHERE fire_id LIKE '%-X%'").fetchone()[0]  # type: ignore[index]
        # dbt rebuilt the fires aggregates of the reloaded quarters only: other quarters keep
        # the watermark of the first build
        marks = dict(
            con.execute(
                "SELECT year * 10 + quarter, max(_windows_through) FROM intermediate.int_record_measures__quarterly "
                "WHERE record_source = 'fires' GROUP BY 1"
            ).fetchall()
        )
    finally:
        con.close()
    first_build = marks[20211]
    assert marks[20263] > first_build and marks[20251] > first_build and marks[20241] > first_build
    assert all(m == first_build for k, m in marks.items() if k not in (20241, 20251, 20263))
    # fct_breakdowns rebuilt the years whose inputs changed (fires 2024Q1 and 2025Q1; the new
    # quarter and its revisions in 2026) and the year after each, which 2026 has not got
    rebuilt = [re.findall(r"fct_breakdowns: rebuilding .*? / 按年增量重算", log) for log in (second, third)]
    # the new quarter (2026) and the removed 2024 file: those years and the year after each; the
    # categories recorded for the first time get their zero rows in every year: two in the
    # sample's own regions, 34 of the new county and its city (杭州)
    assert rebuilt[0] == [
        "fct_breakdowns: rebuilding 3 year(s): 2024, 2025, 2026 (inputs changed, or one of the 1 year(s) before did); "
        "every year of 36 new and 0 vanished key(s) / 按年增量重算"
    ]
    # the corrected 2025Q1 file: 2025 and the year after it (同比); the removed county file takes
    # its 34 categories away from every year
    assert rebuilt[1] == [
        "fct_breakdowns: rebuilding 2 year(s): 2025, 2026 (inputs changed, or one of the 1 year(s) before did); "
        "every year of 0 new and 34 vanished key(s) / 按年增量重算"
    ]
    # fct_indicator_values reads five years back (较近5年均值): the same changed years and the five
    # after each, of which the sample has 2025 and 2026 (its plan-period rows: every build). The
    # new county adds leaves to 浙江's coverage tree in every year, which changes no value of
    # those years and rebuilds none of them (the leaf counts are not an input of the chain)
    values = [
        re.findall(r"fct_indicator_values: rebuilding .*? / 按年增量重算", log) for log in (second, third)
    ]
    assert values == [
        [
            "fct_indicator_values: rebuilding 3 year(s): 2024, 2025, 2026 "
            "(inputs changed, or one of the 5 year(s) before did) / 按年增量重算"
        ],
        [
            "fct_indicator_values: rebuilding 2 year(s): 2025, 2026 "
            "(inputs changed, or one of the 5 year(s) before did) / 按年增量重算"
        ],
    ]
    # the tables of its chain (monthly values, both statistics) are year-incremental by the same
    # rule: the same years
    for table in (
        "int_indicator_values__months",
        "int_indicator_values__statistics",
        "int_indicator_values__months_statistics",
    ):
        years = [re.findall(rf"{table}: rebuilding (.*?) \(", log) for log in (second, third)]
        assert years == [["3 year(s): 2024, 2025, 2026"], ["2 year(s): 2025, 2026"]], (table, years)

    # each of the four computed its years in batches: the first build 2011-2015, then each year
    # 2016-2025 in two ranges of provinces (one year is more than a batch), then 2026 (fewer
    # base values) whole; the later ones the years they rebuilt, the same way
    def split(year: int, k: int, n: int) -> list[str]:
        return [f"{k}/{n}: {year} (region_code < '45')", f"{k + 1}/{n}: {year} (region_code >= '45')"]

    for table in BATCHED_MODELS:
        batches = [
            re.findall(rf"{table}: year batch (\d+/\d+: [^/]*?) (?:\(at most \d+|/ 分批计算)", log)
            for log in logs
        ]
        assert batches == [
            ["1/22: 2011, 2012, 2013, 2014, 2015"]
            + [b for y in range(2016, 2026) for b in split(y, 2 * (y - 2016) + 2, 22)]
            + ["22/22: 2026"],
            [*split(2024, 1, 5), *split(2025, 3, 5), "5/5: 2026"],
            [*split(2025, 1, 3), "3/3: 2026"],
        ], (table, batches)
    # fct_breakdowns computed its years a year a statement; the second refresh, whose new
    # categories get zero rows in every year, in one statement
    batches = [re.findall(r"fct_breakdowns: year batch (\d+/\d+: \d+) ", log) for log in logs]
    assert batches == [
        [f"{k}/11: {2015 + k}" for k in range(1, 12)],
        [],
        ["1/2: 2025", "2/2: 2026"],
    ], batches


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_marts_equal_a_full_refresh(
    incremental: tuple[Path, str, str, str], sample_warehouse: Path, table: str
) -> None:
    wh, *_logs = incremental
    with attached(
        inc=wh.with_name("serving.duckdb"), full_=sample_warehouse.with_name("serving.duckdb")
    ) as con:
        n_inc = con.execute(f"SELECT count(*) FROM inc.marts.{table}").fetchone()[0]  # type: ignore[index]
        n_full = con.execute(f"SELECT count(*) FROM full_.marts.{table}").fetchone()[0]  # type: ignore[index]
        only_inc = con.execute(
            f"SELECT * FROM (SELECT * FROM inc.marts.{table} EXCEPT ALL SELECT * FROM full_.marts.{table}) LIMIT 5"
        ).fetchall()
        only_full = con.execute(
            f"SELECT * FROM (SELECT * FROM full_.marts.{table} EXCEPT ALL SELECT * FROM inc.marts.{table}) LIMIT 5"
        ).fetchall()
    assert n_inc == n_full > 0
    assert only_inc == [] and only_full == []


def test_a_key_repeated_in_a_later_quarter_fails_the_refresh_and_keeps_the_serving_copy(
    incremental: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    """The loader rejects a key repeated within what it reads. A new 2026Q3 file repeating the key
    of a 2024 fire is read without the 2024 file (only 2026Q3 is reloaded): dbt's
    unique_record_key test, run on the rows loaded since the last publish, must catch it; the
    refresh fails naming the test and the serving copy is the one published before."""
    wh, *_logs = incremental
    work = tmp_path / "copy"
    shutil.copytree(wh.parent, work)  # drop, warehouse, serving copy, Dagster home
    source = (work / "raw" / "fires" / "371521_阳谷_2024.csv").read_bytes().splitlines(keepends=True)
    header, first = source[0], source[1]
    assert first.startswith(b"FI-371521-2024-000001,2024/01/12")
    repeated = first.replace(b"2024/01/12", b"2026/08/10")
    (work / "raw" / "fires" / "371521_阳谷_2026Q3_补报.csv").write_bytes(header + repeated)
    serving = work / "serving.duckdb"
    before = serving.read_bytes()

    proc = run_cli(
        "refresh", "--raw", str(work / "raw"), "--warehouse", str(work / "warehouse.duckdb"), check=False
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "source_unique_record_key_raw_fires_fire_id" in out
    assert "构建失败,已发布数据未改变" in out
    assert serving.read_bytes() == before
