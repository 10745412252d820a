"""Read one raw file (CSV in UTF-8 or GBK/GB18030, or XLSX) into a frame of strings.

Everything is read as text first, so that a bad cell becomes a quarantined row with a
reason instead of a failed file; typing happens in ``pipelines.lib.parse``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.lib.contracts import Source

SUPPORTED_SUFFIXES = (".csv", ".xlsx")


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


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def _decode(data: bytes, rel: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312, which is what Chinese Excel exports.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            rel,
            "encoding",
            f"文件编码无法识别(既不是UTF-8也不是GBK/GB18030),请另存为UTF-8或GBK编码的CSV:{exc}",
            f"Unrecognised encoding (neither UTF-8 nor GBK/GB18030); save as UTF-8 or GBK CSV: {exc}",
        ) from exc


Rows = list[tuple[int, list[str]]]  # (spreadsheet row number, cells); the header is row 1


def _split(rows: list[list[str]], rel: str) -> tuple[list[str], Rows]:
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(cell.strip() for cell in r)]
    if not numbered:
        raise FileRejected(
            rel, "empty_file", "文件为空,没有表头和数据行", "The file is empty: no header, no rows"
        )
    return numbered[0][1], numbered[1:]


def _read_csv_text(text: str, rel: str) -> tuple[list[str], Rows]:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FileRejected(
            rel, "malformed_csv", f"CSV格式错误(引号不匹配或文件被截断):{exc}", f"Malformed CSV: {exc}"
        ) from exc
    return _split(rows, rel)


def _read_xlsx(path: Path, rel: str) -> tuple[list[str], Rows]:
    try:
        df = pl.read_excel(path, engine="calamine", infer_schema_length=0, has_header=False)
    except Exception as exc:  # calamine raises several types for broken workbooks
        raise FileRejected(
            rel,
            "unreadable_xlsx",
            f"Excel文件无法读取(可能已损坏):{exc}",
            f"Cannot read the Excel file: {exc}",
        ) from exc
    return _split([["" if v is None else str(v) for v in row] for row in df.iter_rows()], rel)


def read_raw_file(path: Path, raw_root: Path, source: Source) -> RawFile:
    rel = path.relative_to(raw_root).as_posix()
    if path.stat().st_size == 0:
        raise FileRejected(rel, "empty_file", "文件为空(0字节)", "The file is empty (0 bytes)")
    if path.suffix.lower() == ".xlsx":
        header, body = _read_xlsx(path, rel)
        encoding = "xlsx"
    else:
        text, encoding = _decode(path.read_bytes(), rel)
        header, body = _read_csv_text(text, rel)

    hmap = header_map(source)
    mapped: list[str | None] = []
    factors: dict[str, float] = {}
    for h in header:
        hit = hmap.get(normalise_header(h))
        if hit is None:
            mapped.append(None)  # unknown extra columns are kept out, not fatal
            continue
        if hit[0] in factors:
            raise FileRejected(
                rel,
                "duplicate_column",
                f"表头中字段“{hit[0]}”出现了两次(第二次为“{h}”)",
                f"Column '{hit[0]}' appears twice in the header (second as '{h}')",
            )
        mapped.append(hit[0])
        factors[hit[0]] = hit[1]
    missing = [c.name for c in source.columns if c.required and c.name not in factors]
    if missing:
        zh = "、".join(f"{m}({source.column(m).zh[0] if source.column(m).zh else m})" for m in missing)
        raise FileRejected(
            rel,
            "missing_columns",
            f"缺少必填字段:{zh}。请检查表头拼写(可用中文表头或英文字段名)",
            f"Missing required columns: {', '.join(missing)}. Check the header spelling "
            "(Chinese form headers or canonical English names)",
        )
    width = len(header)
    data: dict[str, list[str | None]] = {name: [] for name in factors}
    line_numbers: list[int] = []
    for line_no, row in body:
        line_numbers.append(line_no)
        row = row + [""] * (width - len(row))
        for name, cell in zip(mapped, row, strict=False):
            if name is not None:
                v = cell.strip()
                data[name].append(v if v != "" else None)
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.Utf8) for k, v in data.items()}).with_columns(
        pl.Series("_row_number", line_numbers, dtype=pl.Int64)
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
    )
