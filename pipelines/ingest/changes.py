"""What an incremental refresh must reload: the quarters touched by new, changed or removed files.

The warehouse remembers, per record file, the sha256 it last read (`raw.load_log`) and the
quarters its rows were dated in (`raw.file_quarters`). Against the files in the drop now, the
one planner `pipelines.ingest.change_plan.plan_reload` (shared with the file-drop sensor and the
schedule) decides: a new file reloads the quarters of its rows, a changed file those of its new
and old rows, a removed file those its rows were in; an unchanged file reloads nothing.
The refresh (`pipelines.refresh`) groups the quarters into contiguous ranges and loads each
range with one ingest run over every source that reloads it (delete + insert of the range),
exactly as a `--from/--to` backfill.

Reference sources (denominators, reports) are replaced file by file and keep the rows of removed
files (every release stays), so when each of their files is as last loaded a reload would write
the same rows again: `unchanged_reference_files` lets the ingest asset skip it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

from pipelines.ingest.change_plan import Plan, Seen, file_quarters, plan_reload
from pipelines.lib.contracts import RECORD_SOURCES, Source
from pipelines.lib.duck import table_exists
from pipelines.lib.readers import list_files, sha256_of


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


def recorded_state(
    con: duckdb.DuckDBPyConnection, source: str, load_log: str, file_quarters: str
) -> dict[str, Seen]:
    """Per file of `source`: the sha256 of its last load and the quarters its loaded rows cover,
    from a load log and a file-quarters table (the warehouse's raw.*, or the serving copy's
    quality.*, which has the same columns)."""
    sha = dict(
        con.execute(
            f"SELECT file_path, arg_max(file_sha256, loaded_at) FROM {load_log} WHERE source = ? GROUP BY file_path",
            [source],
        ).fetchall()
    )
    quarters: dict[str, set[str]] = {}
    for path, q in con.execute(
        f"SELECT file_path, quarter_start FROM {file_quarters} WHERE source = ? AND quarter_start IS NOT NULL",
        [source],
    ).fetchall():
        quarters.setdefault(path, set()).add(q.isoformat())
    # a file with quarters but no load-log row cannot happen; a file loaded without a dated row
    # has no quarters (the planner then uses its file-name period)
    return {p: Seen(h, frozenset(quarters.get(p, ()))) for p, h in sha.items() if h is not None} | {
        p: Seen("", frozenset(q)) for p, q in quarters.items() if p not in sha
    }


def plan_changes(
    warehouse: Path, root: Path, pending: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Plan]:
    """Per record source (by name), the files that differ from the last load and the quarters to reload
    (decided by `pipelines.ingest.change_plan.plan_reload`). `pending`: per source, quarters an
    earlier refresh planned but did not finish loading (killed or failed between its runs)."""
    pending = pending or {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out: dict[str, Plan] = {}
        for source in RECORD_SOURCES:
            previous = recorded_state(con, source.name, "raw.load_log", "raw.file_quarters")
            # a file of the load log whose rows are gone (removed and its quarters reloaded) is
            # no longer 'previous': only files with recorded quarters or still in the drop count
            current = {p.relative_to(root).as_posix(): p for p in list_files(root, source)}
            previous = {p: s for p, s in previous.items() if s.quarters or p in current}
            out[source.name] = plan_reload(
                previous,
                {rel: sha256_of(path) for rel, path in current.items()},
                lambda rel, s=source: file_quarters(root / rel, root, s),  # type: ignore[misc]
                forced=pending.get(source.name, ()),
            )
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
