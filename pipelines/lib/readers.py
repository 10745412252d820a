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
- ``truncated_file`` / ``malformed_csv`` / ``unreadable_xlsx``;
- over an ingest limit (``pipelines/lib/limits.py``, checked before the data is materialised):
  ``too_many_columns``, ``line_too_long``, ``field_too_long``, ``too_many_cells``,
  ``xlsx_too_large`` (uncompressed parts, zip directory or the sheet's last row × column).

Title rows above the header (``XX市2021年第一季度生产安全事故统计表``, 填报单位 …) are skipped:
the header is the first of the first ``HEADER_SCAN_ROWS`` non-blank rows whose cells map to all
required columns, or two such rows read together (a two-row header with merged group
headings: the lower cell wins, the upper one fills in where the lower is blank). Row numbers
stay the spreadsheet's own, so a clerk can find the row.

A file laid out as an official survey form (表号 box, merged multi-row header, 合计 row; see
``official_forms.py`` and docs/official_forms.md) is read by ``official_forms.read_form`` into the
same canonical frame, with its 合计 checks in ``RawFile.form_rejects``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import difflib
import functools
import hashlib
import io
import itertools
import os
import re
import struct
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import polars as pl

from pipelines.lib import official_forms
from pipelines.lib.contracts import Source
from pipelines.lib.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_FILE_MB,
    MAX_LINE_CHARS,
    MAX_XLSX_CELLS,
    MAX_XLSX_PARTS,
    MAX_XLSX_UNCOMPRESSED_MB,
    Limit,
)

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")
DEFAULT_MAX_FILE_MB = float(MAX_FILE_MB.default)
HEADER_SCAN_ROWS = 10  # the header must be among this many first non-blank rows
_CHUNK_CELLS = 1_000_000  # cells made into a frame at a time (~90k rows of 11): bounded memory


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
    sheet: str | None = None  # XLSX: name of the sheet read (the first)
    # Columns of the file not in the contract, as read (row-aligned with `frame`), and every
    # column in file order as (header text, column of `frame` or `extra`): a quarantined row
    # keeps all its cells (`row_contents`), so it can be corrected and replayed without the file.
    extra: pl.DataFrame | None = None
    content_columns: tuple[tuple[str, str], ...] = ()
    # Official survey forms (pipelines/lib/official_forms.py): the form's code, the rows its own
    # checks rejected (合计 rules; reject schema of parse.py, original row numbers, not in `frame`)
    # and every body row's content (a summary form's `frame` is long: several rows per form row).
    form: str | None = None
    form_rejects: pl.DataFrame | None = None
    form_contents: pl.DataFrame | None = None

    def row_contents(self, row_numbers: pl.Series | list[int]) -> pl.DataFrame:
        """_row_number and row_content (JSON object header -> cell text, in file order; a blank
        cell is "") of the given rows."""
        if self.form_contents is not None:
            wanted = pl.Series(row_numbers, dtype=pl.Int64).implode()
            return self.form_contents.filter(pl.col("_row_number").is_in(wanted))
        wide = self.frame if self.extra is None else pl.concat([self.frame, self.extra], how="horizontal")
        picked = wide.filter(pl.col("_row_number").is_in(pl.Series(row_numbers, dtype=pl.Int64).implode()))
        if not self.content_columns:
            return picked.select("_row_number", pl.lit(None, dtype=pl.Utf8).alias("row_content"))
        return picked.select(
            "_row_number",
            pl.struct([pl.col(c).cast(pl.Utf8).fill_null("").alias(k) for k, c in self.content_columns])
            .struct.json_encode()
            .alias("row_content"),
        )


def _content_keys(headers: list[str]) -> list[str]:
    """JSON keys for a row's cells: the header text, made unique (a blank header is 第N列/column N)."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        key = h.strip() or f"(第{i + 1}列 column {i + 1})"
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key} ({seen[key]})")
    return out


def _over_limit(rel: str, rule: str, limit: Limit, found_zh: str, found_en: str) -> FileRejected:
    """A whole-file rejection naming the file, the limit and its value."""
    lz, le = limit.label()
    return FileRejected(
        rel,
        rule,
        f"文件{rel}:{found_zh},超过{lz},未导入任何数据;请检查文件内容,或按季度、地区拆分后再报送",
        f"File {rel}: {found_en}, above {le}; nothing was loaded, check the file's content or "
        "split it by quarter or region",
    )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def max_file_bytes() -> int:
    return int(float(os.environ.get(f"SAFETY_{MAX_FILE_MB.name}", DEFAULT_MAX_FILE_MB)) * 1024 * 1024)


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


@functools.lru_cache(maxsize=4096)  # the same few headers, once per file of thousands
def normalise_header(text: str) -> str:
    """Fold the variants clerks type: full-width brackets, spaces, BOM, case."""
    t = text.replace("\ufeff", "").strip()
    t = t.replace("（", "(").replace("）", ")")
    t = re.sub(r"\s+", "", t)
    return t.lower()


_HEADER_MAPS: dict[int, tuple[Source, dict[str, tuple[str, float]]]] = {}


def header_map(source: Source) -> dict[str, tuple[str, float]]:
    """Normalised header -> (canonical column, factor to canonical unit). Built once per source
    object (a load reads thousands of files of one source); callers must not modify it."""
    cached = _HEADER_MAPS.get(id(source))
    if cached is not None and cached[0] is source:
        return cached[1]
    out: dict[str, tuple[str, float]] = {}
    for col in source.columns:
        out[normalise_header(col.name)] = (col.name, 1.0)
        for alias in col.zh:
            out[normalise_header(alias)] = (col.name, 1.0)
        for alias, factor in col.scaled_aliases.items():
            out[normalise_header(alias)] = (col.name, factor)
    _HEADER_MAPS[id(source)] = (source, out)
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
    # UTF-16 without a BOM: ASCII characters (digits, commas, dates) carry a NUL byte each. A
    # few NUL bytes in a UTF-8/GBK file are stray control characters (row rule, parse.py).
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") * 10 >= len(head):
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


def _bounded_lines(f: io.TextIOBase, rel: str) -> Iterator[str]:
    """The file's physical lines, each read with a bounded readline: a line longer than
    MAX_LINE_CHARS (a 100,000-column header, a file without line breaks) is refused before it
    is held whole or split into cells."""
    limit = MAX_LINE_CHARS.value
    n = 0
    while line := f.readline(limit + 1):
        n += 1
        if len(line) > limit:
            raise _over_limit(
                rel,
                "line_too_long",
                MAX_LINE_CHARS,
                f"第{n}行(按换行符计)过长",
                f"line {n} (counting line breaks) is too long",
            )
        yield line


def _csv_rows(path: Path, encoding: str, rel: str) -> Generator[Row]:
    with path.open(encoding=encoding, newline="") as f:
        n = 0
        try:
            for n, cells in enumerate(csv.reader(_bounded_lines(f, rel), strict=True), 1):
                if _nonblank(cells):
                    yield n, cells
        except csv.Error as exc:
            row = n + 1
            if "field larger than field limit" in str(exc):
                # csv's own limit (131,072) is above MAX_FIELD_CHARS: a cell this long is over ours.
                raise _too_long(rel, row, None, csv.field_size_limit()) from exc
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


def _too_long(rel: str, row: int, column: str | None, length: int) -> FileRejected:
    at_zh = f"第{row}行" + (f"“{column}”列" if column else "")
    at_en = f"row {row}" + (f", column '{column}'" if column else "")
    more = "超过" if column is None else ""
    return _over_limit(
        rel,
        "field_too_long",
        MAX_FIELD_CHARS,
        f"{at_zh}的单元格有{more}{length:,}个字符",
        f"a cell at {at_en} has {'more than ' if column is None else ''}{length:,} characters",
    )


def _col_index(letters: str) -> int:
    """Spreadsheet column letters to a 1-based index (A=1, GR=200)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


_TAG = re.compile(rb"<(?:\w+:)?(row|c)[\s/>][^>]*", re.S)
_R_ATTR = re.compile(rb'\sr="([A-Z]{0,3})([0-9]*)"')
_ROW_R = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="([0-9]+)"')
_CELL_R = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})[0-9]+"')
_ROW_ANY = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL_ANY = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW_R_FIRST = re.compile(rb'<row r="([0-9]+)"')
_CELL_R_FIRST = re.compile(rb'<c r="([A-Z]{1,3})[0-9]+"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?\bref="([^"]*)"')


class _XlsxScan:
    """One streaming pass of a worksheet's XML (regular expressions over 1 MB blocks of the
    inflated part, carried over at the last ``<``): the declared ``<dimension>`` is checked as
    soon as it is seen, then the real last row and column (from the ``r`` attributes, or by
    position where a writer left them out) and the length of every text node, so a sheet whose
    dimension lies is refused before calamine allocates its rectangle."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.max_row = self.max_col = 0
        self.row = self.col = 0
        self.first = True
        self.carry = b""
        self.max_cells, self.max_cols, self.max_field = (
            MAX_XLSX_CELLS.value,
            MAX_COLUMNS.value,
            MAX_FIELD_CHARS.value,
        )
        self._long_text = re.compile(rb">[^<]{%d,}" % (self.max_field + 1))

    def _check(self, rows: int, cols: int, declared: bool) -> None:
        how_zh, how_en = ("声明", "declared range") if declared else ("实际", "actual extent")
        if cols > self.max_cols:
            raise _over_limit(
                self.rel,
                "too_many_columns",
                MAX_COLUMNS,
                f"第一个工作表{how_zh}有{cols:,}列",
                f"the first worksheet's {how_en} has {cols:,} columns",
            )
        if rows * cols > self.max_cells:
            raise _over_limit(
                self.rel,
                "xlsx_too_large",
                MAX_XLSX_CELLS,
                f"第一个工作表{how_zh}到第{rows:,}行、第{cols:,}列,共{rows * cols:,}个单元格",
                f"the first worksheet's {how_en} reaches row {rows:,}, column {cols:,}: "
                f"{rows * cols:,} cells",
            )

    def feed(self, block: bytes, final: bool = False) -> None:
        buf = self.carry + block
        cut = len(buf) if final else buf.rfind(b"<")
        if cut < 0:
            cut = 0
        text, self.carry = buf[:cut], buf[cut:]
        if len(self.carry) > 4 * self.max_field + 1024:  # no tag for that long: one huge text node
            raise _too_long(self.rel, self.row, None, self.max_field)
        if self.first and text:
            self.first = False
            if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
                raise ValueError("DOCTYPE/entity declarations are not allowed in a workbook")
            dim = _DIMENSION.search(text)
            refs = [_CELL_REF.fullmatch(p) for p in dim.group(1).decode().split(":")] if dim else []
            if refs and all(refs):
                last = refs[-1]
                assert last is not None
                self._check(int(last.group(2)), _col_index(last.group(1)), True)
        for m in self._long_text.finditer(text):
            n = len(m.group(0)[1:].decode("utf-8", "replace"))
            if n > self.max_field:
                raise _too_long(self.rel, self.row, None, self.max_field)
        if b":row" in text or b":c " in text:  # namespace-prefixed tags: general patterns
            rows_r, cells_r = _ROW_R.findall(text), _CELL_R.findall(text)
            n_rows, n_cells = len(_ROW_ANY.findall(text)), len(_CELL_ANY.findall(text))
        else:  # r first, as Excel and the libraries write it: literal searches, fast
            rows_r, cells_r = _ROW_R_FIRST.findall(text), _CELL_R_FIRST.findall(text)
            n_rows = text.count(b"<row ") + text.count(b"<row>")
            n_cells = text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/>")
        if len(rows_r) == n_rows and len(cells_r) == n_cells:
            # every tag says where it is: no loop needed
            if rows_r:
                self.row = max(map(int, rows_r))
                self.max_row = max(self.max_row, self.row)
            if cells_r:
                widest = max(set(cells_r), key=lambda c: (len(c), c))
                self.max_col = max(self.max_col, _col_index(widest.decode()))
            self._check(self.max_row, self.max_col, False)
            return
        for m in _TAG.finditer(text):  # a writer that leaves out r: count positions
            r = _R_ATTR.search(m.group(0))
            if m.group(1) == b"row":
                self.row = int(r.group(2)) if r and r.group(2) else self.row + 1
                self.col = 0
                self.max_row = max(self.max_row, self.row)
            else:
                self.col = _col_index(r.group(1).decode()) if r and r.group(1) else self.col + 1
                self.max_col = max(self.max_col, self.col)
            self._check(self.max_row, self.max_col, False)


def _no_doctype(*_args: object) -> None:
    raise ValueError("DOCTYPE/entity declarations are not allowed in a workbook")


def _scan_xml(
    zf: zipfile.ZipFile,
    name: str,
    rel: str,
    scan: _XlsxScan | None = None,
    count_only: bool = False,
    **handlers: object,
) -> None:
    """Read one part of the workbook in 1 MB blocks, counting the bytes really inflated (the
    zip header's size can lie too) against MAX_XLSX_UNCOMPRESSED_MB; feed them to `scan`, or to
    an expat parser with `handlers` (small parts: workbook.xml and its relationships)."""
    from xml.parsers import expat

    cap = MAX_XLSX_UNCOMPRESSED_MB.value * 1024 * 1024
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    for attr, fn in handlers.items():
        setattr(parser, attr, fn)
    seen = 0
    with zf.open(name) as f:
        while block := f.read(1 << 20):
            seen += len(block)
            if seen > cap:
                raise _over_limit(
                    rel,
                    "xlsx_too_large",
                    MAX_XLSX_UNCOMPRESSED_MB,
                    f"工作簿中的{name}解压后超过{cap // 1048576:,} MB",
                    f"the workbook's {name} inflates to more than {cap // 1048576:,} MB",
                )
            if scan is not None:
                scan.feed(block)
            elif not count_only:
                parser.Parse(block, False)
    if scan is not None:
        scan.feed(b"", final=True)
    elif not count_only:
        parser.Parse(b"", True)


class _Found(Exception):
    pass


def _first_sheet(zf: zipfile.ZipFile, rel: str) -> tuple[str, str]:
    """(name, part path) of the workbook's first sheet: what calamine and openpyxl read."""
    first: dict[str, str] = {}

    def on_sheet(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(":", 1)[-1] == "sheet":
            first["name"] = attrs.get("name", "")
            first["rid"] = next((v for k, v in attrs.items() if k.rsplit(":", 1)[-1] == "id"), "")
            raise _Found

    with contextlib.suppress(_Found):
        _scan_xml(zf, "xl/workbook.xml", rel, StartElementHandler=on_sheet)
    target: dict[str, str] = {}

    def on_rel(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(":", 1)[-1] == "Relationship" and attrs.get("Id") == first.get("rid"):
            target["path"] = attrs.get("Target", "")
            raise _Found

    with contextlib.suppress(_Found, KeyError):
        _scan_xml(zf, "xl/_rels/workbook.xml.rels", rel, StartElementHandler=on_rel)
    t = target.get("path", "worksheets/sheet1.xml")
    part = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return first.get("name", ""), part


def _check_xlsx(path: Path, rel: str) -> str:
    """Bounds of a workbook checked before calamine reads it whole; returns the first sheet's
    name. A file that is not a zip at all falls through to the reader (unreadable_xlsx)."""
    size = path.stat().st_size
    with path.open("rb") as f:  # the zip's end record: how big is its directory?
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and len(tail) >= at + 22:
        entries, cd_size = struct.unpack("<HI", tail[at + 10 : at + 16])
        parts = MAX_XLSX_PARTS.value
        if entries > parts or cd_size > parts * 1024:
            raise _over_limit(
                rel,
                "xlsx_too_large",
                MAX_XLSX_PARTS,
                f"Excel压缩包目录有{entries:,}项({cd_size:,}字节)",
                f"the workbook's zip directory has {entries:,} entries ({cd_size:,} bytes)",
            )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return ""  # unreadable: the reader below says so
    with zf:
        total = sum(i.file_size for i in zf.infolist())
        cap = MAX_XLSX_UNCOMPRESSED_MB.value * 1024 * 1024
        if total > cap:
            raise _over_limit(
                rel,
                "xlsx_too_large",
                MAX_XLSX_UNCOMPRESSED_MB,
                f"工作簿解压后共{total / 1048576:,.0f} MB",
                f"the workbook inflates to {total / 1048576:,.0f} MB",
            )
        try:
            sheet, part = _first_sheet(zf, rel)
        except FileRejected:
            raise
        except Exception:  # workbook.xml unreadable: every worksheet is checked instead
            sheet, part = "", ""
        names = zf.namelist()
        sheets = (
            [part] if part in names else [n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
        )
        try:
            for name in sheets:
                _scan_xml(zf, name, rel, _XlsxScan(rel))
            if "xl/sharedStrings.xml" in names:  # inflated for real: its declared size can lie
                _scan_xml(zf, "xl/sharedStrings.xml", rel, count_only=True)
        except FileRejected:
            raise
        except Exception as exc:  # a part that does not inflate (bad CRC, cut off) or a DOCTYPE
            raise _unreadable(rel, exc) from exc
        return sheet


def _unreadable(rel: str, exc: Exception) -> FileRejected:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return FileRejected(
        rel,
        "unreadable_xlsx",
        f"Excel文件无法读取,可能已损坏或未传完整(例如上传中断),未导入任何数据;请重新导出或重新上传:{detail}",
        f"Cannot read the Excel file: it is damaged or incomplete (e.g. an interrupted upload); "
        f"nothing was loaded, export or upload it again: {detail}",
    )


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
        raise _unreadable(rel, exc) from exc
    limit = MAX_FIELD_CHARS.value
    for i, values in enumerate(df.iter_rows()):
        cells = ["" if v is None else str(v) for v in values]
        if _nonblank(cells):
            longest = max(range(len(cells)), key=lambda j: len(cells[j]))
            if len(cells[longest]) > limit:  # a shared string (inline text is checked by the scan)
                raise _too_long(rel, first + i, _letters(longest), len(cells[longest]))
            yield first + i, cells


def _letters(index: int) -> str:
    """0-based column index to spreadsheet letters (0=A, 199=GR)."""
    out = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        out = chr(65 + r) + out
    return out


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
    body: Iterator[Row], columns: list[tuple[int, str]], width: int, rel: str, headers: list[str]
) -> tuple[pl.DataFrame, Row | None]:
    """Build the string frame chunk by chunk; returns it and the last row read.

    `columns` are (position, name): contract columns (stripped, blank = null) and the file's
    other columns as `__x<position>` (kept as read, for quarantined rows' content). Cells are
    counted against MAX_CELLS and their length against MAX_FIELD_CHARS as the rows stream in,
    so an oversized file is refused before it is all in memory."""
    parts: list[pl.DataFrame] = []
    last: Row | None = None
    max_cells, max_field = MAX_CELLS.value, MAX_FIELD_CHARS.value
    chunk_rows = max(1, _CHUNK_CELLS // max(width, 1))
    mapped = [name for _i, name in columns if not name.startswith("__x")]
    stripped = [
        pl.when(pl.col(n).str.strip_chars() != "").then(pl.col(n).str.strip_chars()).alias(n) for n in mapped
    ]
    n_rows = 0
    while chunk := list(itertools.islice(body, chunk_rows)):
        last = chunk[-1]
        n_rows += len(chunk)
        if n_rows * width > max_cells:
            raise _over_limit(
                rel,
                "too_many_cells",
                MAX_CELLS,
                f"读到第{last[0]:,}行时已有{n_rows:,}行×{width:,}列={n_rows * width:,}个单元格",
                f"by row {last[0]:,} it holds {n_rows:,} rows × {width:,} columns = {n_rows * width:,} cells",
            )
        rows = [c if len(c) >= width else c + [""] * (width - len(c)) for _n, c in chunk]
        by_col = list(zip(*rows, strict=False))
        part = pl.DataFrame(
            [pl.Series("_row_number", [n for n, _c in chunk], dtype=pl.Int64)]
            + [pl.Series(name, by_col[i], dtype=pl.Utf8) for i, name in columns]
        )
        if columns:
            longest = part.select(
                pl.max_horizontal(pl.col(n).str.len_chars().max() for _i, n in columns)
            ).item()
            if longest is not None and longest > max_field:
                for i, name in columns:
                    hit = part.filter(pl.col(name).str.len_chars() > max_field)
                    if hit.height:
                        row = hit["_row_number"][0]
                        raise _too_long(rel, row, headers[i].strip() or _letters(i), len(hit[name][0]))
        # Stripped chunk by chunk: done once over the whole frame, it held two copies of it.
        parts.append(part.with_columns(stripped))
    if not parts:
        empty = {"_row_number": pl.Int64, **{name: pl.Utf8 for _i, name in columns}}
        return pl.DataFrame(schema=empty), None
    return pl.concat(parts, rechunk=False), last


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
    sheet = None if is_csv else _check_xlsx(path, rel)
    rows = _csv_rows(path, encoding, rel) if is_csv else _xlsx_rows(path, rel)
    with contextlib.closing(rows):  # closes the CSV even when the header is rejected
        head = list(itertools.islice(rows, official_forms.FORM_SCAN_ROWS))
        body: Iterator[Row] = itertools.chain(head, rows)
        form = official_forms.detect(head, source)
        raw = None
        if form is not None:  # an official survey form: its own header and 合计 rules
            try:
                raw = official_forms.read_form(path, rel, source, encoding, form, body)
            except official_forms.NotThisForm as exc:
                body = iter(exc.rows)
        if raw is None:
            raw = _read_rows(path, rel, source, encoding, body)
    return raw if sheet is None else dataclasses.replace(raw, sheet=sheet or None)


def read_any(path: Path, source: Source, raw_root: Path | None = None) -> RawFile:
    """One file as the ingest reads it, whatever its layout (canonical, Chinese headers, or an
    official form): ``frame`` holds the canonical columns as text and ``_row_number`` the
    spreadsheet's own row numbers; ``form_rejects`` the rows an official form's 合计 checks
    refused. Feed ``frame`` to ``parse.parse_frame`` for the row rules. Raises FileRejected."""
    root = raw_root if raw_root is not None else path.parent
    return read_raw_file(path, root, source)


def _read_rows(path: Path, rel: str, source: Source, encoding: str, rows: Iterator[Row]) -> RawFile:
    is_csv = encoding != "xlsx"
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if not head:
        raise FileRejected(
            rel, "empty_file", "文件为空,没有表头和数据行", "The file is empty: no header, no rows"
        )
    widest = max(head, key=lambda r: len(r[1]))
    if len(widest[1]) > MAX_COLUMNS.value:  # before any data row is read
        raise _over_limit(
            rel,
            "too_many_columns",
            MAX_COLUMNS,
            f"第{widest[0]}行有{len(widest[1]):,}列",
            f"row {widest[0]} has {len(widest[1]):,} columns",
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

    # The file's other columns ride along as read, so a quarantined row keeps all its cells;
    # blank-headed columns only if they hold something (calamine pads to the widest row).
    extras = [(i, f"__x{i}") for i, cell in enumerate(header) if i not in dict(columns)]
    frame, last = _frame(itertools.chain(head[at + 1 :], rows), columns + extras, len(header), rel, header)
    extra_names = [n for i, n in extras if header[i].strip() or frame[n].str.strip_chars().ne("").any()]
    keys = _content_keys(list(header))
    by_pos = dict(columns + [(i, n) for i, n in extras if n in extra_names])
    content = tuple((keys[i], by_pos[i]) for i in range(len(header)) if i in by_pos)
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
        extra=frame.select(extra_names) if extra_names else None,
        content_columns=content,
    )


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A typed Parquet column as the text a CSV export would hold, for the same parser."""
    col = pl.col(name)
    if dtype == pl.Datetime:
        return col.dt.strftime("%Y-%m-%d %H:%M:%S")
    if dtype == pl.Date:
        return col.dt.strftime("%Y-%m-%d")
    if dtype == pl.Boolean:
        return col.cast(pl.Utf8).str.to_lowercase()
    return col.cast(pl.Utf8)


def _unreadable_parquet(rel: str, exc: Exception) -> FileRejected:
    return FileRejected(
        rel,
        "unreadable_parquet",
        f"Parquet文件无法读取,未导入任何数据:{exc}",
        f"Unreadable Parquet file; nothing was loaded: {exc}",
    )


def _read_parquet(path: Path, rel: str, source: Source) -> RawFile:
    """Parquet (bulk exports of provincial systems): column names map like CSV headers, values are
    typed by the writer but go through the same text parser and row rules, so a bad value is
    quarantined the same way. Row numbers count as in a spreadsheet (first data row = 2)."""
    try:
        schema = pl.read_parquet_schema(path)
        n_rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    except Exception as exc:
        raise _unreadable_parquet(rel, exc) from exc
    if len(schema) > MAX_COLUMNS.value:
        raise _over_limit(
            rel, "too_many_columns", MAX_COLUMNS, f"有{len(schema):,}列", f"it has {len(schema):,} columns"
        )
    if n_rows * len(schema) > MAX_CELLS.value:
        raise _over_limit(
            rel,
            "too_many_cells",
            MAX_CELLS,
            f"有{n_rows:,}行×{len(schema):,}列={n_rows * len(schema):,}个单元格",
            f"it holds {n_rows:,} rows × {len(schema):,} columns = {n_rows * len(schema):,} cells",
        )
    hmap = header_map(source)
    mapped: dict[str, str] = {}  # file column -> contract column
    factors: dict[str, float] = {}
    for name in schema:
        hit = hmap.get(normalise_header(name))
        if hit is None:
            continue
        if hit[0] in factors:
            raise FileRejected(
                rel,
                "duplicate_column",
                f"字段“{hit[0]}”出现了两次(第二次为“{name}”)",
                f"Column '{hit[0]}' appears twice (second as '{name}')",
            )
        mapped[name] = hit[0]
        factors[hit[0]] = hit[1]
    missing = [c.name for c in source.columns if c.required and c.name not in factors]
    if missing:
        raise FileRejected(
            rel,
            "missing_columns",
            f"缺少必填字段:{'、'.join(missing)}",
            f"Missing required columns: {', '.join(missing)}",
        )
    others = [name for name in schema if name not in mapped]
    x_of = {name: f"__x{i}" for i, name in enumerate(others)}
    # One pass over the file: text of every column, stripped (blank = null) for contract columns.
    exprs = [pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("_row_number")]
    for name, target in mapped.items():
        text = _as_text(name, schema[name]).str.strip_chars()
        exprs.append(pl.when(text != "").then(text).alias(target))
    exprs += [pl.lit(None, dtype=pl.Utf8).alias(c.name) for c in source.columns if c.name not in factors]
    exprs += [_as_text(name, schema[name]).alias(x_of[name]) for name in others]
    try:
        wide = pl.scan_parquet(path).select(exprs).collect()
    except Exception as exc:
        raise _unreadable_parquet(rel, exc) from exc
    n = wide.height
    extra = wide.select(list(x_of.values())) if others else None
    keys = _content_keys(list(schema))
    content = tuple((keys[i], mapped.get(name) or x_of[name]) for i, name in enumerate(schema))
    notes: tuple[tuple[str, str], ...] = ()
    if n == 0:
        notes = (("文件没有数据行:按零报告导入(0行)", "No data rows: loaded as a zero report (0 rows)"),)
    return RawFile(
        path=path,
        relpath=rel,
        sha256=sha256_of(path),
        encoding="parquet",
        frame=wide.select(["_row_number", *source.column_names]),
        scale_factors=factors,
        notes=notes,
        extra=extra,
        content_columns=content,
    )


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) in (b"\n", b"\r")
