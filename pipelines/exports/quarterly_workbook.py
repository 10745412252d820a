"""综合报表: the quarterly Excel workbook a bureau submits upward, for one region and quarter.

Sheet 1 "综合报表": title, 填报单位 / 报告期 / 计量单位, a merged three-row header (indicator →
本季度 | 1–N月累计 → 本期 / 上年同期 / 同比增减(%)), one row for the region itself (合计) and one
per child region in code order, a 备注 column and the footnotes (definitions, source and vintage,
generation time, synthetic-sample label).
Sheet 2 "明细": the long table (one row per region × indicator × quarter/YTD) for analysts.

Numbers are written as numbers with full precision; number formats show them at the published
precision. A partial figure keeps its value and shows a trailing "*" through its number format.
Text is written through `pipelines.lib.safe_cells` (as text, quote-prefixed when formula-like).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.exports.denominators import status_text_zh
from pipelines.exports.formats import decimals, fmt_time, now_beijing, quarter_texts
from pipelines.exports.report_data import EXPORT_COLUMNS, QuarterReport, Region
from pipelines.lib.safe_cells import SafeWorkbook, new_workbook

SHEET_MAIN = "综合报表"
SHEET_LONG = "明细"
FIELDS = ("本期", "上年同期", "同比增减(%)")
HEADER_ROW = 4  # first of the three header rows (0-based)
FIRST_DATA_ROW = HEADER_ROW + 3
PARTIAL_MARK = "*"
DENOMINATOR_MARK = "‡"  # in 备注 and the value cell's comment: the denominator is flagged
SAMPLE_LABEL = "样例数据为合成数据 / synthetic sample"


def unit_name(region: Region) -> tuple[str, str]:
    """(region name as printed, 填报单位)."""
    if region.code == "000000":
        return "全国", "应急管理部"
    return region.name_zh, f"{region.name_zh}应急管理局"


def title(report: QuarterReport) -> str:
    name, _ = unit_name(report.region)
    return f"{name} {report.year}年第{report.quarter}季度 安全生产统计综合报表"


def block_column(indicator_index: int, period_type: str, field: int) -> int:
    """Sheet column of an indicator block cell: 2 region columns, then 6 columns per indicator."""
    return 2 + indicator_index * 6 + (0 if period_type == "quarter" else 3) + field


class _Formats:
    def __init__(self, wb: SafeWorkbook) -> None:
        base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "vcenter"}
        self.wb = wb
        self.base = base
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.sample = wb.add_format({**base, "bold": True, "font_color": "#B00020", "align": "center"})
        self.meta = wb.add_format({**base})
        self.header = wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#EEF2F7"}
        )
        self.text = wb.add_format({**base, "border": 1})
        self.total = wb.add_format({**base, "border": 1, "bold": True})
        self.note = wb.add_format({**base, "border": 1, "text_wrap": True, "font_size": 9})
        self.foot = wb.add_format({**base, "font_size": 9, "text_wrap": True, "valign": "top"})
        self._num: dict[tuple[int, bool, bool], Format] = {}

    def number(self, places: int, partial: bool = False, bold: bool = False) -> Format:
        key = (places, partial, bold)
        if key not in self._num:
            body = "#,##0" + ("." + "0" * places if places else "")
            fmt = body + (f'"{PARTIAL_MARK}"' if partial else "")
            # negative numbers keep their sign, and partial ones their mark
            self._num[key] = self.wb.add_format(
                {**self.base, "border": 1, "num_format": fmt, "bold": bold, "align": "right"}
            )
        return self._num[key]


def _cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _row_notes(report: QuarterReport, region: Region) -> list[str]:
    """The 备注 of a row: partial figures (部分(k/n)), missing submissions, partial bases, breaks."""
    cells = [report.value(region.code, i.code, pt) for i in report.headline for pt in ("quarter", "ytd")]
    present = [c for c in cells if c is not None]
    if not present:
        return ["无数据"]
    notes: list[str] = []
    coverage = sorted(
        {
            (c["coverage_k"], c["coverage_n"])
            for c in present
            if c["completeness"] == "partial"
            and c["coverage_n"] is not None
            and c["coverage_k"] != c["coverage_n"]
        },
        key=lambda kn: (kn[1], kn[0]),
    )
    notes += [f"部分({k}/{n})" for k, n in coverage]
    units = sorted({u for c in present if c.get("missing_units") for u in str(c["missing_units"]).split(",")})
    if units:
        notes.append("部分(缺报:" + "、".join(u.strip() for u in units) + ")")
    with_base = [
        (i, pt)
        for i in report.headline
        for pt in ("quarter", "ytd")
        if (report.value(region.code, i.code, pt) or {}).get("yoy_base_value") is not None
    ]
    base_partial = [
        i.name_zh
        for i, pt in with_base
        if report.base_completeness.get((region.code, i.code, pt)) == "partial"
    ]
    if base_partial and len(base_partial) == len(with_base):
        notes.append(f"上年同期亦为部分数据({PARTIAL_MARK})")
    elif base_partial:
        notes.append(f"上年同期为部分数据({PARTIAL_MARK}):" + "、".join(dict.fromkeys(base_partial)))
    broken: dict[str, list[str]] = {}
    for i in report.headline:
        for pt in ("quarter", "ytd"):
            c = report.value(region.code, i.code, pt)
            if c is not None and c["yoy_break"]:
                names = broken.setdefault(str(c["break_note_zh"] or "统计口径变化"), [])
                if i.name_zh not in names:
                    names.append(i.name_zh)
    for note, names in broken.items():
        notes.append(f"{'、'.join(names)}同比不可比({note})")
    notes += denominator_notes(report, region)
    return notes


def denominator_notes(report: QuarterReport, region: Region) -> list[str]:
    """'亿元GDP死亡率(1-12月)分母为…' for each headline rate of the row whose denominator is
    another year's or an estimate, or a closed year carried without its own (denominators.py)."""
    texts = quarter_texts(report.year, report.quarter)
    block_names = {"quarter": "本季度", "ytd": texts["ytd"]}
    notes: list[str] = []
    for i in report.headline:
        for pt in ("quarter", "ytd"):
            text = status_text_zh(report.value(region.code, i.code, pt) or {})
            if text:
                notes.append(f"{DENOMINATOR_MARK}{i.name_zh}({block_names[pt]}){text}")
    return notes


def _write_main(ws: Worksheet, f: _Formats, report: QuarterReport, generated_at: dt.datetime) -> None:
    book = f.wb
    headline = report.headline
    last_col = block_column(len(headline) - 1, "ytd", 2) + 1  # the 备注 column
    texts = quarter_texts(report.year, report.quarter)
    name, unit = unit_name(report.region)

    book.merge_text(ws, 0, 0, 0, last_col, title(report), f.title)
    ws.set_row(0, 28)
    if report.is_sample:
        book.merge_text(ws, 1, 0, 1, last_col, SAMPLE_LABEL + ",不得作为正式统计数据使用", f.sample)
    third = (last_col + 1) // 3  # 填报单位 | 报告期 | 计量单位 side by side
    book.merge_text(ws, 2, 0, 2, third - 1, f"填报单位:{unit}", f.meta)
    book.merge_text(
        ws,
        2,
        third,
        2,
        2 * third - 1,
        f"报告期:{texts['quarter']}({texts['quarter_months']})及{texts['ytd']}",
        f.meta,
    )
    book.merge_text(ws, 2, 2 * third, 2, last_col, "计量单位:见各指标栏(括号内)", f.meta)

    h = HEADER_ROW
    book.merge_text(ws, h, 0, h + 2, 0, "地区代码", f.header)
    book.merge_text(ws, h, 1, h + 2, 1, "地区", f.header)
    for k, ind in enumerate(headline):
        c0 = block_column(k, "quarter", 0)
        book.merge_text(ws, h, c0, h, c0 + 5, f"{ind.name_zh}({ind.unit})", f.header)
        book.merge_text(ws, h + 1, c0, h + 1, c0 + 2, f"本季度({texts['quarter_months']})", f.header)
        book.merge_text(ws, h + 1, c0 + 3, h + 1, c0 + 5, texts["ytd"], f.header)
        for j, label in enumerate(FIELDS * 2):
            book.write_text(ws, h + 2, c0 + j, label, f.header)
    book.merge_text(ws, h, last_col, h + 2, last_col, "备注", f.header)
    ws.set_row(h, 42)
    ws.set_row(h + 2, 30)

    for r, region in enumerate(report.rows):
        row = FIRST_DATA_ROW + r
        is_total = r == 0
        label = f"{name}(合计)" if is_total else region.name_zh
        book.write_text(ws, row, 0, region.code, f.total if is_total else f.text)
        book.write_text(ws, row, 1, label, f.total if is_total else f.text)
        for k, ind in enumerate(headline):
            places = decimals(ind.code, ind.kind, ind.unit)
            for pt in ("quarter", "ytd"):
                v = report.value(region.code, ind.code, pt) or {}
                partial = v.get("completeness") == "partial"
                base_partial = report.base_completeness.get((region.code, ind.code, pt)) == "partial"
                _cell(ws, row, block_column(k, pt, 0), v.get("value"), f.number(places, partial, is_total))
                den_note = status_text_zh(v)
                if den_note:
                    ws.write_comment(
                        row, block_column(k, pt, 0), f"{DENOMINATOR_MARK}{den_note}", {"x_scale": 2}
                    )
                _cell(
                    ws,
                    row,
                    block_column(k, pt, 1),
                    v.get("yoy_base_value"),
                    f.number(places, base_partial, is_total),
                )
                # a change computed on a partial figure (either side) is itself partial
                pct_partial = partial or base_partial
                _cell(ws, row, block_column(k, pt, 2), v.get("yoy_pct"), f.number(1, pct_partial, is_total))
                if v.get("yoy_break"):
                    ws.write_comment(
                        row,
                        block_column(k, pt, 2),
                        f"统计口径变化,同比不可比:{v.get('break_note_zh') or ''}",
                        {"x_scale": 2},
                    )
        book.write_text(ws, row, last_col, ";".join(_row_notes(report, region)), f.note)

    foot = FIRST_DATA_ROW + len(report.rows) + 1
    for i, line in enumerate(footnotes(report, generated_at)):
        book.merge_text(ws, foot + i, 0, foot + i, last_col, line, f.foot)
        ws.set_row(foot + i, 15 * max(1, len(line) // 160 + 1))

    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 16)
    ws.set_column(2, last_col - 1, 9.5)
    ws.set_column(last_col, last_col, 36)
    ws.freeze_panes(FIRST_DATA_ROW, 2)
    ws.set_landscape()
    ws.set_paper(8)  # A3: 72 value columns do not fit an A4 width legibly
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW, FIRST_DATA_ROW - 1)
    ws.repeat_columns(0, 1)


def footnotes(report: QuarterReport, generated_at: dt.datetime) -> list[str]:
    texts = quarter_texts(report.year, report.quarter)
    vintage = report.vintage()
    lines = [
        f"注:1. 标“{PARTIAL_MARK}”的数为部分数据(下级地区覆盖或报送不全;备注中 k/n 为已完整覆盖的下级地区数/"
        "下级地区总数),不是完整合计;部分数据不计算比率(留空)。",
        "2. 同比增减(%)=(本期−上年同期)÷上年同期×100;上年同期为零时不计算。统计口径变化(序列断点)前后不可比:"
        "上年同期与同比留空,并在备注中说明。",
        f"3. {texts['ytd']}为{report.year}年1月1日至报告季度末"
        + ("(第4季度即全年:取年度值,记录不完整时为地区统计报表公布的全年合计)" if report.quarter == 4 else "")
        + ";比率以累计分子÷分母计算,不作年化;存量分母(人口、就业人员、机动车、特种设备)取年末数,"
        "当年未发布时取上年末数;GDP 取累计季度数,未发布时以全年数×N/4估算。"
        f"分母取自他年或为估算的,在备注和数值批注中以“{DENOMINATOR_MARK}”注明;年度已结束仍无当年分母的亦予标注。",
        "4. 指标定义:" + ";".join(f"{i.name_zh}({i.unit})={i.formula_zh}" for i in report.headline) + "。",
        "5. 数据来源:安全统计数据仓库服务库 marts.fct_indicator_values(由记录汇总或地区统计报表取得);"
        f"数据版本:截至 {vintage.isoformat() if vintage else '—'} 发布;"
        f"服务库发布时间:{fmt_time(report.published_at) if report.published_at else '—'}。",
        f"6. 生成时间:{fmt_time(generated_at)}。",
    ]
    if report.is_sample:
        lines.append(f"7. {SAMPLE_LABEL}:本表由内置样例数据生成,除种子文件所载数字外均为合成数据。")
    return lines


def _write_long(ws: Worksheet, f: _Formats, book: SafeWorkbook, report: QuarterReport) -> None:
    head = book.add_format({**f.base, "bold": True, "bg_color": "#EEF2F7"})
    date = book.add_format({**f.base, "num_format": "yyyy-mm-dd"})
    plain = book.add_format({**f.base})
    for c, name in enumerate(EXPORT_COLUMNS):
        book.write_text(ws, 0, c, name, head)
    for r, rec in enumerate(report.long_rows(), start=1):
        for c, name in enumerate(EXPORT_COLUMNS):
            book.write_value(ws, r, c, rec.get(name), plain, date)
    ws.autofilter(0, 0, max(1, len(report.long_rows())), len(EXPORT_COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    ws.set_column(0, len(EXPORT_COLUMNS) - 1, 14)


def build_workbook(report: QuarterReport, generated_at: dt.datetime | None = None) -> bytes:
    """The workbook as bytes (for a download button or a file)."""
    generated_at = generated_at or now_beijing()
    buf = io.BytesIO()
    book = new_workbook(buf)
    book.wb.set_properties(
        {
            "title": title(report),
            "subject": "安全生产统计综合报表 / quarterly safety statistics",
            "comments": SAMPLE_LABEL if report.is_sample else "",
            "created": generated_at.replace(tzinfo=None),
        }
    )
    f = _Formats(book)
    _write_main(book.add_worksheet(SHEET_MAIN), f, report, generated_at)
    _write_long(book.add_worksheet(SHEET_LONG), f, book, report)
    book.close()
    return buf.getvalue()


def write_workbook(report: QuarterReport, out: Path, generated_at: dt.datetime | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_workbook(report, generated_at))
    return out
