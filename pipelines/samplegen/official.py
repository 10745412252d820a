"""Official-layout twins of sample files (docs/official_forms.md): the same content as a canonical
file of ``raw/sample``, written as the survey systems' reporting software exports a form (title
with the period and 金额单位, 表号/制定机关/批准文号/有效期至 box, 填报单位, merged multi-row header,
column-number row, 合计 row, signature lines), as XLSX or as a GBK CSV saved from it.

    python -m pipelines.samplegen.official --raw raw/sample --out tests/fixtures/official_forms

Every twin says SYNTHETIC in its title (合成样例数据). The twins live beside the sample, not in
it: ``tests/test_samplegen.py`` reads every file of ``raw/sample`` as a plain table with its
header in row 1, so the sample itself stays in that layout. ``twins.json`` maps each twin to its
canonical file (and, for report tables, the period it holds). Byte-stable like the sample.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.lib.contracts import REPORT_KINDS_ACCIDENT, REPORT_KINDS_DISASTER, SOURCES_BY_NAME
from pipelines.lib.official_forms_specs import FORMS_BY_CODE, MONEY_UNITS, FormSpec, Leaf
from pipelines.lib.parse import parse_frame
from pipelines.lib.readers import read_raw_file

from . import spec as sample_spec

SYNTHETIC = "(合成样例数据 / SYNTHETIC)"
ROOT = Path(__file__).resolve().parents[2]
Cell = str | int | float | dt.datetime | dt.date | None


@dataclass
class Sheet:
    """A form as a grid of cells plus merged ranges (first row, first col, last row, last col)."""

    rows: list[list[Cell]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    header_rows: tuple[int, int] = (0, 0)

    def add(self, cells: Sequence[Cell]) -> int:
        self.rows.append(list(cells))
        return len(self.rows) - 1


@dataclass(frozen=True)
class Twin:
    form: str  # FormSpec code
    source: str
    canonical: str  # file under raw/sample, relative
    out: str  # file under the output folder, relative
    reporter: str  # 填报单位
    period_zh: str  # in the title, e.g. 2024年
    money_unit: str = "万元"
    released_zh: str = ""  # 报出日期 (record forms: not read, informative only)
    period: str | None = None  # report tables: the period of the canonical file's rows to write


_BB, _YG = "重庆市北碚区应急管理局", "阳谷县应急管理局"
TWINS: tuple[Twin, ...] = (
    *(
        Twin(form, source, f"{source}/500109_北碚_2024.csv", f"{source}/500109_北碚_2024.xlsx", _BB, "2024年")
        for form, source in (
            ("A1", "accidents"),
            ("C2-1", "road_traffic"),
            ("C1-1", "fires"),
            ("ZH-1", "disasters"),
            ("ZF-1", "enforcement"),
        )
    ),
    *(
        Twin(
            form,
            source,
            f"{source}/371521_阳谷_2024.csv",
            f"{source}/371521_阳谷_2024.csv",
            _YG,
            "2024年",
            "元",
        )
        for form, source in (
            ("A1", "accidents"),
            ("C2-1", "road_traffic"),
            ("C1-1", "fires"),
            ("ZH-1", "disasters"),
            ("ZF-1", "enforcement"),
        )
    ),
    Twin(
        "C-R",
        "reports",
        "reports/450000_广西_道路交通和火灾_2016-2026.csv",
        "reports/450000_广西_道路交通和火灾_2024.xlsx",
        "广西壮族自治区应急管理厅",
        "2024年",
        period="2024",
    ),
)


def _region_names() -> dict[str, str]:
    seed = pl.read_csv(ROOT / "dbt_project" / "seeds" / "regions.csv", infer_schema=False)
    return dict(zip(seed["region_code"], seed["name_zh"], strict=True))


def _skeleton(spec: FormSpec, twin: Twin, released: str) -> tuple[Sheet, int]:
    """Title, box and 填报单位 lines, the merged header and the column-number row."""
    width = len(spec.leaves)
    sheet = Sheet()
    title = f"{twin.period_zh}{spec.title_zh}{SYNTHETIC}"
    box = [
        f"表    号:{spec.form_no}",
        "制定机关:应急管理部",
        "批准文号:合成样例,无文号(SYNTHETIC)",
        f"有效期至:{released[:4]}年12月",
    ]
    for i, line in enumerate(box):
        cells: list[Cell] = [None] * width
        if i == 0:
            cells[0] = title
            sheet.merges.append((0, 0, 0, width - 3))
        if i == 3:
            cells[0] = f"填报单位:{twin.reporter}"
            cells[width // 2] = f"金额单位:{twin.money_unit}"
        cells[width - 2] = line
        sheet.merges.append((i, width - 2, i, width - 1))
        sheet.add(cells)
    first = len(sheet.rows)
    for level in range(spec.depth):
        row: list[Cell] = []
        for j, leaf in enumerate(spec.leaves):
            starts = j == 0 or spec.leaves[j - 1].path[: level + 1] != leaf.path[: level + 1]
            row.append(leaf.path[level] if level < len(leaf.path) and starts else None)
        sheet.add(row)
    for j, leaf in enumerate(spec.leaves):  # merges: down for short paths, across for groups
        if len(leaf.path) < spec.depth:
            lvl = len(leaf.path) - 1
            sheet.merges.append((first + lvl, j, first + spec.depth - 1, j))
        for level in range(len(leaf.path)):
            if j == 0 or spec.leaves[j - 1].path[: level + 1] != leaf.path[: level + 1]:
                k = j
                while k + 1 < width and spec.leaves[k + 1].path[: level + 1] == leaf.path[: level + 1]:
                    k += 1
                if k > j:
                    sheet.merges.append((first + level, j, first + level, k))
    sheet.header_rows = (first, first + spec.depth - 1)
    if spec.layout == "region_summary":
        sheet.add(["甲", "乙", *(str(i) for i in range(1, width - 1))])
    else:
        sheet.add([str(i) for i in range(1, width + 1)])
    return sheet, width


def _footer(sheet: Sheet, width: int, released_zh: str, source_text: str = "") -> None:
    cells: list[Cell] = [None] * width
    cells[0] = "单位负责人:"
    cells[width // 4] = "统计负责人:"
    cells[width // 2] = "填表人:"
    cells[width - 2] = f"报出日期:{released_zh}"
    sheet.add(cells)
    if source_text:
        sheet.add([f"资料来源:{source_text}"] + [None] * (width - 1))
    sheet.add(["说明:本表为合成样例数据(SYNTHETIC),不是官方统计数据。"] + [None] * (width - 1))


def _zh_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _cell(leaf: Leaf, value: object, dtype: str, factor: float, kinds: dict[str, str]) -> Cell:
    if value is None:
        return None
    if dtype == "bool":
        return "是" if value else "否"
    if leaf.money and isinstance(value, int | float):
        v = round(float(value) / factor, 2)
        return int(v) if v == int(v) else v
    if isinstance(value, str):
        return kinds.get(value, value)
    return value  # type: ignore[return-value]


def record_sheet(twin: Twin, good: pl.DataFrame) -> Sheet:
    spec = FORMS_BY_CODE[twin.form]
    source = SOURCES_BY_NAME[twin.source]
    factor = MONEY_UNITS[twin.money_unit]
    codes = REPORT_KINDS_DISASTER if twin.source == "disasters" else REPORT_KINDS_ACCIDENT
    kinds = {v: k for k, v in codes.items()} if twin.source in ("accidents", "disasters") else {}
    released = dt.date(int(twin.period_zh[:4]) + 1, 1, 15)
    sheet, width = _skeleton(spec, twin, released.isoformat())
    body: list[list[Cell]] = []
    for rec in good.iter_rows(named=True):
        row: list[Cell] = []
        for leaf in spec.leaves:
            if leaf.target is None:  # a group's 合计 column: the sum of its parts
                rt = next(r for r in spec.row_totals if r.total == leaf.path)
                parts = [next(x for x in spec.leaves if x.path == p).target for p in rt.parts]
                row.append(sum(int(rec[str(p)] or 0) for p in parts))
            else:
                row.append(_cell(leaf, rec[leaf.target], source.column(leaf.target).dtype, factor, kinds))
        body.append(row)
    total: list[Cell] = ["合计"] + [None] * (width - 1)
    for j, leaf in enumerate(spec.leaves):
        numeric = leaf.target is None or source.column(leaf.target).dtype in ("int", "float")
        if numeric:
            s = 0.0
            for r in body:
                v = r[j]
                if isinstance(v, int | float):
                    s += v
            total[j] = int(s) if s == int(s) else round(s, 2)
    sheet.add(total)
    for row in body:
        sheet.add(row)
    _footer(sheet, width, _zh_date(released))
    return sheet


def summary_sheet(twin: Twin, good: pl.DataFrame, names: dict[str, str]) -> Sheet:
    spec = FORMS_BY_CODE[twin.form]
    rows = good.filter(pl.col("period") == twin.period)
    released = rows["released_on"].unique().to_list()
    sources = rows["source"].unique().to_list()
    if len(released) != 1 or len(sources) != 1 or rows["note"].is_not_null().any():
        raise ValueError(f"{twin.canonical} {twin.period}: one release, one source and no notes expected")
    sheet, width = _skeleton(spec, twin, released[0].isoformat())
    values = {(r["region_code"], r["measure"]): r["value"] for r in rows.iter_rows(named=True)}
    codes = sorted({c for c, _m in values})
    for code in codes:  # the parent (the reporting unit's region) first, as 合计
        label: Cell = "合计" if code == codes[0] else names.get(code, code)
        row: list[Cell] = []
        for leaf in spec.leaves:
            if leaf.target == "@name":
                row.append(label)
            elif leaf.target == "@code":
                row.append(code)
            else:
                v = values.get((code, leaf.target))
                row.append(None if v is None else (int(v) if float(v) == int(v) else float(v)))
        sheet.add(row)
    _footer(sheet, width, _zh_date(released[0]), str(sources[0]))
    return sheet


def write_xlsx(sheet: Sheet, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties(
        {
            "title": path.stem,
            "author": "SYNTHETIC sample generator",
            "comments": "SYNTHETIC official-layout twin (see docs/official_forms.md); not official statistics",
            "created": sample_spec.XLSX_CREATED,
        }
    )
    ws = wb.add_worksheet("Sheet1")
    bold = wb.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True}
    )
    plain = wb.add_format({})
    fmt_dt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    fmt_d = wb.add_format({"num_format": "yyyy-mm-dd"})
    merged: set[tuple[int, int]] = set()
    h0, h1 = sheet.header_rows
    for r0, c0, r1, c1 in sheet.merges:
        value = sheet.rows[r0][c0]
        ws.merge_range(r0, c0, r1, c1, "" if value is None else str(value), bold if h0 <= r0 <= h1 else plain)
        merged |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(sheet.rows):
        for c, v in enumerate(row):
            if v is None or (r, c) in merged:
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, fmt_dt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), fmt_d)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v, bold if h0 <= r <= h1 else plain)
    wb.close()


def _text(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M" if v.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def write_gbk_csv(sheet: Sheet, path: Path) -> None:
    """As Excel saves a form as CSV: merged cells keep their text in the first cell only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    width = max(len(r) for r in sheet.rows)
    for row in sheet.rows:
        writer.writerow([_text(v) for v in row] + [""] * (width - len(row)))
    path.write_bytes(buf.getvalue().encode("gbk"))


def canonical_rows(raw_root: Path, rel: str, source: str) -> pl.DataFrame:
    """The canonical file's rows as the ingest parses them (all rows of the sample are good)."""
    src = SOURCES_BY_NAME[source]
    raw = read_raw_file(raw_root / rel, raw_root, src)
    parsed = parse_frame(raw.frame, src, raw.relpath, raw.scale_factors)
    if parsed.rejects.height:
        raise ValueError(f"{rel}: the canonical file has rejected rows")
    return parsed.good


def write_twins(raw_root: Path, out_dir: Path) -> dict[str, dict[str, str | None]]:
    names = _region_names()
    manifest: dict[str, dict[str, str | None]] = {}
    for twin in TWINS:
        good = canonical_rows(raw_root, twin.canonical, twin.source)
        spec = FORMS_BY_CODE[twin.form]
        sheet = record_sheet(twin, good) if spec.layout == "record" else summary_sheet(twin, good, names)
        path = out_dir / twin.out
        (write_xlsx if path.suffix == ".xlsx" else write_gbk_csv)(sheet, path)
        manifest[twin.out] = {"form": twin.form, "canonical": twin.canonical, "period": twin.period}
    (out_dir / "twins.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.samplegen.official", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--raw", type=Path, default=ROOT / "raw" / "sample")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "official_forms")
    args = parser.parse_args(argv)
    manifest = write_twins(args.raw, args.out)
    print(f"wrote {len(manifest)} official-layout twins to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
