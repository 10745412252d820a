"""Safe downloads (issue 14): every CSV and XLSX the product writes goes through
`pipelines.lib.safe_cells`, which keeps text that a spreadsheet would run as a formula as text.

Rules, the CSV and XLSX writers read back (openpyxl, the sheet XML), the dashboard's download
buttons run as a click would (AppTest), the CLI's CSV output, the 综合报表 workbook, and a
structural guard: no other module of pipelines/ or dashboards/ writes CSV or XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import polars as pl
import pytest

from pipelines.lib import safe_cells
from pipelines.lib.safe_cells import csv_bytes, csv_cell, is_formula_like, neutralise, xlsx_bytes
from tests.conftest import DownloadStore

ROOT = Path(__file__).resolve().parents[1]
HYPERLINK = '=HYPERLINK("http://x","y")'


# ------------------------------------------------------------------ the rule


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        HYPERLINK,
        "+cmd|' /C calc'!A0",
        "-2+3",
        "-x",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\tplain",  # a leading tab or carriage return is itself a trigger (OWASP)
        "\rplain",
        "＝1+1",  # full-width forms (Chinese / Japanese input methods)
        "＋1",
        "－1",
        "＠SUM(A1)",
        " =1+1",  # after leading spaces, ideographic spaces and line feeds
        "\u3000=1+1",
        "\n=1+1",
        "- 1",
        "-",
        "=",
    ],
)
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert is_formula_like(text)
    assert neutralise(text) == "'" + text
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "住宅",
        "a=1",
        "HYPERLINK",
        "'=already quoted",
        "1-2",
        " ",
        "\n",
        # a plain signed number is the same number when read as a formula: kept as written
        "-12",
        "+3.5",
        "-1,234.5",
        "-7.2%",
        "-1e-3",
        "-.5",
    ],
)
def test_other_text_is_kept(text: str) -> None:
    assert not is_formula_like(text)
    assert neutralise(text) == text


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -1.5,
        0,
        2**40,
        decimal.Decimal("-1.50"),
        np.int64(-3),
        np.float64(-2.5),
        True,
        False,
        np.bool_(True),
    ],
)
def test_numbers_and_booleans_stay_what_they_are(value: Any) -> None:
    assert csv_cell(value) is value


@pytest.mark.parametrize(
    "value", [None, float("nan"), np.float64("nan"), pd.NaT, pd.NA, decimal.Decimal("NaN")]
)
def test_nulls_are_empty(value: Any) -> None:
    assert safe_cells.is_null(value)
    assert csv_cell(value) == ""


def test_dates_and_other_types() -> None:
    d, ts, t = dt.date(2021, 5, 1), dt.datetime(2021, 5, 1, 8, 30), dt.time(8, 30)
    assert csv_cell(d) is d and csv_cell(ts) is ts and csv_cell(t) is t
    assert csv_cell(dt.timedelta(days=-1)) == "'-1 day, 0:00:00"  # text of a non-text type: the rule applies
    assert csv_cell(["=1+1"]) == "['=1+1']"
    assert not safe_cells.is_null([None]) and not safe_cells.is_null(np.array([np.nan, 1.0]))


# ------------------------------------------------------------------ CSV and XLSX of a data frame


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "place_type": ["=1+1", HYPERLINK, None, "住宅", "-12"],
            "deaths": [-1.5, 2.0, None, 0.0, 3.0],
            "count": pd.array([-1, None, 3, 4, 5], dtype="Int64"),
            "released_on": [dt.date(2021, 5, 1), None, dt.date(2021, 6, 1), dt.date(2021, 7, 1), None],
            "loaded_at": pd.to_datetime(
                ["2021-05-01 08:00", None, "2021-05-02 09:30", "2021-05-03 00:00", "2021-05-04 00:00"]
            ).tz_localize("Asia/Shanghai"),
            "flag": [True, False, None, True, False],
            "=header": ["a", "b", "c", "d", "e"],
            "mixed": [decimal.Decimal("-1.5"), "@x", None, 7, "ok"],
        }
    )


def _xml_of(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def assert_no_formula(content: bytes) -> None:
    """No cell of any sheet is a formula: no <f> element anywhere in the package."""
    xml = _xml_of(content)
    assert any(n.startswith("xl/worksheets/") for n in xml)
    for name, text in xml.items():
        assert re.search(r"<f[ >/]", text) is None, name


def test_csv_of_a_frame() -> None:
    raw = csv_bytes(_frame())
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "place_type",
        "deaths",
        "count",
        "released_on",
        "loaded_at",
        "flag",
        "'=header",
        "mixed",
    ]
    col = {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}
    assert col["place_type"] == ["'=1+1", "'" + HYPERLINK, "", "住宅", "-12"]
    assert col["deaths"] == ["-1.5", "2.0", "", "0.0", "3.0"]  # numbers as pandas writes them, unquoted
    assert col["count"] == ["-1", "", "3", "4", "5"]
    assert col["released_on"] == ["2021-05-01", "", "2021-06-01", "2021-07-01", ""]
    assert col["loaded_at"][0] == "2021-05-01 08:00:00+08:00" and col["loaded_at"][1] == ""
    assert col["flag"] == ["True", "False", "", "True", "False"]
    assert col["mixed"] == ["-1.5", "'@x", "", "7", "ok"]
    assert b'"\'=HYPERLINK(""http://x"",""y"")"' in raw  # quoted as CSV, with the prefix inside
    assert not csv_bytes(_frame(), bom=False).startswith(b"\xef\xbb\xbf")


def test_xlsx_of_a_frame() -> None:
    content = xlsx_bytes(_frame(), sheet="fct_breakdowns_450000")
    assert_no_formula(content)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["fct_breakdowns_450000"]
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header == ["place_type", "deaths", "count", "released_on", "loaded_at", "flag", "=header", "mixed"]
    assert ws.cell(1, 7).data_type == "s" and ws.cell(1, 7).quotePrefix
    a2, a3, a4, a5, a6 = (ws.cell(r, 1) for r in range(2, 7))
    for cell, text in ((a2, "=1+1"), (a3, HYPERLINK)):
        assert cell.data_type == "s" and cell.value == text and cell.quotePrefix  # text shown as =1+1
    assert a4.value is None
    assert a5.value == "住宅" and not a5.quotePrefix
    assert a6.value == "-12" and a6.data_type == "s"  # text stays text, even when it looks like a number
    assert [ws.cell(r, 2).value for r in range(2, 7)] == [-1.5, 2, None, 0, 3]
    assert ws.cell(2, 2).data_type == "n"
    assert [ws.cell(r, 3).value for r in range(2, 7)] == [-1, None, 3, 4, 5]
    assert ws.cell(2, 4).value == dt.datetime(2021, 5, 1) and ws.cell(2, 4).is_date
    assert ws.cell(2, 5).value == dt.datetime(2021, 5, 1, 8)  # wall-clock time of its zone
    assert [ws.cell(r, 6).value for r in range(2, 7)] == [True, False, None, True, False]
    assert [ws.cell(r, 8).value for r in range(2, 7)] == [-1.5, "@x", None, 7, "ok"]
    assert ws.cell(3, 8).quotePrefix and ws.cell(2, 8).data_type == "n"


def test_xlsx_sheet_names_and_odd_values() -> None:
    df = pd.DataFrame({"x": [float("inf"), float("-inf"), "a" * 10], "y": [dt.time(8, 30), None, None]})
    content = xlsx_bytes(df, sheet="a/b:c*?[d]" + "x" * 40)
    assert_no_formula(content)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["a_b_c___d_" + "x" * 21]
    ws = wb.active
    assert ws is not None
    assert [ws.cell(r, 1).value for r in (2, 3)] == ["inf", "-inf"] and ws.cell(3, 1).quotePrefix
    assert ws.cell(2, 2).value == dt.time(8, 30)
    assert safe_cells.sheet_name("") == "data"


def test_polars_frames() -> None:
    df = pl.DataFrame(
        {
            "place_type": ["=1+1", None, "住宅"],
            "deaths": [-1, None, 2],
            "cat": pl.Series(["@x", "b", None], dtype=pl.Categorical),
            "day": [dt.date(2021, 1, 1), None, dt.date(2021, 1, 3)],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(df).decode("utf-8-sig"))))
    assert rows == [
        ["place_type", "deaths", "cat", "day"],
        ["'=1+1", "-1", "'@x", "2021-01-01"],
        ["", "", "b", ""],
        ["住宅", "2", "", "2021-01-03"],
    ]
    content = xlsx_bytes(df)
    assert_no_formula(content)
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert ws is not None
    assert ws["A2"].value == "=1+1" and ws["A2"].quotePrefix and ws["B2"].value == -1
    assert ws["C2"].value == "@x" and ws["C2"].quotePrefix and ws["D2"].is_date


def test_safe_workbook_merged_text_and_formats() -> None:
    """The 综合报表 writes titles, headers and notes through SafeWorkbook (merged cells too)."""
    buf = io.BytesIO()
    book = safe_cells.new_workbook(buf)
    ws = book.add_worksheet("综合报表")
    bold = book.add_format({"bold": True, "border": 1})
    book.merge_text(ws, 0, 0, 0, 3, "=1+1 title", bold)
    book.write_text(ws, 1, 0, "-x note", bold)
    book.write_text(ws, 1, 1, "plain", bold)
    book.write_value(ws, 1, 2, -3)
    assert book.quoted(bold) is book.quoted(bold)  # one twin per format
    with pytest.raises(ValueError):
        book.quoted(book.wb.add_format({}))  # a format the wrapper did not make has no known twin
    book.close()
    content = buf.getvalue()
    assert_no_formula(content)
    ws2 = openpyxl.load_workbook(io.BytesIO(content))["综合报表"]
    assert ws2["A1"].value == "=1+1 title" and ws2["A1"].quotePrefix and ws2["A1"].font.b
    assert ws2["A2"].value == "-x note" and ws2["A2"].quotePrefix and ws2["A2"].border.left.style
    assert ws2["B2"].value == "plain" and not ws2["B2"].quotePrefix
    assert ws2["C2"].value == -3


# ------------------------------------------------------------------ the product's writers


def test_quarterly_workbook_keeps_free_text_as_text() -> None:
    """A region name and a note that look like formulas stay text in both sheets of the 综合报表."""
    from pipelines.exports.quarterly_workbook import SHEET_LONG, SHEET_MAIN, build_workbook
    from pipelines.exports.report_data import VALUE_COLUMNS, Indicator, QuarterReport, Region

    top = Region("450000", "广西壮族自治区", "province")
    child = Region("450100", HYPERLINK, "city")
    ind = Indicator("ps_deaths", "生产安全事故死亡人数", "count", "人", "死亡人数之和", 1)
    values: dict[tuple[str, str, str], dict[str, Any]] = {}
    for region in (top, child):
        for block in ("quarter", "ytd"):
            row: dict[str, Any] = dict.fromkeys(VALUE_COLUMNS)
            row.update(
                region_code=region.code,
                region_name_zh=region.name_zh,
                indicator_code=ind.code,
                value=-1.0 if region is child else 10.0,
                completeness="complete",
                yoy_break=region is child,
                break_note_zh="=cmd|' /C calc'!A0",
                released_on=dt.date(2022, 1, 20),
            )
            values[(region.code, ind.code, block)] = row
    report = QuarterReport(
        region=top,
        year=2021,
        quarter=4,
        rows=[top, child],
        headline=[ind],
        values=values,
        base_completeness={},
        plan=[],
        is_sample=True,
        published_at=None,
        serving_path="",
        all_indicators=[ind],
    )
    content = build_workbook(report, generated_at=dt.datetime(2022, 1, 1, 8, 0))
    assert_no_formula(content)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    main = wb[SHEET_MAIN]
    cells = [c for row in main.iter_rows() for c in row if c.value == HYPERLINK]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    numbers = [c.value for row in main.iter_rows() for c in row if isinstance(c.value, int | float)]
    assert -1 in numbers and 10 in numbers  # values stay numbers
    long = wb[SHEET_LONG]
    names = [c for c in long["B"] if c.value == HYPERLINK]
    assert len(names) == 2 and all(c.quotePrefix for c in names)
    notes = [c for row in long.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert notes and all(c.quotePrefix for c in notes)


def test_dashboard_download_buttons_build_safe_files(download_store: DownloadStore) -> None:
    """components.download_buttons (every table, quality table, domain page, the exports page and
    the SQL workbench use it): the CSV and Excel its buttons deliver, built as a click would."""
    from streamlit.testing.v1 import AppTest

    script = f"""
import pandas as pd
from dashboards import components
df = pd.DataFrame({{"place_type": ["=1+1", {HYPERLINK!r}, None], "deaths": [-1, 2, None]}})
components.download_buttons(df, "fct_breakdowns_450000", "zh", key="t")
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]

    _label, content, name, mime = download_store.fetch(at, "t_csv")
    assert name == "fct_breakdowns_450000.csv" and mime == safe_cells.CSV_MIME
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["place_type", "deaths"], ["'=1+1", "-1.0"], ["'" + HYPERLINK, "2.0"], ["", ""]]

    _label, content, name, mime = download_store.fetch(at, "t_xlsx")
    assert name == "fct_breakdowns_450000.xlsx" and mime == safe_cells.XLSX_MIME
    assert_no_formula(content)
    ws = openpyxl.load_workbook(io.BytesIO(content))["fct_breakdowns_450000"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["A3"].value == HYPERLINK and ws["A3"].quotePrefix
    assert ws["B2"].value == -1 and ws["B2"].data_type == "n"


def _cli(*args: str, warehouse: Path) -> subprocess.CompletedProcess[str]:
    from tests.conftest import cli_env

    return subprocess.run(
        [str(Path(sys.executable).parent / "safety-stats"), *args],
        capture_output=True,
        text=True,
        env=cli_env(warehouse),
        cwd=ROOT,
        timeout=300,
    )


def test_cli_sql_csv_is_neutralised(tmp_path: Path) -> None:
    """`safety-stats sql` writes its result as CSV on stdout through the same rule."""
    wh = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(wh.with_name("serving.duckdb"))).close()
    proc = _cli(
        "sql",
        "--warehouse",
        str(wh),
        f"SELECT '=1+1' AS \"=col\", '{HYPERLINK}' AS link, -1.5 AS n, NULL AS nothing, '-12' AS num_text",
        warehouse=wh,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows == [
        ["'=col", "link", "n", "nothing", "num_text"],
        ["'=1+1", "'" + HYPERLINK, "-1.5", "", "-12"],
    ]


def test_cli_indicators_csv_is_neutralised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`safety-stats indicators --format csv` (the query stubbed with a formula-like region name)."""
    from pipelines import cli, query

    row: dict[str, Any] = dict.fromkeys(cli.INDICATOR_COLUMNS)
    row.update(region_code="450000", region_name_zh="=1+1", value=-3.0, yoy_pct=-12.345, numerator=7)
    monkeypatch.setattr(query, "query_indicators", lambda **_: [row])
    monkeypatch.delenv("SAFETY_WAREHOUSE", raising=False)
    assert cli.main(["indicators", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    got = dict(zip(rows[0], rows[1], strict=True))
    assert got["region_name_zh"] == "'=1+1"
    assert got["value"] == "-3.0" and got["yoy_pct"] == "-12.3" and got["numerator"] == "7"
    assert got["ci_low"] == ""


def test_rejects_corrections_file_is_neutralised(tmp_path: Path) -> None:
    """`safety-stats rejects --export`: the quarantined rows (the very text that was refused) go
    back to a clerk's spreadsheet; negative numbers, the usual reason, stay as written."""
    from pipelines.ingest.replay import Rejected, export_rejects
    from pipelines.lib.contracts import SOURCES_BY_NAME

    fires = SOURCES_BY_NAME["fires"]
    text_col = next(c for c in fires.column_names if "place" in c)
    num_col = next(c for c in fires.column_names if "death" in c)
    row = Rejected(
        "fires", "fires/x.csv", 7, "negative_value", "=1+1 message", {text_col: HYPERLINK, num_col: "-1"}
    )
    [out] = export_rejects([row], tmp_path / "corrections.csv")
    got = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert got[text_col] == "'" + HYPERLINK and got[num_col] == "-1"
    assert got["_message"] == "'=1+1 message" and got["_row"] == "7"


# ------------------------------------------------------------------ one place for the rule

# Every CSV/XLSX writer of the product is in pipelines/lib/safe_cells.py. Anything else that
# writes CSV or XLSX (or offers a download) must be listed here, with why it is safe.
WRITERS = {
    "to_csv": r"\.to_csv\(",
    "write_csv": r"\.write_csv\(",
    "to_excel": r"\.to_excel\(",
    "write_excel": r"\.write_excel\(",
    "ExcelWriter": r"\bExcelWriter\b",
    "csv.writer": r"\bcsv\.(?:writer|DictWriter)\(",
    "Workbook(": r"\bWorkbook\(",
    "import xlsxwriter": r"^\s*import xlsxwriter\b",
    "openpyxl": r"\bopenpyxl\b",
    "download_button": r"\bdownload_button\(",
}
ALLOWED = {
    # the synthetic raw drops (the pipeline's inputs, byte-stable as a bureau would send them)
    ("pipelines/samplegen/sinks.py", "write_csv"): "raw sample input, not a download",
    ("pipelines/samplegen/sinks.py", "import xlsxwriter"): "raw sample input, not a download",
    ("pipelines/samplegen/sinks.py", "Workbook("): "raw sample input, not a download",
    ("pipelines/samplegen/scale.py", "write_csv"): "benchmark raw input, not a download",
    ("pipelines/samplegen/official.py", "csv.writer"): "official-form twins of the sample (inputs)",
    ("pipelines/samplegen/official.py", "import xlsxwriter"): "official-form twins of the sample (inputs)",
    ("pipelines/samplegen/official.py", "Workbook("): "official-form twins of the sample (inputs)",
    # the region seed, built from the GB/T 2260 revisions (a repository file, not a download)
    ("pipelines/lib/gb2260.py", "csv.writer"): "writes dbt_project/seeds/regions.csv",
    ("pipelines/lib/gb2260_vendor.py", "csv.writer"): "writes the vendored post-2019 region list",
    # reading raw XLSX drops (openpyxl read-only)
    ("pipelines/lib/readers.py", "openpyxl"): "reads raw files",
    # the download buttons: data built by safe_cells (tables) and by the official exports
    ("dashboards/components.py", "download_button"): "safe_cells.csv_bytes / xlsx_bytes",
    ("dashboards/views/exports.py", "download_button"): "综合报表 (safe_cells) and the brief (PDF/HTML)",
    ("dashboards/situation.py", "download_button"): "综合情况表 (official_tables: safe_cells.new_workbook)",
}


def _py_files() -> list[Path]:
    return sorted(p for d in ("pipelines", "dashboards") for p in (ROOT / d).rglob("*.py"))


def test_no_csv_or_xlsx_writer_outside_the_safe_module() -> None:
    found: list[str] = []
    for path in _py_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "pipelines/lib/safe_cells.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name, pattern in WRITERS.items():
            if re.search(pattern, text, re.MULTILINE) and (rel, name) not in ALLOWED:
                found.append(f"{rel}: {name}")
    assert not found, (
        "CSV/XLSX written outside pipelines/lib/safe_cells.py (use safe_cells.csv_bytes / xlsx_bytes / "
        f"write_csv_rows / new_workbook, or components.download_buttons): {found}"
    )
    for (rel, name), _why in ALLOWED.items():  # the list does not outlive what it allows
        assert re.search(WRITERS[name], (ROOT / rel).read_text(encoding="utf-8"), re.MULTILINE), (rel, name)


def test_download_buttons_use_the_safe_module() -> None:
    components = (ROOT / "dashboards/components.py").read_text(encoding="utf-8")
    assert components.count("download_button(") == 2
    assert "safe_cells.csv_bytes(df)" in components and "safe_cells.xlsx_bytes(df" in components
    exports = (ROOT / "dashboards/views/exports.py").read_text(encoding="utf-8")
    assert re.findall(r"data=lambda: (\w+)\(", exports) == ["build_workbook", "pdf_bytes", "render_html"]
    workbook = (ROOT / "pipelines/exports/quarterly_workbook.py").read_text(encoding="utf-8")
    assert (
        "new_workbook(" in workbook
        and "ws.write_string(" not in workbook
        and "ws.merge_range(" not in workbook
    )


def test_builtin_table_export_is_off() -> None:
    """Streamlit's own "Download as CSV" on st.dataframe writes formulas as they are: it is off."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
