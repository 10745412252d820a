"""Reading raw files: encodings, Chinese headers, XLSX, unit-bearing headers, whole-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from pipelines.lib.contracts import ACCIDENTS, REPORTS
from pipelines.lib.readers import FileRejected, read_raw_file

HEADER_ZH = "事故编号,发生时间,行政区划代码,行业领域,事故类别,死亡人数,失踪人数,受伤人数,直接经济损失(元),报告类型,报告时间"
ROW = "AC-1,2021-03-04 10:00,331102,建筑业,高处坠落,1,0,2,250000,快报,2021-03-04 12:00"


def _write(tmp_path: Path, name: str, text: str, encoding: str) -> Path:
    path = tmp_path / "accidents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_chinese_headers_in_each_encoding_map_to_canonical_columns(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "a.csv", f"{HEADER_ZH}\n{ROW}\n", encoding)
    raw = read_raw_file(path, tmp_path, ACCIDENTS)
    assert raw.frame["accident_id"].to_list() == ["AC-1"]
    assert raw.frame["sector"].to_list() == ["建筑业"]
    assert raw.frame["_row_number"].to_list() == [2]  # spreadsheet numbering: header is row 1
    # A header that names 元 converts to the canonical 万元 by code, not by the file's author.
    assert raw.scale_factors["direct_loss"] == pytest.approx(1e-4)
    assert raw.relpath == "accidents/a.csv"


def test_full_width_brackets_and_spaces_in_headers_are_tolerated(tmp_path: Path) -> None:
    header = HEADER_ZH.replace("直接经济损失(元)", "直接经济损失（元） ").replace("死亡人数", " 死亡人数")
    path = _write(tmp_path, "b.csv", f"{header}\n{ROW}\n", "gbk")
    raw = read_raw_file(path, tmp_path, ACCIDENTS)
    assert raw.frame["deaths"].to_list() == ["1"]
    assert raw.scale_factors["direct_loss"] == pytest.approx(1e-4)


def test_xlsx_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "accidents" / "c.xlsx"
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER_ZH.split(","))
    ws.write_row(
        1, 0, ["AC-2", "2021-05-06 08:00", "331102", "建筑业", "坍塌", 2, 0, 0, 0, "快报", "2021-05-06 09:00"]
    )
    wb.close()
    raw = read_raw_file(path, tmp_path, ACCIDENTS)
    assert raw.frame["accident_id"].to_list() == ["AC-2"]
    assert raw.frame["deaths"].to_list() == ["2"]
    assert raw.encoding == "xlsx"


def test_missing_required_columns_reject_the_file_naming_file_and_columns(tmp_path: Path) -> None:
    header = HEADER_ZH.replace("死亡人数,", "").replace("发生时间", "发生时问")  # a typo clerks make
    row = ROW.replace(",1,0,2,", ",0,2,")
    path = _write(tmp_path, "d.csv", f"{header}\n{row}\n", "gbk")
    with pytest.raises(FileRejected) as exc:
        read_raw_file(path, tmp_path, ACCIDENTS)
    err = exc.value
    assert err.rule == "missing_columns"
    assert err.file == "accidents/d.csv"
    assert "deaths(死亡人数)" in err.message_zh and "occurred_at(发生时间)" in err.message_zh
    assert "Missing required columns: occurred_at, deaths" in err.message_en


def test_empty_and_undecodable_files_are_rejected_whole(tmp_path: Path) -> None:
    empty = _write(tmp_path, "e.csv", "", "utf-8")
    with pytest.raises(FileRejected, match="empty"):
        read_raw_file(empty, tmp_path, ACCIDENTS)
    junk = tmp_path / "accidents" / "f.csv"
    junk.write_bytes(b"\x81\x30\xff\xfe\x00garbage")
    with pytest.raises(FileRejected) as exc:
        read_raw_file(junk, tmp_path, ACCIDENTS)
    assert exc.value.rule == "encoding"


def test_long_format_accepts_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "r.csv"
    path.parent.mkdir()
    path.write_text(
        "行政区划代码,时期,指标,数值,单位,发布日期,来源\n450000,2021,ps_deaths,1526,人,2022-01-20,x\n"
    )
    raw = read_raw_file(path, tmp_path, REPORTS)
    assert raw.frame.select("region_code", "period", "measure", "value").row(0) == (
        "450000",
        "2021",
        "ps_deaths",
        "1526",
    )


def test_xlsx_extent_is_found_by_position_when_cells_lack_r(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streaming pass over the sheet XML counts positions where a writer leaves out the
    optional `r` attributes (and the <dimension> lies): the real extent is what is limited."""
    import re

    from tests.bad_inputs import make_corpus

    wide = "".join(f'<c t="inlineStr"><is><t>x{i}</t></is></c>' for i in range(30))

    def strip(xml: bytes) -> bytes:
        xml = re.sub(rb' r="[A-Z]*[0-9]+"', b"", xml)
        xml = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:K2"', xml)
        return xml.replace(b"</sheetData>", f"<row>{wide}</row></sheetData>".encode())

    path = tmp_path / "accidents" / "a.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(make_corpus._rewrite_sheet(make_corpus.xlsx_bytes(make_corpus.previous_xlsx), strip))
    monkeypatch.setenv("SAFETY_MAX_COLUMNS", "20")
    with pytest.raises(FileRejected) as exc:
        read_raw_file(path, tmp_path, ACCIDENTS)
    assert exc.value.rule == "too_many_columns"
    assert "actual extent has 21 columns" in exc.value.message_en  # refused at the first one over
    monkeypatch.setenv("SAFETY_MAX_COLUMNS", "1000")
    monkeypatch.setenv("SAFETY_MAX_XLSX_CELLS", "100")  # 5 rows × 30 columns
    with pytest.raises(FileRejected) as exc:
        read_raw_file(path, tmp_path, ACCIDENTS)
    assert exc.value.rule == "xlsx_too_large" and "row 5, column 21: 105 cells" in exc.value.message_en


def test_a_parquet_file_reads_as_the_text_its_csv_export_would_hold(tmp_path: Path) -> None:
    """Typed Parquet columns become the text a CSV export holds (the same parser then applies):
    datetimes to seconds, booleans lower-case, blanks null after stripping; a header in 元 keeps
    its factor; a column outside the contract rides along for a quarantined row's content."""
    import datetime as dt

    import polars as pl

    path = tmp_path / "accidents" / "a.parquet"
    path.parent.mkdir()
    pl.DataFrame(
        {
            "事故编号": ["AC-1", " AC-2 ", "  "],
            "发生时间": [dt.datetime(2021, 1, 2, 3, 4), dt.datetime(2021, 2, 3, 4, 5, 6), None],
            "行政区划代码": ["331102"] * 3,
            "行业领域": ["建筑业"] * 3,
            "事故类别": ["高处坠落"] * 3,
            "死亡人数": [1, 0, 2],
            "失踪人数": [0, 0, 0],
            "受伤人数": [3, 0, 1],
            "直接经济损失(元)": [15000.0, 0.0, None],
            "涉及特种设备": [True, False, None],
            "报告类型": ["快报"] * 3,
            "报告时间": [dt.datetime(2021, 1, 2, 23, 59)] * 3,
            "备注": ["x", None, "z"],
        }
    ).write_parquet(path)
    raw = read_raw_file(path, tmp_path, ACCIDENTS)
    got = raw.frame.select(
        "_row_number", "accident_id", "occurred_at", "deaths", "direct_loss", "special_equipment", "grade"
    ).rows()
    assert got == [
        (2, "AC-1", "2021-01-02 03:04:00", "1", "15000.0", "true", None),
        (3, "AC-2", "2021-02-03 04:05:06", "0", "0.0", "false", None),
        (4, None, None, "2", None, None, None),
    ]
    assert raw.scale_factors["direct_loss"] == 1e-4 and raw.encoding == "parquet"
    content = raw.row_contents([4])["row_content"][0]
    assert '"备注":"z"' in content and '"事故编号":""' in content
