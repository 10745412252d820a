"""What an incremental refresh must reload: the quarters touched by new, changed or removed files.

The warehouse remembers, per record file, the sha256 it last read (`raw.load_log`) and the
quarters its rows were dated in (`raw.file_quarters`). Against the files in the drop now:

- a new file reloads the quarters of its rows (read with the ingest reader and parser, as the
  file-drop sensor does, `pipelines.automation.file_quarters`);
- a changed file reloads the quarters of its new rows and of its old rows (a corrected date can
  move a row out of a quarter, which must then lose it);
- a removed file reloads the quarters its rows were in, so the partition replace deletes them.

An unchanged file reloads nothing. Quarters are grouped into contiguous ranges per source, each
loaded by one ingest run (delete + insert of the range), exactly as a `--from/--to` backfill.

Reference sources (denominators, reports) are replaced file by file and keep the rows of removed
files (every release stays), so when each of their files is as last loaded a reload would write
the same rows again: `unchanged_reference_files` lets the ingest asset skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.contracts import RECORD_SOURCES, Source
from pipelines.lib.duck import table_exists
from pipelines.lib.readers import list_files, sha256_of


@dataclass
class SourceChanges:
    source: str
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quarters: set[str] = field(default_factory=set)  # partition keys '2021-07-01'

    @property
    def files(self) -> list[str]:
        return sorted(self.new + self.changed + self.removed)


def has_loaded(warehouse: Path) -> bool:
    """True when the warehouse has record loads to be incremental against."""
    if not warehouse.exists():
        return False
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return bool(
            table_exists(con, "raw", "load_log")
            and table_exists(con, "raw", "file_quarters")
            and con.execute("SELECT count(*) FROM raw.file_quarters").fetchone()[0]  # type: ignore[index]
        )
    finally:
        con.close()


def last_loaded_sha256(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Per file of `source`, the sha256 it had when last loaded (raw.load_log)."""
    return dict(
        con.execute(
            "SELECT file_path, arg_max(file_sha256, loaded_at) FROM raw.load_log WHERE source = ? GROUP BY file_path",
            [source],
        ).fetchall()
    )


def plan_changes(warehouse: Path, root: Path) -> list[SourceChanges]:
    """Per record source, the files that differ from the last load and the quarters to reload."""
    from pipelines.automation import file_quarters

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out: list[SourceChanges] = []
        for source in RECORD_SOURCES:
            last_sha = last_loaded_sha256(con, source.name)
            old_quarters: dict[str, set[str]] = {}
            for path, q in con.execute(
                "SELECT file_path, quarter_start FROM raw.file_quarters WHERE source = ? AND quarter_start IS NOT NULL",
                [source.name],
            ).fetchall():
                old_quarters.setdefault(path, set()).add(q.isoformat())
            ch = SourceChanges(source.name)
            current = {p.relative_to(root).as_posix(): p for p in list_files(root, source)}
            for rel, path in current.items():
                before = last_sha.get(rel)
                if before is not None and before == sha256_of(path):
                    continue
                (ch.changed if before is not None else ch.new).append(rel)
                ch.quarters |= file_quarters(path, root, source) | old_quarters.get(rel, set())
            for rel in sorted(set(old_quarters) - set(current)):
                ch.removed.append(rel)
                ch.quarters |= old_quarters[rel]
            out.append(ch)
        return out
    finally:
        con.close()


def unchanged_reference_files(con: duckdb.DuckDBPyConnection, source: Source, root: Path) -> list[str] | None:
    """The files of a reference source when its table exists and every file in the drop has the
    sha256 of its last load; None when a load is due (first load, a new or changed file)."""
    if not (table_exists(con, "raw", "load_log") and table_exists(con, "raw", source.name)):
        return None
    last_sha = last_loaded_sha256(con, source.name)
    if not last_sha:
        return None
    current = {p.relative_to(root).as_posix(): p for p in list_files(root, source)}
    if any(last_sha.get(rel) != sha256_of(path) for rel, path in current.items()):
        return None
    return sorted(current)
