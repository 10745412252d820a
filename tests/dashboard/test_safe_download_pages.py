"""Safe downloads through the dashboard's pages (issue 14): a fire's `place_type` and a rejected
row's `bad_value` that look like formulas (written into a copy of the sample serving copy) come
out of the 火灾 page, the 数据质量 page and the 数据导出 page as text: quote-prefixed in the CSV,
quote-prefixed string cells in the Excel file, no formula anywhere."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.lib.safe_cells import is_formula_like
from tests.conftest import DownloadStore
from tests.dashboard.test_apptest import APP, TIMEOUT, assert_no_exception

HYPERLINK = '=HYPERLINK("http://x","y")'
BAD_VALUE = "=1+1"


@pytest.fixture
def poisoned(serving_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "serving.duckdb"
    shutil.copy(serving_copy, copy)
    con = duckdb.connect(str(copy))
    try:
        n = con.execute(
            "UPDATE marts.fct_breakdowns SET category_code = ?, category_name_zh = ?, category_name_en = ? "
            "WHERE breakdown = 'place_type' AND category_code = (SELECT min(b.category_code) "
            "FROM marts.fct_breakdowns AS b WHERE b.breakdown = 'place_type' "
            "AND b.region_code = fct_breakdowns.region_code) RETURNING 1",
            [HYPERLINK, HYPERLINK, HYPERLINK],
        ).fetchall()
        assert n, "no place_type breakdown in the sample"
        con.execute(  # the sample loads cleanly: one rejected row as ingest would record it
            "INSERT INTO quality.rejects (load_id, source, file_path, row_number, column_name, bad_value, "
            "rule, message_zh, message_en, loaded_at) VALUES ('test', 'fires', 'fires/2021Q4.csv', 7, "
            "'deaths', ?, 'type', '不是整数', 'not an integer', TIMESTAMP '2030-01-01 00:00:00')",
            [BAD_VALUE],
        )
    finally:
        con.close()
    monkeypatch.setenv("SAFETY_SERVING", str(copy))
    yield copy


def downloads(at: AppTest, store: DownloadStore) -> dict[str, tuple[str, bytes]]:
    """key -> (file name, content) of every CSV/Excel download button on the page, as clicked."""
    out = {}
    for button in at.get("download_button"):
        key = str(button.key)
        if key.endswith(("_csv", "_xlsx")):
            _label, content, name, _mime = store.fetch(at, key)
            out[key] = (name, content)
    return out


def csv_cells(content: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]


def check_safe(files: dict[str, tuple[str, bytes]], needle: str) -> set[str]:
    """Every file is safe; returns the keys of the files that carry `needle`."""
    carrying = set()
    for key, (name, content) in files.items():
        if name.endswith(".csv"):
            cells = csv_cells(content)
            assert not [c for c in cells if is_formula_like(c)], (key, name)
            if "'" + needle in cells:
                carrying.add(key)
            assert needle not in cells, (key, name)  # never bare
        else:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                for member in z.namelist():
                    if member.endswith(".xml"):
                        assert re.search(r"<f[ >/]", z.read(member).decode("utf-8")) is None, (key, member)
            for ws in openpyxl.load_workbook(io.BytesIO(content)).worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if c.value == needle:
                            assert c.data_type == "s" and c.quotePrefix, (key, c.coordinate)
                            carrying.add(key)
    return carrying


def run(page: str, region: str, period: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["region"] = region
    if period:
        at.query_params["period"] = period
    at.run()
    at.switch_page(page).run()
    assert_no_exception(at)
    return at


def test_fires_page_breakdown_downloads(poisoned: Path, download_store: DownloadStore) -> None:
    con = duckdb.connect(str(poisoned), read_only=True)
    try:
        region, period = con.execute(
            "SELECT region_code, period FROM marts.fct_breakdowns WHERE category_code = ? "
            "AND period_type = 'year' ORDER BY region_code = '450000' DESC, period DESC LIMIT 1",
            [HYPERLINK],
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    at = run("views/fires.py", region, f"year:{period}")
    files = downloads(at, download_store)
    carrying = check_safe(files, HYPERLINK)
    assert {k.rsplit("_", 1)[-1] for k in carrying} == {"csv", "xlsx"}, sorted(files)


def test_quality_page_reject_downloads(poisoned: Path, download_store: DownloadStore) -> None:
    at = run("views/quality.py", "450000")
    files = downloads(at, download_store)
    carrying = check_safe(files, BAD_VALUE)
    assert {"dl_quality_rejects_csv", "dl_quality_rejects_xlsx"} <= carrying, sorted(files)


@pytest.mark.parametrize(("table", "needle"), [("fct_breakdowns", HYPERLINK), ("rejects", BAD_VALUE)])
def test_exports_page_table_downloads(
    poisoned: Path, download_store: DownloadStore, table: str, needle: str
) -> None:
    at = run("views/exports.py", "331102")  # 莲都区: a county, ~18k breakdown rows
    at.selectbox(key="exports_table").set_value(table).run()
    at.radio(key="exports_scope").set_value("region").run()  # (all: ~0.5M rows)
    assert_no_exception(at)
    files = {k: v for k, v in downloads(at, download_store).items() if k.startswith("exports_dl")}
    assert check_safe(files, needle) == {"exports_dl_csv", "exports_dl_xlsx"}
