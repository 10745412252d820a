"""综合情况表: each official layout, built from the hand-built serving copy
(tests/fixtures/official_tables/fixture.sql), matches the hand-checked cells, merged ranges and
titles of tests/fixtures/official_tables/expected_ytd.json, and opens in LibreOffice: a headless
conversion of the workbook to CSV (one file per sheet) succeeds and holds the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from pipelines.exports.official_tables import LAYOUTS, build_workbook, load_tables
from pipelines.exports.quarterly_workbook import SAMPLE_LABEL
from tests.test_monthly_situation import fixture_connection

FIXTURES = Path(__file__).parent / "fixtures" / "official_tables"
EXPECTED = json.loads((FIXTURES / "expected_ytd.json").read_text(encoding="utf-8"))["sheets"]
REPORTED_ON = dt.date(2023, 8, 10)
# every sheet: all its columns as CSV text, first row as in the sheet (LibreOffice filter options:
# comma, double quote, UTF-8, from row 1, …, the last token -1 writes each sheet to its own file)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = fixture_connection()
    yield c
    c.close()


@pytest.fixture(scope="module")
def ytd_workbook(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("official") / "tables.xlsx"
    out.write_bytes(build_workbook(load_tables(con, "440100", "2023M01-07"), REPORTED_ON))
    return out


def close(actual: Any, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-8, abs_tol=1e-8)


def test_sheets_are_the_layouts_in_order(ytd_workbook: Path) -> None:
    wb = openpyxl.load_workbook(ytd_workbook)
    assert wb.sheetnames == [layout.sheet for layout in LAYOUTS] == list(EXPECTED)


@pytest.mark.parametrize("sheet", list(EXPECTED))
def test_layout_matches_the_hand_checked_fixture(ytd_workbook: Path, sheet: str) -> None:
    ws = openpyxl.load_workbook(ytd_workbook)[sheet]
    spec = EXPECTED[sheet]
    assert ws["A1"].value == spec["title"]
    assert ws["A2"].value == "2023年1-7月"
    assert str(ws["A3"].value).startswith(SAMPLE_LABEL)  # the fixture is the sample
    for ref, text in spec["texts"].items():
        assert ws[ref].value == text, ref
    assert sorted(str(r) for r in ws.merged_cells.ranges) == sorted(spec["merged"])
    for ref, number in spec["numbers"].items():
        assert close(ws[ref].value, number), (ref, ws[ref].value, number)
    foot = [str(c.value) for c in ws["A"] if isinstance(c.value, str)]
    assert any(t.startswith("单位负责人:") and t.endswith("报出日期:2023年8月10日") for t in foot)


def test_partial_figures_carry_the_mark_in_their_number_format(con: duckdb.DuckDBPyConnection) -> None:
    # 1-8月 of 广州市 is partial (1 of 2 districts): value and 同比 marked "*", 去年同期 not.
    wb = openpyxl.load_workbook(
        _bytes_io(build_workbook(load_tables(con, "440100", "2023M01-08"), REPORTED_ON))
    )
    ws = wb["地区事故"]
    assert ws["A2"].value == "2023年1-8月"
    assert ws["C8"].value == 130 and ws["D8"].value == 170
    assert ws["C8"].number_format.endswith('"*"') and ws["E8"].number_format.endswith('"*"')
    assert not ws["D8"].number_format.endswith('"*"')


def test_a_month_reads_the_month_rows(con: duckdb.DuckDBPyConnection) -> None:
    wb = openpyxl.load_workbook(_bytes_io(build_workbook(load_tables(con, "440100", "2023M07"), REPORTED_ON)))
    ws = wb["地区事故"]
    assert ws["A2"].value == "2023年7月"
    # 广州市 7月: 18 vs 18, 6 vs 0 (no 同比), 4 vs 5 = −20%; 荔湾区 11 vs 10 = +10%, 3 vs 2 = +50%;
    # 越秀区 7 vs 8 = −12.5%, 1 vs 3 = −66.67%
    expected = {"C8": 18, "D8": 18, "E8": 0, "F8": 6, "G8": 0, "H8": None, "I8": 4, "K8": -20.0,
                "C9": 11, "E9": 10.0, "K9": 50.0, "C10": 7, "E10": -12.5, "K10": -66.666666667}  # fmt: skip
    for ref, number in expected.items():
        assert close(ws[ref].value, number), ref
    # the breakdowns have no month rows: the category sheets hold the 合计 row alone
    sector = wb["各类事故(行业领域)"]
    assert sector["B8"].value == "合计" and sector["C8"].value == 18 and sector["B9"].value is None
    notes = [str(c.value) for c in sector["A"] if isinstance(c.value, str)]
    assert any("本期服务库无分类构成数" in n for n in notes)


def test_no_synthetic_label_outside_the_sample(tmp_path: Path) -> None:
    c = fixture_connection(str(tmp_path / "real.duckdb"))
    c.execute("UPDATE meta.refresh SET is_sample = false")
    wb = openpyxl.load_workbook(
        _bytes_io(build_workbook(load_tables(c, "广州市", "2023M01-07"), REPORTED_ON))
    )
    c.close()
    ws = wb["地区事故"]
    assert ws["A3"].value is None
    assert not any("合成" in str(cell.value) for row in ws.iter_rows() for cell in row)


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# ----------------------------------------------------------------------------- LibreOffice


def soffice_required() -> bool:
    """In CI (CI set to anything but 0/false) or with SAFETY_REQUIRE_SOFFICE, a missing
    LibreOffice fails the test instead of skipping it (`make system-deps` installs it)."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or bool(os.environ.get("SAFETY_REQUIRE_SOFFICE"))


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def converted(ytd_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    soffice = find_soffice()
    if soffice is None:
        message = "LibreOffice (soffice) is not installed: run `make system-deps`"
        if soffice_required():
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("soffice")
    profile = work / "profile"  # a private profile: no clash with a running LibreOffice
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(work / "out"),
            str(ytd_workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    sheets = {}
    for sheet in EXPECTED:
        path = work / "out" / f"{ytd_workbook.stem}-{sheet}.csv"
        assert path.exists(), (sheet, proc.stdout, proc.stderr)
        with path.open(encoding="utf-8", newline="") as fh:
            sheets[sheet] = list(csv.reader(fh))
    return sheets


def _csv_cell(rows: list[list[str]], ref: str) -> str:
    letters, row = coordinate_from_string(ref)
    line = rows[row - 1]
    col = column_index_from_string(letters) - 1
    return line[col] if col < len(line) else ""


@pytest.mark.parametrize("sheet", list(EXPECTED))
def test_libreoffice_opens_each_layout_with_its_figures(
    converted: dict[str, list[list[str]]], sheet: str
) -> None:
    rows, spec = converted[sheet], EXPECTED[sheet]
    assert _csv_cell(rows, "A1") == spec["title"]
    for ref, text in spec["texts"].items():
        assert _csv_cell(rows, ref) == text, ref
    for ref, number in spec["numbers"].items():
        text = _csv_cell(rows, ref)
        if number is None:
            assert text == "", ref
        else:
            assert math.isclose(float(text), number, rel_tol=1e-8, abs_tol=1e-8), (ref, text)


# ----------------------------------------------------------------------------- the sample, by the CLI


def test_cli_on_the_sample_prints_the_published_guangxi_2021_figures(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    """广西 2021: the sample carries the figures of the region's own 2021 work report
    (../shared/seeds/: "全区发生各类生产安全事故1986起,事故造成1526人死亡、1248人受伤,…同比分别下降
    32.2%、17.9%和44.4%"); both outputs must print them as published."""
    from tests.conftest import run_cli

    text = run_cli(
        "export", "situation", "--region", "450000", "--month", "2021M12", "--lang", "zh",
        "--warehouse", str(sample_warehouse),
    ).stdout  # fmt: skip
    assert text.startswith(
        "1-12月,全区共发生各类生产安全事故1986起、死亡1526人、受伤1248人,同比分别下降32.2%、17.9%和44.4%"
    ), text
    out = tmp_path / "gx.xlsx"
    run_cli(
        "export", "official-tables", "--region", "450000", "--period", "2021", "--out", str(out),
        "--warehouse", str(sample_warehouse),
    )  # fmt: skip
    ws = openpyxl.load_workbook(out)["地区事故"]
    assert ws["A1"].value == "地区生产安全事故综合情况" and ws["A2"].value == "2021年"
    assert (ws["A8"].value, ws["B8"].value) == ("450000", "合计")
    assert [ws[ref].value for ref in ("C8", "F8", "I8")] == [1986, 1526, 1248]
    assert [round(ws[ref].value, 1) for ref in ("E8", "H8", "K8")] == [-32.2, -17.9, -44.4]
    assert str(ws["A3"].value).startswith(SAMPLE_LABEL)
