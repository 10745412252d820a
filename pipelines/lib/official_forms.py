"""Read the official survey forms (docs/official_forms.md) into the contract's canonical frame.

A file is an official form when its first rows hold a 表号 box and the name or number of one of
the forms in ``official_forms_specs`` for the file's source. Such a file (XLSX, or a CSV exported
from it, UTF-8 or GBK) is read here instead of by the plain header search of ``readers``:

- the title, the 表号/制定机关/批准文号/有效期至 box and the 填报单位 line above the header, and the
  单位负责人/统计负责人/填表人/报出日期 lines below the table are not data (the title's 金额单位 and,
  for summary forms, the period, 报出日期 and 资料来源 are read from them);
- the multi-row header with merged cells is flattened into header paths (``死亡失踪/死亡``) and
  mapped to contract columns by the form's table of leaves;
- a 甲/乙/1/2/… column-number row is skipped;
- a 合计 row is checked (rule ``form_total_mismatch``: each column's total equals the sum of the
  rows above it) and dropped, except a summary form's 合计 row that carries a region code: that is
  the parent region's figure and is loaded when it adds up;
- a group's 合计 column is checked in every row (rule ``form_row_total_mismatch``).

Failed checks become reject rows (``RawFile.form_rejects``, the ingest's reject schema) with the
ORIGINAL spreadsheet row numbers, as every other row rule; everything else goes through the
same row rules in ``parse.py`` as a canonical file. Summary (by-region) forms become the long
report-table format: one row per region × measure, all carrying the form row's number.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.lib.contracts import Source
from pipelines.lib.limits import MAX_CELLS
from pipelines.lib.official_forms_specs import FORMS, MONEY_UNITS, FormSpec, Leaf
from pipelines.lib.parse import REJECT_SCHEMA

if TYPE_CHECKING:
    from pipelines.lib.readers import RawFile

FORM_SCAN_ROWS = 15  # the 表号 box and the header must start within this many non-blank rows
_FOOTER = ("单位负责人", "统计负责人", "填表人", "报出日期", "填报日期", "说明:", "注:", "填表说明")
_TOTALS = {"合计", "总计"}
_COLUMN_NO = re.compile(r"^([甲乙丙丁戊己庚辛]|\d{1,3}|栏次|栏号)$")
# 金额单位:元, 计量单位:万元, 单位:人、万元 — not 填报单位:元宝区应急管理局
_UNIT = re.compile(r"(?<!填报)单位[:][^,,;;:]*?(亿元|万元|元)")
_HEADER_UNIT = re.compile(r"^(.*)\((亿元|万元|元)\)$")
_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
_PERIOD = re.compile(r"(\d{4})年(?:(\d{1,2})\s*[-—–~至]\s*(\d{1,2})月|(\d{1,2})月|第([一二三四1-4])季度)?")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}
Row = tuple[int, list[str]]


def norm(text: str) -> str:
    """Header text folded as ``readers.normalise_header`` does, plus the full-width colon."""
    from pipelines.lib.readers import normalise_header

    return normalise_header(text).replace("\uff1a", ":")  # full-width colon


def detect(head: list[Row], source: Source) -> FormSpec | None:
    """The form a file is laid out in, or None for a plain table. Needs the 表号 box (what every
    official form carries) and the form's name or number in the first rows."""
    cells = [norm(c) for _n, row in head[:FORM_SCAN_ROWS] for c in row if c.strip()]
    if not any(c.startswith("表号") for c in cells):
        return None
    for spec in FORMS:
        if spec.source == source.name and any(
            norm(spec.title_zh) in c or norm(spec.form_no) in c for c in cells
        ):
            return spec
    return None


# ----------------------------------------------------------------------------- header


def flatten(rows: list[list[str]]) -> list[tuple[str, ...]]:
    """Header paths of a multi-row header whose merged cells hold their label in the first cell only.

    A blank cell continues the label to its LEFT when the cell above it is itself a horizontal
    continuation (or it is in the top row): a group label merged across columns. Otherwise it
    is the lower part of a label merged DOWN from above, and adds nothing to the path."""
    width = max((len(r) for r in rows), default=0)
    grid = [[(r[j].strip() if j < len(r) else "") for j in range(width)] for r in rows]
    filled = [[""] * width for _ in rows]
    horizontal = [[False] * width for _ in rows]  # continuation of a label to the left
    for i, row in enumerate(grid):
        for j, cell in enumerate(row):
            if cell:
                filled[i][j] = cell
                continue
            above_h = i == 0 or horizontal[i - 1][j]
            if j > 0 and above_h and (i == 0 or filled[i - 1][j] == filled[i - 1][j - 1]):
                filled[i][j] = filled[i][j - 1]
                horizontal[i][j] = True
    paths = []
    for j in range(width):
        path: list[str] = []
        for i in range(len(rows)):
            label = filled[i][j]
            if label and (not path or path[-1] != label):
                path.append(label)
        paths.append(tuple(path))
    return paths


@dataclasses.dataclass
class _Mapped:
    leaf_at: dict[int, Leaf]  # sheet column -> leaf
    unit_at: dict[int, str]  # sheet column -> money unit stated in its own header, e.g. (元)
    labels: list[str]  # flattened header text per column ("伤亡人数(人)/死亡失踪/死亡")


def map_header(paths: list[tuple[str, ...]], spec: FormSpec) -> _Mapped:
    by_path = {"/".join(norm(p) for p in leaf.path): leaf for leaf in spec.leaves}
    leaf_at: dict[int, Leaf] = {}
    unit_at: dict[int, str] = {}
    for j, path in enumerate(paths):
        key = "/".join(norm(p) for p in path)
        leaf = by_path.get(key)
        if leaf is None and path:  # a money header naming its own unit: 直接经济损失(元)
            m = _HEADER_UNIT.match(norm(path[-1]))
            if m:
                leaf = by_path.get("/".join([*(norm(p) for p in path[:-1]), m.group(1)]))
                if leaf is not None and leaf.money:
                    unit_at[j] = m.group(2)
        if leaf is not None and leaf not in leaf_at.values():
            leaf_at[j] = leaf
    return _Mapped(leaf_at, unit_at, ["/".join(p) for p in paths])


def _is_column_numbers(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    return len(filled) >= 2 and all(_COLUMN_NO.match(c) for c in filled)


def _is_footer(cells: list[str]) -> bool:
    first = next((norm(c) for c in cells if c.strip()), "")
    return first.startswith(_FOOTER)


def _is_total(cells: list[str]) -> bool:
    return any(norm(c) in _TOTALS for c in cells[:2])


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


# ----------------------------------------------------------------------------- meta lines


@dataclasses.dataclass
class FormMeta:
    title: str = ""
    money_unit: str = "万元"
    unit_stated: bool = False
    reporter: str = ""  # 填报单位
    released_on: str | None = None  # 报出日期, ISO
    source_text: str = ""  # 资料来源 line
    period: str | None = None  # summary forms: from the title
    region_code: str | None = None  # a 行政区划代码:NNNNNN line (category summary forms)


def _after_colon(text: str) -> str:
    return text.split(":", 1)[1].strip() if ":" in text else ""


def read_meta(lines: list[list[str]], spec: FormSpec) -> FormMeta:
    meta = FormMeta()
    for cells in lines:
        for raw_cell in cells:
            cell = raw_cell.strip()
            if not cell:
                continue
            flat = re.sub(r"\s+", "", cell).replace("\uff1a", ":")  # full-width colon
            if not meta.title and spec.title_zh in flat:
                meta.title = cell
                meta.period = period_of(flat)
            m = _UNIT.search(flat)
            if m:
                meta.money_unit, meta.unit_stated = m.group(1), True
            code = re.search(r"行政区划代码:(\d{6})", flat)
            if code:
                meta.region_code = code.group(1)
            if flat.startswith("填报单位"):
                meta.reporter = _after_colon(flat)
            elif flat.startswith(("报出日期", "填报日期")):
                d = _DATE.search(flat)
                if d:
                    meta.released_on = f"{int(d.group(1)):04d}-{int(d.group(2)):02d}-{int(d.group(3)):02d}"
            elif flat.startswith("资料来源"):
                meta.source_text = cell.replace("\uff1a", ":").split(":", 1)[-1].strip()
    return meta


def period_of(title: str) -> str | None:
    """The contract's period code of a form title: 2024年 → 2024, 2024年1-7月 → 2024M01-07 (1–N月
    累计), 2024年7月 → 2024M07, 2024年第二季度 → 2024Q2."""
    m = _PERIOD.search(title)
    if not m:
        return None
    year, start, end, month, quarter = m.groups()
    if start and end:
        if int(start) == int(end):
            return f"{year}M{int(end):02d}"
        return f"{year}M{int(start):02d}-{int(end):02d}" if int(start) == 1 else None
    if month:
        return f"{year}M{int(month):02d}"
    if quarter:
        return f"{year}Q{_QUARTERS.get(quarter) or int(quarter)}"
    return year


# ----------------------------------------------------------------------------- reading


def _reject(rel: str, row: int, column: str, value: str, rule: str, zh: str, en: str) -> dict[str, object]:
    return {
        "file_path": rel,
        "row_number": row,
        "column_name": column,
        "bad_value": value,
        "rule": rule,
        "message_zh": zh,
        "message_en": en,
    }


def _fmt(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _total_rejects(
    rel: str, totals: list[Row], parts: list[Row], mapped: _Mapped, columns: list[int]
) -> list[dict[str, object]]:
    """Rule form_total_mismatch: every 合计 row equals the column sums of the detail rows."""
    out = []
    for col in columns:
        values = [
            (_number(c[col]) if col < len(c) else None, c[col] if col < len(c) else "") for _n, c in parts
        ]
        if any(v is None and text.strip() for v, text in values):
            continue  # a detail cell that is not a number is quarantined by its own row rule
        expected = sum(v for v, _t in values if v is not None)
        for n, cells in totals:
            text = cells[col].strip() if col < len(cells) else ""
            got = _number(text) if text else None
            if not text or (got is not None and abs(got - expected) <= 0.005):
                continue
            label = mapped.labels[col]
            out.append(
                _reject(
                    rel,
                    n,
                    label,
                    text,
                    "form_total_mismatch",
                    f"文件{rel}第{n}行(合计行)“{label}”为{text},但各明细行之和为{_fmt(expected)}"
                    "(规则:合计等于各分项之和);该合计未导入,请核对合计或明细后重新报送",
                    f"File {rel} row {n} (total row): '{label}' is {text} but the detail rows sum to "
                    f"{_fmt(expected)} (rule: a total equals the sum of its parts); the total was not "
                    "loaded, check the total or the details and submit again",
                )
            )
    return out


def _row_total_rejects(rel: str, rows: list[Row], spec: FormSpec, mapped: _Mapped) -> list[dict[str, object]]:
    """Rule form_row_total_mismatch: a group's 合计 column equals its parts, in every row."""
    at = {leaf.path: j for j, leaf in mapped.leaf_at.items()}
    out = []
    for rt in spec.row_totals:
        if rt.total not in at or any(p not in at for p in rt.parts):
            continue
        for n, cells in rows:

            def cell(j: int, cells: list[str] = cells) -> str:
                return cells[j].strip() if j < len(cells) else ""

            total, parts = _number(cell(at[rt.total])), [_number(cell(at[p])) for p in rt.parts]
            if total is None or any(p is None for p in parts):
                continue
            s = sum(p for p in parts if p is not None)
            if abs(total - s) > 0.005:
                label = mapped.labels[at[rt.total]]
                names = "+".join(mapped.labels[at[p]].split("/")[-1] for p in rt.parts)
                out.append(
                    _reject(
                        rel,
                        n,
                        label,
                        cell(at[rt.total]),
                        "form_row_total_mismatch",
                        f"文件{rel}第{n}行“{label}”为{cell(at[rt.total])},不等于{names}={_fmt(s)}"
                        "(规则:合计栏等于各分项之和);该行未导入,请核对后重新报送",
                        f"File {rel} row {n}: '{label}' is {cell(at[rt.total])}, not {names} = {_fmt(s)} "
                        "(rule: a total column equals the sum of its parts); the row was not loaded, "
                        "check it and submit again",
                    )
                )
    return out


def _contents(rows: list[Row], labels: list[str]) -> pl.DataFrame:
    """_row_number and row_content (JSON header path -> cell text) of the form's body rows."""
    keys = [lab or f"(第{j + 1}列 column {j + 1})" for j, lab in enumerate(labels)]
    records = [
        json.dumps(
            {k: (cells[j].strip() if j < len(cells) else "") for j, k in enumerate(keys)}, ensure_ascii=False
        )
        for _n, cells in rows
    ]
    return pl.DataFrame(
        {"_row_number": [n for n, _c in rows], "row_content": records},
        schema={"_row_number": pl.Int64, "row_content": pl.Utf8},
    )


class NotThisForm(Exception):
    """The file names a form but its header is not that form's: read it as a plain table."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__("header does not match the form")
        self.rows = rows


def read_form(
    path: Path, rel: str, source: Source, encoding: str, spec: FormSpec, rows: Iterator[Row]
) -> RawFile:
    from pipelines.lib.readers import FileRejected, RawFile, _frame, sha256_of  # readers imports us

    all_rows: list[Row] = []
    cells_seen = 0
    for row in rows:  # forms are small; the cell limit still holds before anything is built
        cells_seen += len(row[1])
        if cells_seen > MAX_CELLS.value:
            raise FileRejected(
                rel,
                "too_many_cells",
                f"文件{rel}按官方报表读取时超过单元格上限{MAX_CELLS.value:,}",
                f"File {rel} read as an official form exceeds the {MAX_CELLS.value:,}-cell limit",
            )
        all_rows.append(row)

    tops = {norm(leaf.path[0]) for leaf in spec.leaves}
    start = next(
        (
            i
            for i, (_n, cells) in enumerate(all_rows[:FORM_SCAN_ROWS])
            if len({norm(c) for c in cells if c.strip()} & tops) >= 2
        ),
        None,
    )
    required = {c.name for c in source.columns if c.required}
    wanted = {"record": required, "region_summary": {"@code"}}.get(spec.layout, {"@label"})
    best: tuple[int, _Mapped] | None = None
    for depth in range(spec.depth, 0, -1):  # a form exported with fewer header rows still reads
        if start is None:
            break
        mapped = map_header(flatten([c for _n, c in all_rows[start : start + depth]]), spec)
        if wanted <= {leaf.target for leaf in mapped.leaf_at.values()}:
            best = (depth, mapped)
            break
    if start is None or best is None:  # the plain reader may still find a one-row header
        raise NotThisForm(all_rows)
    depth, mapped = best
    body_at = start + depth
    notes: list[tuple[str, str]] = []
    header_rows = (all_rows[start][0], all_rows[body_at - 1][0])
    if body_at < len(all_rows) and _is_column_numbers(all_rows[body_at][1]):
        n = all_rows[body_at][0]
        notes.append((f"已跳过栏次行(第{n}行)", f"Skipped the column-number row (row {n})"))
        body_at += 1
    end = next((i for i in range(body_at, len(all_rows)) if _is_footer(all_rows[i][1])), len(all_rows))
    body = all_rows[body_at:end]
    meta = read_meta([c for _n, c in all_rows[:start]] + [c for _n, c in all_rows[end:]], spec)
    totals = [r for r in body if _is_total(r[1])]
    details = [r for r in body if not _is_total(r[1])]
    a, b = header_rows
    notes.insert(
        0,
        (
            f"按官方报表格式读取:《{meta.title or spec.title_zh}》({spec.form_no});跳过标题、表号栏和签署行,"
            f"第{a}–{b}行多行表头已展开为字段",
            f"Read as the official form '{spec.title_en}' ({spec.form_no}): title, form-number box and "
            f"signature lines skipped, the header of rows {a}-{b} flattened into fields",
        ),
    )
    numeric = [
        j
        for j, leaf in mapped.leaf_at.items()
        if leaf.target is None
        or (spec.layout != "record" and not leaf.target.startswith("@"))
        or leaf.target in {c.name for c in source.columns if c.dtype in ("int", "float")}
    ]
    rejects = _total_rejects(rel, totals, details, mapped, sorted(numeric))
    rejects += _row_total_rejects(rel, details, spec, mapped)
    if totals:
        rows_zh = "、".join(str(n) for n, _c in totals)
        notes.append(
            (
                f"合计行(第{rows_zh}行)已核对" + ("并有不符,见明细" if rejects else "无误"),
                f"Total row(s) {rows_zh} checked"
                + (": mismatches, see the rejects" if rejects else ": they add up"),
            )
        )
    unit_of = {j: mapped.unit_at.get(j, meta.money_unit) for j, leaf in mapped.leaf_at.items() if leaf.money}
    if any(u != "万元" for u in unit_of.values()):
        units = sorted(set(unit_of.values()))
        notes.append(
            (
                f"金额单位为{'、'.join(units)},已换算为万元",
                f"Money stated in {', '.join(units)}, converted to 万元 (10k yuan)",
            )
        )
    keys = list(mapped.labels)
    if spec.layout == "record":  # contract names, so `safety-stats rejects --export` replays the row
        for j, leaf in mapped.leaf_at.items():
            unit = unit_of.get(j, "万元")
            if leaf.target and unit in ("万元", "元"):
                keys[j] = leaf.target + ("_yuan" if unit == "元" else "")
    contents = _contents(body, keys)
    rejected_rows = {int(str(r["row_number"])) for r in rejects if r["rule"] == "form_row_total_mismatch"}
    if spec.layout == "record":
        keep = [r for r in details if r[0] not in rejected_rows]
        columns = [(j, str(leaf.target)) for j, leaf in sorted(mapped.leaf_at.items()) if leaf.target]
        width = max((len(c) for _n, c in keep), default=len(mapped.labels))
        width = max(width, len(mapped.labels))
        frame, _last = _frame(iter(keep), columns, width, rel, mapped.labels)
        factors = {
            str(mapped.leaf_at[j].target): MONEY_UNITS[u]
            for j, u in unit_of.items()
            if mapped.leaf_at[j].target
        }
    else:
        frame = _long_frame(body, mapped, meta, unit_of, rejects)
        factors = {}
    if not details:
        notes.append(
            ("报表没有明细行:按零报告导入(0行)", "The form has no detail rows: loaded as a zero report")
        )
    for col in source.columns:
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    form_rejects = pl.DataFrame(rejects, schema=REJECT_SCHEMA) if rejects else None
    return RawFile(
        path=path,
        relpath=rel,
        sha256=sha256_of(path),
        encoding=encoding,
        frame=frame.select(["_row_number", *source.column_names]),
        scale_factors=factors,
        header_row=header_rows[1],
        notes=tuple(notes),
        form=spec.code,
        form_rejects=form_rejects,
        form_contents=contents,
    )


def _long_frame(
    body: list[Row],
    mapped: _Mapped,
    meta: FormMeta,
    unit_of: dict[int, str],
    rejects: list[dict[str, object]],
) -> pl.DataFrame:
    """A summary form as report-table rows. By region: one per region × measure of every body row
    with a region code (a 合计 row with a code is the parent's total). By category: the 合计 row
    only, for the 行政区划代码 stated above the table (the contract has no category). A blank cell
    is no figure; a measure whose 合计 failed its check is not loaded for the total row."""
    code_col = next((j for j, leaf in mapped.leaf_at.items() if leaf.target == "@code"), None)
    failed = {(int(str(r["row_number"])), str(r["column_name"])) for r in rejects}
    source_text = meta.source_text or f"{meta.reporter}《{meta.title}》".strip()
    out: list[dict[str, object]] = []
    for n, cells in body:
        if code_col is None:  # by category: only the 合计 row is a figure of the contract
            code = (meta.region_code or "") if _is_total(cells) else ""
        else:
            code = cells[code_col].strip() if code_col < len(cells) else ""
        if not code:
            continue
        for j, leaf in sorted(mapped.leaf_at.items()):
            if not leaf.target or leaf.target.startswith("@"):
                continue
            value = cells[j].strip() if j < len(cells) else ""
            if not value or (n, mapped.labels[j]) in failed:
                continue
            out.append(
                {
                    "_row_number": n,
                    "region_code": code,
                    "period": meta.period,
                    "measure": leaf.target,
                    "value": value,
                    "unit": unit_of.get(j, leaf.unit),
                    "released_on": meta.released_on,
                    "source": source_text or None,
                    "note": None,
                }
            )
    schema = {"_row_number": pl.Int64, **{k: pl.Utf8 for k in ("region_code", "period", "measure", "value")}}
    schema |= {k: pl.Utf8 for k in ("unit", "released_on", "source", "note")}
    return pl.DataFrame(out, schema=schema)
