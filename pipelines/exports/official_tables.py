"""综合情况表: the comprehensive tables of a region and period in the official layouts (Excel).

One sheet per layout (LAYOUTS): 各类生产安全事故综合情况 by 行业领域 and by 事故类别 (GB 6441),
地区生产安全事故综合情况 by child region, and the fire, road-traffic and natural-disaster summaries
by child region. A period is a month, a 1–N月累计, a quarter or a year (month_periods.py).

Each sheet follows the printed forms of the survey systems: the title; the 表号 / 制定机关 /
批准机关 box at the top right; the period under the title; 填报单位 and 报出日期; a merged two-row
header (indicator(unit) over 本期 | 去年同期 | 同比增减(%)); the 栏次 row (甲 乙 1 2 …); the 合计
row first; footnotes; and the 单位负责人 / 统计负责人 / 填表人 line. The synthetic label heads
every sheet when the serving copy is the embedded sample.

Figures come from the marts as they are: region rows and every 合计 from
`marts.fct_indicator_values` (value, yoy_base_value, yoy_pct), category rows from
`marts.fct_breakdowns` (value, value − yoy_abs, yoy_pct). A partial figure shows a trailing "*"
through its number format; a missing one is left blank.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.exports.formats import now_beijing
from pipelines.exports.month_periods import (
    ReportPeriod,
    breakdown_values,
    indicator_values,
    parse_period,
)
from pipelines.exports.quarterly_workbook import PARTIAL_MARK, SAMPLE_LABEL, unit_name
from pipelines.exports.report_data import Region, _children, _meta, _resolve_region
from pipelines.lib.safe_cells import SafeWorkbook, new_workbook

FIELDS = ("本期", "去年同期", "同比增减(%)")
BOX_COLS = 3  # the 表号 box spans the last three columns
HEADER_ROW = 4  # 0-based: the two header rows, then the 栏次 row
NUMBER_ROW = HEADER_ROW + 2
FIRST_DATA_ROW = NUMBER_ROW + 1
TOTAL_LABEL = "合计"
MINISTRY = "应急管理部"
APPROVER = "国家统计局"
# 表号 of the 生产安全事故统计报表制度 (安监总统计〔2012〕98号, 报表目录); the summaries that no
# form of that system prints in this shape are marked as compiled here (自编汇总表).
OWN_FORM = "自编汇总表"
SECTOR_ORDER = (
    "coal_mine",
    "metal_nonmetal_mine",
    "hazardous_chemicals",
    "fireworks",
    "construction",
    "industry_trade",
    "road_transport",
    "waterway_transport",
    "railway_transport",
    "civil_aviation",
    "agricultural_machinery",
    "fishing_vessels",
    "urban_gas",
    "other",
)


@dataclass(frozen=True)
class Column:
    """One indicator block: `indicator` of fct_indicator_values (合计 and region rows) and the
    `measure` of fct_breakdowns (category rows; None where the mart has no breakdown of it)."""

    header: str
    unit: str
    indicator: str | None
    measure: str | None = None
    places: int = 0


@dataclass(frozen=True)
class Layout:
    key: str
    sheet: str
    title: str
    form_no: str
    rows: str  # 'regions' or 'breakdown'
    columns: tuple[Column, ...]
    row_header: tuple[str, str]
    domain: str | None = None
    breakdown: str | None = None
    note: str = ""


PS_COLUMNS = (
    Column("事故起数", "起", "ps_accidents", "ps_accidents"),
    Column("死亡人数", "人", "ps_deaths", "ps_deaths"),
    Column("受伤人数", "人", "ps_injuries"),
    Column("直接经济损失", "万元", None, places=1),
)
NO_BREAKDOWN_NOTE = "本期服务库无分类构成数(marts.fct_breakdowns 按季度、季末1-N月累计和年度汇总),只列合计。"
PS_NOTE = (
    "死亡人数含失踪人数。受伤人数只有合计(分类构成表 fct_breakdowns 未汇总受伤人数);"
    "服务库未汇总生产安全事故直接经济损失,该栏空白。"
)

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "ps_by_sector",
        "各类事故(行业领域)",
        "各类生产安全事故综合情况",
        "综合B1表",
        "breakdown",
        PS_COLUMNS,
        ("代码", "行业领域"),
        "production_safety",
        "sector",
        PS_NOTE,
    ),
    Layout(
        "ps_by_category",
        "各类事故(事故类别)",
        "各类生产安全事故综合情况(按事故类别)",
        "综合B1表(按GB 6441事故类别)",
        "breakdown",
        PS_COLUMNS,
        ("代码", "事故类别"),
        "production_safety",
        "category",
        PS_NOTE,
    ),
    Layout(
        "ps_by_region",
        "地区事故",
        "地区生产安全事故综合情况",
        "综合B2表",
        "regions",
        (
            Column("事故起数", "起", "ps_accidents"),
            Column("死亡人数", "人", "ps_deaths"),
            Column("受伤人数", "人", "ps_injuries"),
            Column("较大及以上事故起数", "起", "ps_accidents_larger_plus"),
        ),
        ("地区代码", "地区"),
        note="死亡人数含失踪人数。",
    ),
    Layout(
        "fire",
        "火灾",
        "火灾事故汇总情况",
        "行业C1-1表",
        "regions",
        (
            Column("火灾起数", "起", "fire_count"),
            Column("死亡人数", "人", "fire_deaths"),
            Column("受伤人数", "人", "fire_injuries"),
            Column("直接财产损失", "万元", "fire_direct_loss", places=1),
        ),
        ("地区代码", "地区"),
    ),
    Layout(
        "road",
        "道路交通",
        "道路交通事故汇总情况",
        OWN_FORM,
        "regions",
        (
            Column("事故起数", "起", "road_accidents"),
            Column("死亡人数", "人", "road_deaths"),
            Column("受伤人数", "人", "road_injuries"),
        ),
        ("地区代码", "地区"),
    ),
    Layout(
        "disaster",
        "自然灾害",
        "自然灾害情况汇总",
        OWN_FORM,
        "regions",
        (
            Column("受灾人次", "人次", "nd_affected_person_times"),
            Column("因灾死亡人数", "人", "nd_deaths"),
            Column("因灾失踪人数", "人", "nd_missing"),
            Column("紧急转移安置人数", "人", "nd_relocated"),
            Column("倒塌房屋", "间", "nd_collapsed_houses"),
            Column("农作物受灾面积", "公顷", "nd_crop_affected_area", places=1),
            Column("直接经济损失", "万元", "nd_direct_loss", places=1),
        ),
        ("地区代码", "地区"),
    ),
)
LAYOUT_BY_KEY = {layout.key: layout for layout in LAYOUTS}


@dataclass(frozen=True)
class Cell:
    value: float | None
    base: float | None
    pct: float | None
    partial: bool


@dataclass(frozen=True)
class TableRow:
    code: str
    label: str
    cells: tuple[Cell, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    layout: Layout
    rows: tuple[TableRow, ...]
    note: str = ""  # a footnote of this table alone (a period without breakdown rows)


@dataclass(frozen=True)
class OfficialTables:
    region: Region
    period: ReportPeriod
    tables: tuple[Table, ...]
    is_sample: bool | None


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _value_cell(row: dict[str, Any] | None) -> Cell:
    if not row:
        return Cell(None, None, None, False)
    return Cell(
        _f(row.get("value")),
        _f(row.get("yoy_base_value")),
        _f(row.get("yoy_pct")),
        row.get("completeness") == "partial",
    )


def _breakdown_cell(row: dict[str, Any] | None) -> Cell:
    if not row:
        return Cell(None, None, None, False)
    value, change = _f(row.get("value")), _f(row.get("yoy_abs"))
    base = value - change if value is not None and change is not None else None
    return Cell(value, base, _f(row.get("yoy_pct")), row.get("completeness") == "partial")


def _period_dates(period: ReportPeriod) -> tuple[dt.date, dt.date]:
    first, last = period.months()
    end = dt.date(period.year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(period.year, first, 1), end


def _region_table(
    con: duckdb.DuckDBPyConnection, layout: Layout, region: Region, period: ReportPeriod
) -> Table:
    start, end = _period_dates(period)
    regions = [region, *_children(con, region.code, start, end)]
    codes = [c.indicator for c in layout.columns if c.indicator]
    values = indicator_values(con, [r.code for r in regions], codes, period)
    rows = [
        TableRow(
            r.code,
            TOTAL_LABEL if i == 0 else r.name_zh,
            tuple(_value_cell(values.get((r.code, c.indicator or ""))) for c in layout.columns),
            is_total=i == 0,
        )
        for i, r in enumerate(regions)
    ]
    return Table(layout, tuple(rows))


def _sort_key(breakdown: str, code: str) -> tuple[int, str]:
    if breakdown == "sector" and code in SECTOR_ORDER:
        return SECTOR_ORDER.index(code), code
    return len(SECTOR_ORDER) + (code == "unknown"), code


def _breakdown_table(
    con: duckdb.DuckDBPyConnection, layout: Layout, region: Region, period: ReportPeriod
) -> Table:
    assert layout.domain and layout.breakdown
    indicators = [c.indicator for c in layout.columns if c.indicator]
    totals = indicator_values(con, [region.code], indicators, period)
    measures = [c.measure for c in layout.columns if c.measure]
    found = breakdown_values(con, region.code, layout.domain, layout.breakdown, measures, period)
    by_cat: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for r in found:
        by_cat.setdefault(str(r["category_code"]), {})[str(r["measure_code"])] = r
        names[str(r["category_code"])] = str(r["category_name_zh"] or r["category_code"])
    rows = [
        TableRow(
            region.code,
            TOTAL_LABEL,
            tuple(_value_cell(totals.get((region.code, c.indicator or ""))) for c in layout.columns),
            is_total=True,
        )
    ]
    for code in sorted(by_cat, key=lambda c: _sort_key(layout.breakdown or "", c)):
        cells = tuple(_breakdown_cell(by_cat[code].get(c.measure or "")) for c in layout.columns)
        rows.append(TableRow("" if layout.breakdown == "sector" else code, names[code], cells))
    note = "" if found else NO_BREAKDOWN_NOTE
    return Table(layout, tuple(rows), note)


def load_tables(
    con: duckdb.DuckDBPyConnection, region: str, period: str, layouts: tuple[Layout, ...] = LAYOUTS
) -> OfficialTables:
    """The tables of `region` (code or Chinese name) for `period` ('2023M07', '2023M01-07', '2023')."""
    p = parse_period(period)
    reg = _resolve_region(con, region)
    tables = tuple(
        _breakdown_table(con, layout, reg, p)
        if layout.rows == "breakdown"
        else _region_table(con, layout, reg, p)
        for layout in layouts
    )
    is_sample, _ = _meta(con)
    return OfficialTables(reg, p, tables, is_sample)


# ----------------------------------------------------------------------------- the workbook


class _Formats:
    def __init__(self, wb: SafeWorkbook) -> None:
        base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "vcenter"}
        self.wb, self.base = wb, base
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.period = wb.add_format({**base, "align": "center"})
        self.box = wb.add_format({**base, "font_size": 9, "align": "left"})
        self.sample = wb.add_format({**base, "bold": True, "font_color": "#B00020", "align": "center"})
        self.meta = wb.add_format({**base})
        self.meta_right = wb.add_format({**base, "align": "right"})
        self.header = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "border": 1})
        self.number_row = wb.add_format({**base, "align": "center", "border": 1, "font_size": 9})
        self.text = wb.add_format({**base, "border": 1})
        self.total = wb.add_format({**base, "border": 1, "bold": True, "align": "center"})
        self.foot = wb.add_format({**base, "font_size": 9, "text_wrap": True, "valign": "top"})
        self._num: dict[tuple[int, bool, bool], Format] = {}

    def number(self, places: int, partial: bool, bold: bool) -> Format:
        key = (places, partial, bold)
        if key not in self._num:
            body = "#,##0" + ("." + "0" * places if places else "")
            self._num[key] = self.wb.add_format(
                {
                    **self.base,
                    "border": 1,
                    "bold": bold,
                    "align": "right",
                    "num_format": body + (f'"{PARTIAL_MARK}"' if partial else ""),
                }
            )
        return self._num[key]


def last_column(layout: Layout) -> int:
    return 2 + 3 * len(layout.columns) - 1


def value_column(layout: Layout, column: int, field: int) -> int:
    """Sheet column (0-based) of field 0 本期, 1 去年同期, 2 同比增减(%) of the column-th block."""
    return 2 + 3 * column + field


def _write_number(ws: Worksheet, row: int, col: int, value: float | None, fmt: Format) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, value, fmt)


def _footnotes(table: Table, tables: OfficialTables) -> list[str]:
    layout = table.layout
    lines = [
        f"注:1. 标“{PARTIAL_MARK}”的数为部分数据(下级地区覆盖或报送不全),不是完整合计;空白为服务库无此数。",
        "2. 同比增减(%)=(本期−去年同期)÷去年同期×100;去年同期为零或统计口径变化时不计算。",
        "3. 数据来源:安全统计数据仓库服务库(marts.fct_indicator_values"
        + (",marts.fct_breakdowns" if layout.rows == "breakdown" else "")
        + f");表号依据《生产安全事故统计报表制度》(安监总统计〔2012〕98号)报表目录,“{OWN_FORM}”为本库按同一格式汇总。",
    ]
    for note in (layout.note, table.note):
        if note:
            lines.append(f"{len(lines) + 1}. {note}")
    if tables.is_sample:
        lines.append(f"{len(lines) + 1}. {SAMPLE_LABEL}:本表由内置样例数据生成,不得作为正式统计数据使用。")
    return lines


def _write_sheet(
    book: SafeWorkbook, f: _Formats, table: Table, tables: OfficialTables, reported_on: dt.date
) -> None:
    layout = table.layout
    ws = book.add_worksheet(layout.sheet)
    last = last_column(layout)
    left_last = last - BOX_COLS
    _, unit = unit_name(tables.region)
    box = (f"表    号:{layout.form_no}", f"制定机关:{MINISTRY}", f"批准机关:{APPROVER}")
    book.merge_text(ws, 0, 0, 0, left_last, layout.title, f.title)
    book.merge_text(ws, 1, 0, 1, left_last, tables.period.label_zh, f.period)
    if tables.is_sample:
        book.merge_text(ws, 2, 0, 2, left_last, SAMPLE_LABEL + ",不得作为正式统计数据使用", f.sample)
    for i, line in enumerate(box):
        book.merge_text(ws, i, left_last + 1, i, last, line, f.box)
    book.merge_text(ws, 3, 0, 3, left_last, f"填报单位:{unit}", f.meta)
    book.merge_text(ws, 3, left_last + 1, 3, last, f"报出日期:{reported_on:%Y年%-m月%-d日}", f.meta_right)
    ws.set_row(0, 28)

    h = HEADER_ROW
    for c, label in enumerate(layout.row_header):
        book.merge_text(ws, h, c, h + 1, c, label, f.header)
    for k, col in enumerate(layout.columns):
        c0 = value_column(layout, k, 0)
        book.merge_text(ws, h, c0, h, c0 + 2, f"{col.header}({col.unit})", f.header)
        for j, label in enumerate(FIELDS):
            book.write_text(ws, h + 1, c0 + j, label, f.header)
    ws.set_row(h + 1, 30)
    book.write_text(ws, NUMBER_ROW, 0, "甲", f.number_row)
    book.write_text(ws, NUMBER_ROW, 1, "乙", f.number_row)
    for c in range(2, last + 1):
        book.write_text(ws, NUMBER_ROW, c, str(c - 1), f.number_row)

    for r, row in enumerate(table.rows):
        at = FIRST_DATA_ROW + r
        book.write_text(ws, at, 0, row.code, f.text)
        book.write_text(ws, at, 1, row.label, f.total if row.is_total else f.text)
        for k, (col, cell) in enumerate(zip(layout.columns, row.cells, strict=True)):
            _write_number(
                ws,
                at,
                value_column(layout, k, 0),
                cell.value,
                f.number(col.places, cell.partial, row.is_total),
            )
            _write_number(
                ws, at, value_column(layout, k, 1), cell.base, f.number(col.places, False, row.is_total)
            )
            _write_number(
                ws, at, value_column(layout, k, 2), cell.pct, f.number(1, cell.partial, row.is_total)
            )

    foot = FIRST_DATA_ROW + len(table.rows) + 1
    lines = _footnotes(table, tables)
    for i, line in enumerate(lines):
        book.merge_text(ws, foot + i, 0, foot + i, last, line, f.foot)
        ws.set_row(foot + i, 15 * max(1, len(line) // 90 + 1))
    sign = foot + len(lines) + 1
    book.merge_text(
        ws,
        sign,
        0,
        sign,
        last,
        f"单位负责人:          统计负责人:          填表人:          报出日期:{reported_on:%Y年%-m月%-d日}",
        f.meta,
    )
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 16)
    ws.set_column(2, last, 9)
    ws.freeze_panes(FIRST_DATA_ROW, 2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW, NUMBER_ROW)


def build_workbook(tables: OfficialTables, reported_on: dt.date | None = None) -> bytes:
    reported_on = reported_on or now_beijing().date()
    buf = io.BytesIO()
    book = new_workbook(buf)
    book.wb.set_properties(
        {
            "title": f"{tables.region.name_zh} {tables.period.label_zh} 综合情况表",
            "subject": "生产安全事故综合情况 / official comprehensive tables",
            "comments": SAMPLE_LABEL if tables.is_sample else "",
        }
    )
    f = _Formats(book)
    for table in tables.tables:
        _write_sheet(book, f, table, tables, reported_on)
    book.close()
    return buf.getvalue()


def write_workbook(tables: OfficialTables, out: Path, reported_on: dt.date | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_workbook(tables, reported_on))
    return out
