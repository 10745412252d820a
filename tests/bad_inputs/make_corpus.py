"""Regenerate the bad-input corpus (deterministic): ``python tests/bad_inputs/make_corpus.py``.

The files are committed; this script only records how each one was broken. See README.md for
the documented outcome of every case, and tests/test_bad_inputs.py for the checks.

The hostile files that are big, or big once inflated (``GENERATED``: a 100,000-column header,
a cell at GR50000, a sheet bomb …), are not committed: ``generate(case, dest)`` writes them at
test time (tests/test_bad_inputs.py, benchmarks/hostile_ingest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
HEADER = "事故编号,发生时间,行政区划代码,行业领域,事故类别,死亡人数,失踪人数,受伤人数,直接经济损失(元),报告类型,报告时间"
HEADER_EN = (
    "accident_id,occurred_at,region_code,sector,category,deaths,missing,injuries,report_kind,reported_at"
)


def row(
    aid: str, day: str, region: str = "331102", deaths: int = 1, injuries: int = 0, loss: int = 120000
) -> str:
    return f"{aid},{day} 09:30,{region},建筑业,高处坠落,{deaths},0,{injuries},{loss},快报,{day} 11:00"


def csv_text(lines: list[str], eol: str = "\n") -> str:
    return eol.join(lines) + eol


def put(case: str, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = HERE / case / "accidents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def xlsx_bytes(build) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2021, 4, 10, 9, 0)})
    build(wb, wb.add_worksheet("事故统计"))
    wb.close()
    return buf.getvalue()


def cells(line: str) -> list[object]:
    return [int(c) if c.lstrip("-").isdigit() and len(c) < 5 else c for c in line.split(",")]


PREVIOUS = [row("PREV-1", "2021-01-10"), row("PREV-2", "2021-02-10", deaths=2), row("PREV-3", "2021-03-10")]


def previous_xlsx(wb, ws) -> None:  # type: ignore[no-untyped-def]
    ws.write_row(0, 0, HEADER.split(","))
    for i, line in enumerate(PREVIOUS, 1):
        ws.write_row(i, 0, cells(line))


def main() -> None:
    for p in HERE.iterdir():
        if p.is_dir():
            shutil.rmtree(p)

    # Good data already in the warehouse: another quarter, and the earlier version of the case file.
    base = HERE / "_baseline"
    (base / "accidents").mkdir(parents=True)
    (base / "accidents" / "liandu_2020Q4.csv").write_text(
        csv_text([HEADER, row("B-1", "2020-10-05"), row("B-2", "2020-11-05"), row("B-3", "2020-12-05")]),
        encoding="utf-8",
    )
    (base / "previous.csv").write_text(csv_text([HEADER, *PREVIOUS]), encoding="utf-8")
    (base / "previous.xlsx").write_bytes(xlsx_bytes(previous_xlsx))

    good = [row("G-1", "2021-01-12"), row("G-2", "2021-02-12"), row("G-3", "2021-03-12")]

    # Encodings
    put("01_encoding_utf16", "liandu_2021Q1.csv", csv_text([HEADER, *good], "\r\n"), "utf-16")
    big5 = csv_text(
        [
            "事故編號,發生時間,行政區劃代碼,行業領域,事故類別,死亡人數,失蹤人數,受傷人數,直接經濟損失(元),報告類型,報告時間",
            "G-1,2021-01-12 09:30,331102,建築業,高處墜落,1,0,0,120000,快報,2021-01-12 11:00",
        ]
    )
    put("02_encoding_big5", "liandu_2021Q1.csv", big5, "big5")
    put("03_gbk_ok", "liandu_2021Q1.csv", csv_text([HEADER, *good], "\r\n"), "gbk")
    gbk = csv_text([HEADER, *good], "\r\n").encode("gbk")
    put("04_gbk_saved_as_utf8", "liandu_2021Q1.csv", gbk.decode("utf-8", errors="replace"), "utf-8")
    put(
        "05_garbled_cells",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER_EN,
                "G-1,2021-01-12 09:30,331102,建筑业,高处坠落,1,0,0,快报,2021-01-12 11:00",
                "G-2,2021-02-12 09:30,331102,建筑\ufffd\ufffd,高处坠落,1,0,0,快报,2021-02-12 11:00",
                "G-3,2021-03-12 09:30,331102,建筑业,\ufffd\ufffd\ufffd落,1,0,0,快报,2021-03-12 11:00",
            ]
        ),
    )

    # Headers
    put(
        "06_missing_columns",  # no 死亡人数, no 报告时间
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER.replace("死亡人数,", "").replace(",报告时间", ""),
                "G-1,2021-01-12 09:30,331102,建筑业,高处坠落,0,0,120000,快报",
            ]
        ),
    )
    put("07_header_typo", "liandu_2021Q1.csv", csv_text([HEADER.replace("死亡人数", "死忙人数"), *good]))

    def title_rows(wb, ws) -> None:  # type: ignore[no-untyped-def]
        title = wb.add_format({"bold": True, "align": "center", "font_size": 14})
        ws.merge_range(0, 0, 0, 10, "丽水市莲都区2021年第一季度生产安全事故统计表", title)
        ws.merge_range(1, 0, 1, 10, "填报单位:莲都区应急管理局    填报日期:2021年4月10日")
        # row 3 left blank; header on row 4
        ws.write_row(3, 0, HEADER.split(","), wb.add_format({"bold": True, "border": 1}))
        ws.write_row(4, 0, cells(good[0]))
        ws.write_row(5, 0, cells(good[1]))
        ws.write_row(6, 0, cells(row("G-4", "2021-03-02", deaths=-1)))  # sheet row 7: negative
        # sheet row 8 blank
        ws.write_row(8, 0, cells(good[2]))

    put("08_xlsx_title_rows", "liandu_2021Q1.xlsx", xlsx_bytes(title_rows))

    def two_row_header(wb, ws) -> None:  # type: ignore[no-untyped-def]
        h = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
        ws.merge_range(0, 0, 0, 10, "丽水市莲都区2021年第一季度生产安全事故统计表", h)
        for col, name in enumerate(["事故编号", "发生时间", "行政区划代码", "行业领域", "事故类别"]):
            ws.merge_range(1, col, 2, col, name, h)  # vertically merged: value in the upper cell
        ws.merge_range(1, 5, 1, 8, "人员伤亡及损失", h)  # group heading over four columns
        ws.write_row(2, 5, ["死亡人数", "失踪人数", "受伤人数", "直接经济损失(元)"], h)
        ws.merge_range(1, 9, 1, 10, "报告情况", h)
        ws.write_row(2, 9, ["报告类型", "报告时间"], h)
        ws.write_row(3, 0, cells(good[0]))
        ws.write_row(4, 0, cells(good[1]))
        ws.write_row(5, 0, cells(row("G-4", "2021-03-02", region="999999")))  # sheet row 6
        ws.write_row(6, 0, cells(good[2]))

    put("09_xlsx_two_row_header", "liandu_2021Q1.xlsx", xlsx_bytes(two_row_header))

    # Row rules
    put(
        "10_duplicates_within_file",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER,
                good[0],
                good[1],
                good[0],  # row 4: the same record again
                good[0]
                .replace("快报", "补报")
                .replace("2021-01-12 11:00", "2021-01-20 16:00"),  # a 补报: fine
            ]
        ),
    )
    put("11_duplicates_across_files", "liandu_2021Q1.csv", csv_text([HEADER, good[0], good[1]]))
    put(
        "11_duplicates_across_files",
        "liandu_2021Q1_补充.csv",
        csv_text([HEADER, good[2], good[1]]),  # row 3 repeats row 3 of liandu_2021Q1.csv
    )
    put(
        "12_negative_counts",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER,
                good[0],
                row("N-1", "2021-02-01", deaths=-1),
                row("N-2", "2021-02-02", injuries=-2),
                row("N-3", "2021-02-03", loss=-5000),
            ]
        ),
    )
    put(
        "13_unknown_regions",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER,
                good[0],
                row("R-1", "2021-02-01", region="999999"),  # no such code
                row("R-2", "2021-02-02", region="331199"),  # plausible, not in GB/T 2260
                row("R-3", "2021-02-03", region="500234"),  # 开县: abolished 2016 (now 开州区 500154)
                row("R-4", "2021-02-04", region="33110"),  # five digits
                row("R-5", "2021-02-05", region="莲都区"),  # a name instead of a code
            ]
        ),
    )
    put(
        "14_date_in_wrong_quarter",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER,
                good[0],
                good[1],
                row("Q-1", "2021-05-03"),  # row 4: after 2021Q1 (a typo for 2021-03-05?)
                row("Q-2", "2020-12-28").replace("快报", "补报"),  # row 5: a late report, before 2021Q1
            ]
        ),
    )

    # Truncated, empty
    put("15_truncated_csv_mid_row", "liandu_2021Q1.csv", csv_text([HEADER, *good])[:-60])
    quoted = f'{HEADER},核销原因\n{good[0]},\n{good[1].replace("快报", "核销")},"经调查,系自然灾害引发,不属于生产安全事故"\n'
    put("16_truncated_csv_mid_quote", "liandu_2021Q1.csv", quoted[:-12])
    whole = xlsx_bytes(previous_xlsx)
    put("17_truncated_xlsx", "liandu_2021Q1.xlsx", whole[: len(whole) // 2])
    put("18_empty_file", "liandu_2021Q1.csv", b"")
    put("19_header_only", "liandu_2021Q1.csv", HEADER + "\r\n", "gbk")
    control_characters()


GOOD = [row("G-1", "2021-01-12"), row("G-2", "2021-02-12"), row("G-3", "2021-03-12")]


def control_characters() -> None:
    """Cases 20-21 (committed, small): control characters inside cells, quarantined row by row."""
    put(
        "20_nul_in_field",
        "liandu_2021Q1.csv",
        csv_text([HEADER, GOOD[0], row("C-1", "2021-02-01").replace("建筑业", "建筑\x00业"), GOOD[2]]),
    )
    put(
        "21_control_characters",
        "liandu_2021Q1.csv",
        csv_text(
            [
                HEADER,
                GOOD[0],
                row("C-2\x1b[31m", "2021-02-02"),  # row 3: an ANSI escape (ESC) in the id
                row("C-3", "2021-02-03").replace("高处坠落", "高处\x7f坠落"),  # row 4: DEL
                row("C-4", "2021-02-04").replace("建筑业", "建筑\x9b业"),  # row 5: C1 CSI (U+009B)
                row("C-5", "2021-02-05").replace("建筑业", "建筑业\t"),  # row 6: a tab is text, loads
            ]
        ),
    )


# ----------------------------------------------------------------------------- generated at test time


def _put_at(dest: Path, case: str, name: str, data: bytes) -> Path:
    path = dest / case / "accidents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _rewrite_sheet(xlsx: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    """The workbook with its first sheet's XML replaced by edit(xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def csv_100k_columns(dest: Path) -> None:
    """22: a 0.7 MB CSV whose header has 100,000 extra columns (took 1.6 GB before the limit)."""
    wide = HEADER + "," + ",".join(f"备注{i}" for i in range(100_000))
    _put_at(dest, "22_csv_100k_columns", "liandu_2021Q1.csv", csv_text([wide, *GOOD]).encode())


def xlsx_cell_at_gr50000(dest: Path) -> None:
    """23: a 6 KB workbook with one cell at GR50000: calamine would allocate 50,000 × 200 cells."""

    def build(wb, ws) -> None:  # type: ignore[no-untyped-def]
        previous_xlsx(wb, ws)
        ws.write(49_999, 199, "x")

    _put_at(dest, "23_xlsx_cell_at_GR50000", "liandu_2021Q1.xlsx", xlsx_bytes(build))


def xlsx_dimension_lies(dest: Path) -> None:
    """24: the same cell at GR50000, but the sheet's <dimension> claims A1:K4."""

    def build(wb, ws) -> None:  # type: ignore[no-untyped-def]
        previous_xlsx(wb, ws)
        ws.write(49_999, 199, "x")

    def lie(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:K4"', xml)

    _put_at(dest, "24_xlsx_dimension_lies", "liandu_2021Q1.xlsx", _rewrite_sheet(xlsx_bytes(build), lie))


def xlsx_sheet_bomb(dest: Path, inflated_mb: int = 300) -> None:
    """25: a workbook of a few hundred KB whose sheet XML inflates to `inflated_mb` MB (blank
    padding between rows: highly compressible), above MAX_XLSX_UNCOMPRESSED_MB."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes(previous_xlsx)))
    path = dest / "25_xlsx_sheet_bomb" / "accidents" / "liandu_2021Q1.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with zout.open(info.filename, "w") as f:  # streamed: never 300 MB in memory
                f.write(head)
                block = b" " * (1 << 20)
                for _ in range(inflated_mb):
                    f.write(block)
                f.write(b"</sheetData>" + tail)


def csv_field_too_long(dest: Path) -> None:
    """26: a 40,000-character 核销原因 (above Excel's and the ingest's 32,767 per cell)."""
    text = csv_text(
        [f"{HEADER},核销原因", f"{GOOD[0]},", f"{GOOD[1].replace('快报', '核销')},{'经' * 40_000}"]
    )
    _put_at(dest, "26_csv_field_too_long", "liandu_2021Q1.csv", text.encode())


def csv_field_over_csv_limit(dest: Path) -> None:
    """27: a 200,000-character cell (above csv's own 131,072: was rejected as 'misplaced quote')."""
    text = csv_text([f"{HEADER},核销原因", f"{GOOD[0]},", f'{GOOD[1]},"{"x" * 200_000}"'])
    _put_at(dest, "27_csv_field_over_csv_limit", "liandu_2021Q1.csv", text.encode())


def csv_line_without_breaks(dest: Path) -> None:
    """28: 2 MB on one line after the header (no line breaks: one row of 2M characters)."""
    text = csv_text([HEADER, ",".join(["x" * 1000] * 2000)])
    _put_at(dest, "28_csv_line_without_breaks", "liandu_2021Q1.csv", text.encode())


GENERATED: dict[str, Callable[[Path], None]] = {
    "22_csv_100k_columns": csv_100k_columns,
    "23_xlsx_cell_at_GR50000": xlsx_cell_at_gr50000,
    "24_xlsx_dimension_lies": xlsx_dimension_lies,
    "25_xlsx_sheet_bomb": xlsx_sheet_bomb,
    "26_csv_field_too_long": csv_field_too_long,
    "27_csv_field_over_csv_limit": csv_field_over_csv_limit,
    "28_csv_line_without_breaks": csv_line_without_breaks,
}


def generate(case: str, dest: Path) -> Path:
    """Write generated `case` under dest/<case>/accidents/; returns dest/<case>."""
    GENERATED[case](dest)
    return dest / case


if __name__ == "__main__":
    main()
