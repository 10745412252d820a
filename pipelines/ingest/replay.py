"""Replay quarantined rows 拒收行重报: write them back as a file to correct and drop again.

Every row quarantined at ingest keeps its whole content in ``quality.rejects.row_content``
(a JSON object: the file's header -> the cell as read, in file order). ``safety-stats rejects
--export corrections.csv`` writes those rows back in the source's contract layout:

- one CSV (UTF-8 with BOM, so Excel opens it) per source: the contract's columns under their
  canonical names (``pipelines/lib/contracts.py``), in contract order; a value read under a
  unit-bearing header (``直接经济损失(元)``) is converted to the canonical unit (万元) when it
  is a number, so the corrected file reads the same as the original would have;
- then, for the clerk, ``_file``, ``_row``, ``_rule`` and ``_message``: where the row came from
  and why it was refused. The loader ignores columns outside the contract.

Correct the rows in Excel (delete those that should stay out), save as CSV and drop the file
into the source's folder of the raw drop under a new name (e.g.
``raw/<drop>/accidents/331102_莲都_2021Q1_更正.csv``); the next refresh loads it like any
other file. Remove or fix the original file too if its rows should not be quarantined again.
Rejects of files rejected whole have no row content: the whole file must be sent again.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.contracts import SOURCES_BY_NAME, Source
from pipelines.lib.readers import header_map, normalise_header
from pipelines.lib.safe_cells import SafeCsvWriter

EXTRA_COLUMNS = ("_file", "_row", "_rule", "_message")


@dataclass(frozen=True)
class Rejected:
    source: str
    file_path: str
    row_number: int
    rules: str
    message: str
    content: dict[str, str]


def rejected_rows(
    con: duckdb.DuckDBPyConnection,
    table: str = "quality.rejects",
    source: str | None = None,
    file: str | None = None,
) -> list[Rejected]:
    """Quarantined rows (errors, not warnings) that kept their content, one per file row."""
    schema, name = table.split(".")
    has = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_name = 'row_content'",
        [schema, name],
    ).fetchone()
    if not has or not has[0]:
        raise SystemExit(
            f"{table} 没有 row_content 列(发布于本功能之前),请先运行 safety-stats refresh / "
            f"{table} has no row_content column (published before this feature): run `safety-stats refresh` first"
        )
    where, params = ["severity = 'error'", "row_content IS NOT NULL"], []
    if source:
        where.append("source = ?")
        params.append(source)
    if file:
        where.append("file_path = ?")
        params.append(file)
    rows = con.execute(
        f"""SELECT source, file_path, row_number, string_agg(DISTINCT rule, ';' ORDER BY rule),
                string_agg(DISTINCT message_zh || ' / ' || message_en, ';  '), any_value(row_content)
            FROM {table} WHERE {" AND ".join(where)}
            GROUP BY source, file_path, row_number ORDER BY source, file_path, row_number""",
        params,
    ).fetchall()
    return [Rejected(s, f, int(n), r, m, json.loads(c)) for s, f, n, r, m, c in rows]


def _canonical(source: Source, content: dict[str, str]) -> dict[str, str]:
    """The row's cells under canonical column names, unit-bearing headers converted."""
    hmap = header_map(source)
    out: dict[str, str] = {}
    for header, text in content.items():
        hit = hmap.get(normalise_header(header))
        if hit is None:
            continue
        name, factor = hit
        # not a number: it was probably why the row was refused, so it is kept as written
        if factor != 1.0:
            with contextlib.suppress(ValueError):
                text = f"{round(float(text.replace(',', '')) * factor, 6):.6f}".rstrip("0").rstrip(".")
        out[name] = text
    return out


def export_rejects(rows: list[Rejected], out: Path) -> list[Path]:
    """Write `rows` to `out` (one source) or `out` with `_<source>` before the suffix (several).
    Returns the files written."""
    by_source: dict[str, list[Rejected]] = {}
    for r in rows:
        by_source.setdefault(r.source, []).append(r)
    written = []
    for name, items in by_source.items():
        source = SOURCES_BY_NAME[name]
        path = out if len(by_source) == 1 else out.with_name(f"{out.stem}_{name}{out.suffix or '.csv'}")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = SafeCsvWriter(f, lineterminator="\r\n")  # formula-like text stays text (issue 14)
            w.writerow([*source.column_names, *EXTRA_COLUMNS])
            for r in items:
                cells = _canonical(source, r.content)
                w.writerow(
                    [
                        *(cells.get(c, "") for c in source.column_names),
                        r.file_path,
                        r.row_number,
                        r.rules,
                        r.message,
                    ]
                )
        written.append(path)
    return written
