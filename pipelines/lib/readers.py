"""Read one raw file (CSV in UTF-8 or GBK/GB18030, or XLSX) into a frame of strings.

Everything is read as text first, so that a bad cell becomes a quarantined row with a
reason instead of a failed file; typing happens in ``pipelines.lib.parse``.

Whole-file problems raise ``FileRejected`` with a rule code and a message in Chinese and
English (the bad-input corpus in ``tests/bad_inputs/`` documents each one):

- ``file_too_large``: above ``SAFETY_MAX_FILE_MB`` (default 500 MB), checked before reading;
- ``empty_file``: 0 bytes or no non-blank row (a header-only file is a valid 零报告 and loads);
- ``encoding``: UTF-16 / undecodable bytes, or a header that only reads as mojibake
  (GB18030 decodes almost any bytes, so a GB18030 header that maps to no known column, or a
  header with U+FFFD replacement characters, means the encoding is wrong);
- ``missing_columns`` (with a "did you mean" hint for header typos), ``duplicate_column``;
- ``truncated_file`` / ``malformed_csv`` / ``unreadable_xlsx``.

Title rows above the header (``XX市2021年第一季度生产安全事故统计表``, 填报单位 …) are skipped:
the header is the first of the first ``HEADER_SCAN_ROWS`` non-blank rows whose cells map to all
required columns, or two such rows read together (a two-row header with merged group
headings: the lower cell wins, the upper one fills in where the lower is blank). Row numbers
stay the spreadsheet's own, so a clerk can find the row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import hashlib
import itertools
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import polars as pl

from pipelines.lib.contracts import Source

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")
DEFAULT_MAX_FILE_MB = 500.0
HEADER_SCAN_ROWS = 10  # the header must be among this many first non-blank rows
_CHUNK_ROWS = 100_000  # rows turned into a frame at a time, so memory stays bounded


class FileRejected(Exception):
    """The whole file cannot be loaded. Carries a bilingual message naming file and rule."""

    def __init__(self, file: str, rule: str, message_zh: str, message_en: str) -> None:
        self.file, self.rule, self.message_zh, self.message_en = file, rule, message_zh, message_en
        super().__init__(f"{file}: [{rule}] {message_zh} / {message_en}")


@dataclass(frozen=True)
class RawFile:
    path: Path
    relpath: str
    sha256: str
    encoding: str
    frame: pl.DataFrame  # canonical column names, all Utf8, plus _row_number
    scale_factors: dict[str, float]  # column -> factor to the canonical unit (from the header)
    header_row: int = 1  # spreadsheet row of the (last) header row
    notes: tuple[tuple[str, str], ...] = ()  # (zh, en) remarks for the load report


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def max_file_bytes() -> int:
    return int(float(os.environ.get("SAFETY_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)) * 1024 * 1024)


def _size(n: int) -> str:
    return f"{n / 1048576:.0f} MB" if n >= 10 * 1048576 else f"{n / 1024:.1f} KB"


def list_files(raw_root: Path, source: Source) -> list[Path]:
    folder = raw_root / source.name
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def normalise_header(text: str) -> str:
    """Fold the variants clerks type: full-width brackets, spaces, BOM, case."""
    t = text.replace("\ufeff", "").strip()
    t = t.replace("（", "(").replace("）", ")")
    t = re.sub(r"\s+", "", t)
    return t.lower()


def header_map(source: Source) -> dict[str, tuple[str, float]]:
    """Normalised header -> (canonical column, factor to canonical unit)."""
    out: dict[str, tuple[str, float]] = {}
    for col in source.columns:
        out[normalise_header(col.name)] = (col.name, 1.0)
        for alias in col.zh:
            out[normalise_header(alias)] = (col.name, 1.0)
        for alias, factor in col.scaled_aliases.items():
            out[normalise_header(alias)] = (col.name, factor)
    return out


# ----------------------------------------------------------------------------- encodings


def _first_decode_error(path: Path, encoding: str) -> UnicodeDecodeError | None:
    """Validate the whole file in blocks (a 200 MB file is never decoded in one piece)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        try:
            for block in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return exc
    return None


def _csv_encoding(path: Path, rel: str) -> str:
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise FileRejected(
            rel,
            "encoding",
            "文件是UTF-16编码(Excel“Unicode文本”格式),请在Excel中另存为“CSV UTF-8(逗号分隔)”或GBK编码的CSV",
            "The file is UTF-16 encoded (Excel 'Unicode Text'); save it from Excel as "
            "'CSV UTF-8 (comma delimited)' or as a GBK CSV",
        )
    if _first_decode_error(path, "utf-8") is None:
        return "utf-8"
    # GB18030 is a superset of GBK/GB2312, which is what Chinese Excel exports.
    exc = _first_decode_error(path, "gb18030")
    if exc is None:
        return "gb18030"
    raise FileRejected(
        rel,
        "encoding",
        f"文件编码无法识别(既不是UTF-8也不是GBK/GB18030),请另存为UTF-8或GBK编码的CSV:{exc}",
        f"Unrecognised encoding (neither UTF-8 nor GBK/GB18030); save as UTF-8 or GBK CSV: {exc}",
    )


# ----------------------------------------------------------------------------- rows

Row = tuple[int, list[str]]  # (spreadsheet row number, cells); blank rows are skipped


def _nonblank(cells: list[str]) -> bool:
    return any(c.strip() for c in cells)


def _csv_rows(path: Path, encoding: str, rel: str) -> Generator[Row]:
    with path.open(encoding=encoding, newline="") as f:
        n = 0
        try:
            for n, cells in enumerate(csv.reader(f, strict=True), 1):
                if _nonblank(cells):
                    yield n, cells
        except csv.Error as exc:
            row = n + 1
            if "unexpected end of data" in str(exc):
                raise FileRejected(
                    rel,
                    "truncated_file",
                    f"文件在第{row}行的引号内结束,可能未传完整(或引号不成对),未导入任何数据;"
                    "请重新导出或重新上传完整文件",
                    f"The file ends inside a quoted cell at row {row}: it was probably cut off "
                    "(or a quote is unbalanced); nothing was loaded, upload the complete file again",
                ) from exc
            raise FileRejected(
                rel,
                "malformed_csv",
                f"CSV格式错误(第{row}行,引号使用不当):{exc}",
                f"Malformed CSV at row {row} (misplaced quote): {exc}",
            ) from exc


def _xlsx_first_row(path: Path) -> int:
    """Spreadsheet row of the first non-empty row: calamine's range starts there, not at row 1."""
    import openpyxl  # only needed for XLSX

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for n, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), 1):
            if any(v is not None for v in values):
                return n
        return 1
    finally:
        wb.close()


def _xlsx_rows(path: Path, rel: str) -> Generator[Row]:
    try:
        df = pl.read_excel(
            path,
            engine="calamine",
            infer_schema_length=0,
            has_header=False,
            drop_empty_rows=False,  # keep blank rows so row numbers match the sheet
            raise_if_empty=False,
        )
        first = _xlsx_first_row(path) if df.height else 1
    except Exception as exc:  # calamine/zip raise several types for broken workbooks
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileRejected(
            rel,
            "unreadable_xlsx",
            f"Excel文件无法读取,可能已损坏或未传完整(例如上传中断),未导入任何数据;请重新导出或重新上传:{detail}",
            f"Cannot read the Excel file: it is damaged or incomplete (e.g. an interrupted upload); "
            f"nothing was loaded, export or upload it again: {detail}",
        ) from exc
    for i, values in enumerate(df.iter_rows()):
        cells = ["" if v is None else str(v) for v in values]
        if _nonblank(cells):
            yield first + i, cells


# ----------------------------------------------------------------------------- header


def _mapped(cells: list[str], hmap: dict[str, tuple[str, float]]) -> list[tuple[str, float] | None]:
    return [hmap.get(normalise_header(c)) for c in cells]


def _merge_rows(upper: list[str], lower: list[str]) -> list[str]:
    """Two header rows read as one: the lower cell, or the upper where the lower is blank."""
    return [lo if lo.strip() else up for up, lo in zip_longest(upper, lower, fillvalue="")]


def _find_header(rows: list[Row], source: Source) -> tuple[int, list[str], int] | None:
    """Index in `rows` of the (last) header row, its cells and how many rows it spans (1 or 2)."""
    hmap = header_map(source)
    required = {c.name for c in source.columns if c.required}

    def complete(cells: list[str]) -> bool:
        return required <= {m[0] for m in _mapped(cells, hmap) if m}

    for i, (_n, cells) in enumerate(rows):
        if complete(cells):
            return i, cells, 1
        if i + 1 < len(rows) and not complete(rows[i + 1][1]):
            merged = _merge_rows(cells, rows[i + 1][1])
            if complete(merged):
                return i + 1, merged, 2
    return None


def _reject_header(rel: str, rows: list[Row], source: Source, encoding: str) -> FileRejected:
    """The reason no header was found: wrong encoding, or columns missing (with typo hints)."""
    hmap = header_map(source)
    best_n, best = max(rows, key=lambda r: sum(m is not None for m in _mapped(r[1], hmap)))
    found = {m[0] for m in _mapped(best, hmap) if m}
    sample = ",".join(c.strip() for c in best if c.strip())[:60]
    if "\ufffd" in "".join(best):
        return FileRejected(
            rel,
            "encoding",
            f"第{best_n}行表头含乱码替换字符“\ufffd”(“{sample}”):文件曾被按错误编码打开并另存为UTF-8,"
            "原有中文已无法恢复;请从原始系统或原始文件重新导出",
            f"The header (row {best_n}) contains replacement characters '\ufffd' ('{sample}'): the file "
            "was opened with the wrong encoding and saved as UTF-8, so its Chinese text is lost; "
            "export it again from the original system or file",
        )
    if not found and encoding == "gb18030":
        return FileRejected(
            rel,
            "encoding",
            f"表头无法识别,文件编码可能不对:按GBK/GB18030读出的表头是“{sample}”,可能是Big5(繁体)"
            "或其他编码;请另存为UTF-8或GBK编码的CSV",
            f"Header not recognised, the encoding is probably wrong: read as GBK/GB18030 it is "
            f"'{sample}' (Big5 or another encoding?); save as UTF-8 or GBK CSV",
        )
    missing = [c for c in source.columns if c.required and c.name not in found]
    zh = "、".join(f"{c.name}({c.zh[0] if c.zh else c.name})" for c in missing)
    en = ", ".join(c.name for c in missing)
    # "Did you mean": unknown header cells close to an alias of a missing column (死忙人数 → 死亡人数).
    aliases = {normalise_header(a): a for c in missing for a in (c.name, *c.zh, *c.scaled_aliases)}
    hints = []
    for cell in best:
        if cell.strip() and hmap.get(normalise_header(cell)) is None:
            close = difflib.get_close_matches(normalise_header(cell), list(aliases), n=1, cutoff=0.6)
            if close:
                hints.append((cell.strip(), aliases[close[0]]))
    hint_zh = "".join(f"表头“{c}”是否应为“{a}”?" for c, a in hints)
    hint_en = "".join(f" Header '{c}' may be a typo for '{a}'." for c, a in hints)
    where_zh = f"(第{best_n}行)" if found else f"(前{HEADER_SCAN_ROWS}行中没有可识别的表头)"
    where_en = (
        f" (header row {best_n})"
        if found
        else f" (no recognisable header in the first {HEADER_SCAN_ROWS} rows)"
    )
    return FileRejected(
        rel,
        "missing_columns",
        f"缺少必填字段{where_zh}:{zh}。{hint_zh}请检查表头拼写(可用中文表头或英文字段名)",
        f"Missing required columns: {en}{where_en}.{hint_en} Check the header spelling "
        "(Chinese form headers or canonical English names)",
    )


# ----------------------------------------------------------------------------- frame


def _frame(
    body: Iterator[Row], columns: list[tuple[int, str]], width: int
) -> tuple[pl.DataFrame, Row | None]:
    """Build the string frame chunk by chunk; returns it and the last row read."""
    parts: list[pl.DataFrame] = []
    last: Row | None = None
    while chunk := list(itertools.islice(body, _CHUNK_ROWS)):
        last = chunk[-1]
        rows = [c if len(c) >= width else c + [""] * (width - len(c)) for _n, c in chunk]
        by_col = list(zip(*rows, strict=False))
        parts.append(
            pl.DataFrame(
                [pl.Series("_row_number", [n for n, _c in chunk], dtype=pl.Int64)]
                + [pl.Series(name, by_col[i], dtype=pl.Utf8) for i, name in columns]
            )
        )
    if not parts:
        empty = {"_row_number": pl.Int64, **{name: pl.Utf8 for _i, name in columns}}
        return pl.DataFrame(schema=empty), None
    frame = pl.concat(parts, rechunk=False)
    stripped = [pl.col(name).str.strip_chars() for _i, name in columns]
    return frame.with_columns(
        pl.when(s != "").then(s).alias(name) for s, (_i, name) in zip(stripped, columns, strict=True)
    ), last


def read_raw_file(path: Path, raw_root: Path, source: Source) -> RawFile:
    rel = path.relative_to(raw_root).as_posix()
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(
            rel,
            "empty_file",
            "文件为空(0字节),未导入任何数据",
            "The file is empty (0 bytes); nothing was loaded",
        )
    limit = max_file_bytes()
    if size > limit:
        raise FileRejected(
            rel,
            "file_too_large",
            f"文件大小{_size(size)},超过上限{_size(limit)}(SAFETY_MAX_FILE_MB),未导入任何数据;"
            "请按季度或地区拆分后再报送",
            f"The file is {_size(size)}, above the {_size(limit)} limit (SAFETY_MAX_FILE_MB); nothing "
            "was loaded, split it by quarter or region",
        )
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, rel, source)
    is_csv = path.suffix.lower() != ".xlsx"
    encoding = _csv_encoding(path, rel) if is_csv else "xlsx"
    rows = _csv_rows(path, encoding, rel) if is_csv else _xlsx_rows(path, rel)
    with contextlib.closing(rows):  # closes the CSV even when the header is rejected
        return _read_rows(path, rel, source, encoding, rows)


def _read_rows(path: Path, rel: str, source: Source, encoding: str, rows: Iterator[Row]) -> RawFile:
    is_csv = encoding != "xlsx"
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if not head:
        raise FileRejected(
            rel, "empty_file", "文件为空,没有表头和数据行", "The file is empty: no header, no rows"
        )
    found = _find_header(head, source)
    if found is None:
        raise _reject_header(rel, head, source, encoding)
    at, header, spans = found
    header_row = head[at][0]

    hmap = header_map(source)
    columns: list[tuple[int, str]] = []
    factors: dict[str, float] = {}
    for i, (cell, hit) in enumerate(zip(header, _mapped(header, hmap), strict=True)):
        if hit is None:
            continue  # unknown extra columns are kept out, not fatal
        if hit[0] in factors:
            raise FileRejected(
                rel,
                "duplicate_column",
                f"表头中字段“{hit[0]}”出现了两次(第二次为“{cell}”)",
                f"Column '{hit[0]}' appears twice in the header (second as '{cell}')",
            )
        columns.append((i, hit[0]))
        factors[hit[0]] = hit[1]

    frame, last = _frame(itertools.chain(head[at + 1 :], rows), columns, len(header))
    if is_csv and last is not None and len(last[1]) < len(header) and not _ends_with_newline(path):
        raise FileRejected(
            rel,
            "truncated_file",
            f"文件在第{last[0]}行中途截断(该行只有{len(last[1])}列,表头有{len(header)}列,且文件末尾没有换行),"
            "可能未传完整,未导入任何数据;请重新导出或重新上传完整文件",
            f"The file appears cut off at row {last[0]} (it has {len(last[1])} of {len(header)} cells "
            "and the file has no final line break); nothing was loaded, upload the complete file again",
        )

    notes: list[tuple[str, str]] = []
    skipped = head[: at + 1 - spans]
    if skipped:
        a, b = skipped[0][0], skipped[-1][0]
        zh, en = (f"第{a}行", f"row {a}") if a == b else (f"第{a}–{b}行", f"rows {a}-{b}")
        notes.append((f"已跳过表头上方的标题行({zh})", f"Skipped title rows above the header ({en})"))
    if spans == 2:
        notes.append(
            (
                f"第{head[at - 1][0]}–{header_row}行为两行表头,已合并读取",
                f"Two-row header (rows {head[at - 1][0]}-{header_row}) read as one",
            )
        )
    if frame.height == 0:
        notes.append(
            (
                "文件只有表头,没有数据行:按零报告导入(0行),该文件此前导入的数据(如有)被本次零报告替换",
                "The file has a header but no data rows: loaded as a zero report (0 rows), which "
                "replaces rows loaded earlier from this file, if any",
            )
        )
    for col in source.columns:  # optional columns absent from the file become nulls
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    return RawFile(
        path=path,
        relpath=rel,
        sha256=sha256_of(path),
        encoding=encoding,
        frame=frame.select(["_row_number", *source.column_names]),
        scale_factors=factors,
        header_row=header_row,
        notes=tuple(notes),
    )


def _as_text(col: pl.Series) -> pl.Series:
    """A typed Parquet column as the text a CSV export would hold, for the same parser."""
    if col.dtype == pl.Datetime:
        return col.dt.strftime("%Y-%m-%d %H:%M:%S")
    if col.dtype == pl.Date:
        return col.dt.strftime("%Y-%m-%d")
    if col.dtype == pl.Boolean:
        return col.cast(pl.Utf8).str.to_lowercase()
    return col.cast(pl.Utf8)


def _read_parquet(path: Path, rel: str, source: Source) -> RawFile:
    """Parquet (bulk exports of provincial systems): column names map like CSV headers, values are
    typed by the writer but go through the same text parser and row rules, so a bad value is
    quarantined the same way. Row numbers count as in a spreadsheet (first data row = 2)."""
    try:
        raw = pl.read_parquet(path)
    except Exception as exc:
        raise FileRejected(
            rel,
            "unreadable_parquet",
            f"Parquet文件无法读取,未导入任何数据:{exc}",
            f"Unreadable Parquet file; nothing was loaded: {exc}",
        ) from exc
    hmap = header_map(source)
    columns: dict[str, pl.Series] = {}
    factors: dict[str, float] = {}
    for name in raw.columns:
        hit = hmap.get(normalise_header(name))
        if hit is None:
            continue
        if hit[0] in columns:
            raise FileRejected(
                rel,
                "duplicate_column",
                f"字段“{hit[0]}”出现了两次(第二次为“{name}”)",
                f"Column '{hit[0]}' appears twice (second as '{name}')",
            )
        columns[hit[0]] = _as_text(raw.get_column(name)).alias(hit[0])
        factors[hit[0]] = hit[1]
    missing = [c.name for c in source.columns if c.required and c.name not in columns]
    if missing:
        raise FileRejected(
            rel,
            "missing_columns",
            f"缺少必填字段:{'、'.join(missing)}",
            f"Missing required columns: {', '.join(missing)}",
        )
    n = raw.height
    frame = pl.DataFrame([pl.Series("_row_number", range(2, n + 2), dtype=pl.Int64), *columns.values()])
    frame = frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c) for c in columns
    )
    for col in source.columns:
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    notes: tuple[tuple[str, str], ...] = ()
    if n == 0:
        notes = (("文件没有数据行:按零报告导入(0行)", "No data rows: loaded as a zero report (0 rows)"),)
    return RawFile(
        path=path,
        relpath=rel,
        sha256=sha256_of(path),
        encoding="parquet",
        frame=frame.select(["_row_number", *source.column_names]),
        scale_factors=factors,
        notes=notes,
    )


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) in (b"\n", b"\r")
