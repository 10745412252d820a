"""Load one source from a raw drop into the warehouse's `raw` schema.

Record sources are replaced per time window (delete + insert in one transaction), so a
re-run or a backfill never duplicates rows. Reference sources (denominators, report tables)
are replaced per file: every release stays as its own rows, so vintages accumulate.
Bad rows go to `raw.rejects` with file, row, rule and a bilingual message; a whole-file
problem (encoding, missing columns, empty, truncated, too large) is logged in `raw.load_log`
and loads nothing, and the rows loaded earlier from that same file stay as they were (the last
good version stands until a readable one arrives). Warnings (e.g. a row dated after the period
in its file name) are kept in `raw.rejects` with severity 'warning'; those rows still load.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.faults import fault_point
from pipelines.lib.contracts import Source
from pipelines.lib.parse import REJECT_SCHEMA
from pipelines.lib.readers import FileRejected, RawFile, list_files, read_raw_file, sha256_of
from pipelines.lib.row_rules import row_rules

log = logging.getLogger(__name__)

_SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "bool": "BOOLEAN",
}
_LINEAGE_DDL = (
    "_file_path VARCHAR NOT NULL, _file_sha256 VARCHAR NOT NULL, _row_number BIGINT NOT NULL, "
    "_load_id VARCHAR NOT NULL, _loaded_at TIMESTAMP NOT NULL, _released_on DATE"
)


@dataclass
class FileReport:
    file_path: str
    file_sha256: str
    encoding: str = ""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_other_window: int = 0
    rows_warned: int = 0
    status: str = "loaded"
    rule: str = ""  # for a file rejected whole: the rule it failed (encoding, missing_columns …)
    message_zh: str = ""
    message_en: str = ""


@dataclass
class LoadResult:
    source: str
    load_id: str
    window: tuple[dt.date, dt.date] | None
    rows_inserted: int = 0
    rows_deleted: int = 0
    files: list[FileReport] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def files_rejected(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "rejected"]


def ensure_tables(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    cols = ", ".join(f'"{c.name}" {_SQL_TYPES[c.dtype]}' for c in source.columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{source.name} ({cols}, {_LINEAGE_DDL})")
    # Optional columns added to the contract later (denominators.sector): older tables gain them.
    for c in source.columns:
        if not c.required:
            con.execute(
                f'ALTER TABLE raw.{source.name} ADD COLUMN IF NOT EXISTS "{c.name}" {_SQL_TYPES[c.dtype]}'
            )
    con.execute(
        """CREATE TABLE IF NOT EXISTS raw.load_log (
            load_id VARCHAR, source VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, encoding VARCHAR,
            window_start DATE, window_end DATE, rows_read BIGINT, rows_accepted BIGINT,
            rows_rejected BIGINT, rows_other_window BIGINT, status VARCHAR,
            message_zh VARCHAR, message_en VARCHAR, loaded_at TIMESTAMP, rows_warned BIGINT,
            rule VARCHAR, file_period VARCHAR, file_period_start DATE, file_period_end DATE)"""
    )
    con.execute(
        """CREATE TABLE IF NOT EXISTS raw.rejects (
            load_id VARCHAR, source VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, row_number BIGINT,
            column_name VARCHAR, bad_value VARCHAR, rule VARCHAR, message_zh VARCHAR,
            message_en VARCHAR, loaded_at TIMESTAMP, severity VARCHAR)"""
    )
    # Which quarters each loaded file's rows are dated in: lets a partition reload read only the
    # files that can hold rows of its window (plus new and changed files), not the whole drop.
    con.execute(
        """CREATE TABLE IF NOT EXISTS raw.file_quarters (
            source VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, quarter_start DATE)"""
    )
    # Every replace of a record window, with its commit time (microseconds): dbt's incremental
    # models rebuild the quarters of the windows replaced since their last build.
    con.execute(
        """CREATE TABLE IF NOT EXISTS raw.load_windows (
            load_id VARCHAR, source VARCHAR, window_start DATE, window_end DATE, replaced_at TIMESTAMP)"""
    )
    # Warehouses created before warnings existed: add the columns (old rows were all errors).
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS rows_warned BIGINT DEFAULT 0")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS rule VARCHAR")
    migrate_load_log(con)
    con.execute("ALTER TABLE raw.rejects ADD COLUMN IF NOT EXISTS severity VARCHAR DEFAULT 'error'")
    # A quarantined row keeps its whole content (every cell as read, JSON header -> text in file
    # order) and the sheet it came from, so it can be corrected and replayed without the file.
    # Warehouses created before: the columns are added, their old rejects have them null.
    con.execute("ALTER TABLE raw.rejects ADD COLUMN IF NOT EXISTS sheet_name VARCHAR")
    con.execute("ALTER TABLE raw.rejects ADD COLUMN IF NOT EXISTS row_content VARCHAR")


# A period in a file name: 2021Q1, 2021-Q1, 2021年第一季度, or a bare year (2021, 2021年).
_NAME_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_ ]?[Qq]([1-4])|年第([一二三四1-4])季度)?(?!\d)")
_QUARTER_ZH = {"一": 1, "二": 2, "三": 3, "四": 4}


def file_period(file_path: str) -> tuple[dt.date, dt.date, str] | None:
    """[start, end) and label of the one period named in a file name; None if none or several.

    Never decides where a loaded row goes: a record's partition is its date, not the name of the
    file it came in (files may be named freely, DESIGN §3). It is the one parser of file-name
    periods: rows dated after the named period get a warning; the change planner
    (`pipelines.ingest.change_plan`, for the file sensor and the CLI refresh) reloads the named
    period's quarters for a file none of whose rows' dates can be read; and raw.load_log records
    it for every file logged (file_period, file_period_start, file_period_end), which the
    submission tracker (dbt int_submissions__quarterly) and the dashboard's load summary read.
    """
    found = {m.groups() for m in _NAME_PERIOD.finditer(file_path.rsplit("/", 1)[-1])}
    if len(found) != 1:
        return None
    year_s, q_digit, q_zh = found.pop()
    year = int(year_s)
    if q_digit:
        q = int(q_digit)
    elif q_zh:
        q = _QUARTER_ZH.get(q_zh) or int(q_zh)
    else:
        q = 0
    if not q:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1), str(year)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return dt.date(year, 3 * q - 2, 1), end, f"{year}Q{q}"


# The period named in a file name, as raw.load_log records it for every file it logs (label
# '2025Q2' / '2021' and [start, end)): the submission tracker (int_submissions__quarterly) and the
# dashboard's load summary read these columns instead of parsing file names again.
_LOAD_LOG_PERIOD_COLUMNS = (
    ("file_period", "VARCHAR"),
    ("file_period_start", "DATE"),
    ("file_period_end", "DATE"),
)


def _period_columns(file_path: str) -> tuple[str | None, dt.date | None, dt.date | None]:
    """(file_period, file_period_start, file_period_end) of raw.load_log for a file."""
    period = file_period(file_path)
    if period is None:
        return None, None, None
    start, end, label = period
    return label, start, end


_LOAD_LOG_SCHEMA = pl.Schema(
    {
        "load_id": pl.Utf8(),
        "source": pl.Utf8(),
        "file_path": pl.Utf8(),
        "file_sha256": pl.Utf8(),
        "encoding": pl.Utf8(),
        "window_start": pl.Date(),
        "window_end": pl.Date(),
        "rows_read": pl.Int64(),
        "rows_accepted": pl.Int64(),
        "rows_rejected": pl.Int64(),
        "rows_other_window": pl.Int64(),
        "status": pl.Utf8(),
        "message_zh": pl.Utf8(),
        "message_en": pl.Utf8(),
        "loaded_at": pl.Datetime("us"),
        "rows_warned": pl.Int64(),
        "rule": pl.Utf8(),
        "file_period": pl.Utf8(),
        "file_period_start": pl.Date(),
        "file_period_end": pl.Date(),
    }
)


def migrate_load_log(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses whose raw.load_log predates the file-name period columns: add them and fill
    them for every file already logged (by file_period, as new loads do). Does nothing when
    raw.load_log does not exist yet or has the columns. Called before anything reads them: by
    ensure_tables, and by every ingest asset before it may skip an unchanged source (a refresh
    that loads nothing still builds dbt models reading the columns)."""
    have = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'raw' AND table_name = 'load_log'"
        ).fetchall()
    }
    missing = [(c, t) for c, t in _LOAD_LOG_PERIOD_COLUMNS if c not in have]
    if not have or not missing:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        for c, t in missing:
            con.execute(f"ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS {c} {t}")
        paths = [p for (p,) in con.execute("SELECT DISTINCT file_path FROM raw.load_log").fetchall()]
        periods = pl.DataFrame(
            [(p, *_period_columns(p)) for p in paths],
            schema={"file_path": pl.Utf8, "label": pl.Utf8, "start": pl.Date, "end": pl.Date},
            orient="row",
        ).filter(pl.col("label").is_not_null())
        if periods.height:
            con.register("_file_periods", periods.to_arrow())
            con.execute(
                "UPDATE raw.load_log AS l SET file_period = p.label, file_period_start = p.start,"
                " file_period_end = p.end FROM _file_periods AS p WHERE l.file_path = p.file_path"
            )
            con.unregister("_file_periods")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    log.info("raw.load_log: added %s", ", ".join(c for c, _t in missing))


def _period_warnings(good: pl.DataFrame, source: Source) -> pl.DataFrame | None:
    """Rows dated after the period their file name states: loaded by their date, but flagged.

    A row dated before the named period is a normal late report (补报, 核销, 续报) and is not
    flagged; one dated after it cannot have been known when that report was compiled, so the
    date is probably mistyped (2021-05-03 for 2021-03-05 in a 2021Q1 file). `good` holds the
    rows of one or more files, named in `_file_path`.
    """
    if not source.date_column or not good.height:
        return None
    named = [
        (f, period[1], period[2])
        for f in good.get_column("_file_path").unique().to_list()
        if (period := file_period(f)) is not None
    ]
    if not named:
        return None
    periods = pl.DataFrame(
        named, schema={"_file_path": pl.Utf8, "__end": pl.Date, "__label": pl.Utf8}, orient="row"
    )
    d = pl.col(source.date_column).cast(pl.Date)
    out = good.join(periods, on="_file_path").filter(d >= pl.col("__end"))
    if not out.height:
        return None
    quarter = pl.format("{}Q{}", d.dt.year(), d.dt.quarter())
    return out.select(
        pl.col("_file_path").alias("file_path"),
        pl.col("_row_number").alias("row_number"),
        pl.lit(source.date_column).alias("column_name"),
        d.cast(pl.Utf8).alias("bad_value"),
        pl.lit("date_after_file_period").alias("rule"),
        pl.format(
            "提示(该行已导入):日期{}晚于文件名所示时期{},已按日期归入{}"
            "(统计期由日期决定,不由文件名决定);请核对日期是否填错",
            d.cast(pl.Utf8),
            pl.col("__label"),
            quarter,
        ).alias("message_zh"),
        pl.format(
            "Warning (row loaded): date {} is after the period {} named in the file; the row "
            "counts in {} by its date (the date decides the period, not the file name). "
            "Check whether the date is mistyped",
            d.cast(pl.Utf8),
            pl.col("__label"),
            quarter,
        ).alias("message_en"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _released_on(source: Source) -> pl.Expr:
    if source.kind == "reference":
        return pl.col("released_on").cast(pl.Date)
    if "reported_at" in source.column_names:
        return pl.col("reported_at").cast(pl.Date)
    return pl.lit(None, dtype=pl.Date)


def duplicate_rejects_sql(table: str, source: Source) -> str:
    """The reject rows of every row whose natural key an earlier row (by file, then row) of `table`
    already has. An aggregate keeps only the keys seen twice, so DuckDB holds (and spills) keys,
    never whole sources: this was the load's memory peak when every file's keys were stacked in
    polars. NULL key cells are equal to each other, as in the contract's uniqueness."""
    cols = [f'"{c}"' for c in source.key_columns]
    key = ", ".join(cols)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM r.{c}" for c in cols)
    bad = " || '|' || ".join(f"CAST(t.{c} AS VARCHAR)" for c in cols)
    return f"""
        WITH repeated AS (
            SELECT {key}, min({{'f': _file_path, 'r': _row_number}}) AS first
            FROM {table} GROUP BY ALL HAVING count(*) > 1
        )
        SELECT t._file_path AS file_path, t._row_number AS row_number,
            '{",".join(source.key_columns)}' AS column_name, {bad} AS bad_value,
            'duplicate_key' AS rule,
            format('重复记录:与文件 {{}} 第 {{}} 行的关键字段相同', r.first.f, r.first.r) AS message_zh,
            format('Duplicate record: same key as file {{}} row {{}}', r.first.f, r.first.r) AS message_en
        FROM {table} AS t JOIN repeated AS r ON {same}
        WHERE (t._file_path, t._row_number) <> (r.first.f, r.first.r)
        ORDER BY t._file_path, t._row_number"""


def _duplicates(frame: pl.DataFrame, source: Source) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(kept, rejects) of a frame with the key, _file_path and _row_number: the rule of
    `duplicate_rejects_sql`, for one file checked before it is submitted (pipelines/check.py)."""
    con = duckdb.connect()
    try:
        con.register("keyed", frame.to_arrow())
        rejects = con.sql(duplicate_rejects_sql("keyed", source)).pl()
    finally:
        con.close()
    dropped = rejects.select(
        pl.col("file_path").alias("_file_path"), pl.col("row_number").alias("_row_number")
    )
    kept = frame.join(dropped, on=["_file_path", "_row_number"], how="anti")
    return kept, rejects.cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _with_content(rejects: pl.DataFrame, raw: RawFile) -> pl.DataFrame:
    """Rejected rows with the sheet and the whole content of their row (all cells as read)."""
    if rejects.height:
        content = raw.row_contents(rejects["row_number"].unique()).rename({"_row_number": "row_number"})
        rejects = rejects.join(content, on="row_number", how="left")
    else:
        rejects = rejects.with_columns(pl.lit(None, dtype=pl.Utf8).alias("row_content"))
    return rejects.with_columns(pl.lit(raw.sheet, dtype=pl.Utf8).alias("sheet_name"))


def _dup_contents(dups: pl.DataFrame, raw_root: Path, source: Source) -> pl.DataFrame:
    """Duplicates are found after every file is read, when their rows are gone from memory: the
    files holding them are read again, one at a time, for the rows' content (only if unchanged)."""
    parts = []
    for (file_path,), rows in dups.group_by("file_path", maintain_order=True):
        try:
            raw = read_raw_file(raw_root / str(file_path), raw_root, source)
        except (FileRejected, OSError):
            raw = None
        if raw is None or raw.sha256 != rows["file_sha256"][0]:  # changed under us: no content
            parts.append(
                rows.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("row_content", "sheet_name"))
            )
        else:
            parts.append(_with_content(rows, raw))
    return pl.concat(parts, how="diagonal_relaxed") if parts else dups


class _Staging:
    """A temp table holding the rows parsed so far in this load (DuckDB spills it to disk)."""

    FLUSH_ROWS = 200_000  # small files are inserted together: one INSERT per file is slow

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source) -> None:
        self.con, self.table, self.rows = con, f"temp.main._staged_{source.name}", 0
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        cols = ", ".join(f'"{c.name}" {_SQL_TYPES[c.dtype]}' for c in source.columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _staged_{source.name} ({cols}, {_LINEAGE_DDL})")

    def append(self, frame: pl.DataFrame) -> None:
        self._buffer.append(frame)
        self._buffered += frame.height
        self.rows += frame.height
        if self._buffered >= self.FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            arrow = pl.concat(self._buffer, how="diagonal_relaxed").to_arrow()  # noqa: F841  (read by name)
            self.con.execute(f"INSERT INTO {self.table} BY NAME SELECT * FROM arrow")
            self._buffer, self._buffered = [], 0

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.table}")


def _or_undated(quarters: list[dt.date]) -> list[dt.date | None]:
    """[None] for a file without a dated row (a zero report): it is still known to raw.file_quarters."""
    return [*quarters] if quarters else [None]


def _quarters_of(parsed_good: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Per file (`_file_path`), the quarter starts of its parseable row dates (before region and
    range checks): every window the file can contribute rows to."""
    d = pl.col(source.date_column).cast(pl.Date)  # type: ignore[arg-type]
    return (
        parsed_good.select("_file_path", pl.date(d.dt.year(), (d.dt.quarter() - 1) * 3 + 1, 1).alias("q"))
        .drop_nulls("q")
        .group_by("_file_path")
        .agg(pl.col("q").unique())
    )


# Rows are checked in batches of about this many: small files stacked together (one pass of the
# polars rules per batch, not ~36 per file: a load's cost followed its number of files), a large
# file a slice at a time (memory holds one batch's typed rows, not copies of a 200 MB file).
BATCH_ROWS = 250_000


@dataclass
class _FileTally:
    """One file's outcome, summed over the batches its rows were checked in."""

    report: FileReport
    quarters: set[dt.date] = field(default_factory=set)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    warnings: list[pl.DataFrame] = field(default_factory=list)


class _RowChecks:
    """The row rules of one load over batches of files: the per-row rules (`row_rules`: casts and
    row rules, region codes, official forms' 合计 checks, the statistical range; the ones
    `safety-stats check` runs), the file-name period warning and the window. Good rows go to the
    staging table; each file's rejects, warnings and counts are kept in its tally."""

    def __init__(
        self,
        source: Source,
        load_id: str,
        loaded_at: dt.datetime,
        window: tuple[dt.date, dt.date] | None,
        date_range: tuple[dt.date, dt.date] | None,
        staged: _Staging,
    ) -> None:
        self.source, self.load_id, self.loaded_at = source, load_id, loaded_at
        self.window, self.date_range, self.staged = window, date_range, staged
        self.tallies: dict[str, _FileTally] = {}
        self._pending: list[tuple[RawFile, pl.DataFrame, bool]] = []  # (file, slice, its first)
        self._pending_rows = 0

    def add(self, raw: RawFile) -> None:
        self.tallies[raw.relpath] = _FileTally(
            FileReport(
                raw.relpath,
                raw.sha256,
                raw.encoding,
                rows_read=raw.frame.height,
                message_zh=";".join(zh for zh, _en in raw.notes),
                message_en="; ".join(en for _zh, en in raw.notes),
            )
        )
        for offset in range(0, max(raw.frame.height, 1), BATCH_ROWS):
            if self._pending and self._pending[0][0].scale_factors != raw.scale_factors:
                self.flush()  # header units differ: the factors apply per batch
            part = raw.frame.slice(offset, BATCH_ROWS)
            self._pending.append((raw, part, offset == 0))
            self._pending_rows += part.height
            if self._pending_rows >= BATCH_ROWS:
                self.flush()

    def finish(
        self,
    ) -> list[tuple[FileReport, list[dt.date | None], pl.DataFrame | None, pl.DataFrame | None]]:
        """Per file, in the order added: (report, quarters of its dated rows, rejects, warnings)."""
        self.flush()
        out = []
        for tally in self.tallies.values():
            rep = tally.report
            rejects = pl.concat(tally.rejects, how="diagonal_relaxed") if tally.rejects else None
            rep.rows_rejected = rejects["row_number"].n_unique() if rejects is not None else 0
            warnings = pl.concat(tally.warnings) if tally.warnings else None
            if warnings is not None:
                rep.rows_warned = warnings.height
                note_zh = f"{warnings.height}行日期晚于文件名所示时期,已按日期导入(提示,见明细)"
                note_en = f"{warnings.height} row(s) dated after the period in the file name, loaded by date (warnings)"
                rep.message_zh = ";".join(m for m in (rep.message_zh, note_zh) if m)
                rep.message_en = "; ".join(m for m in (rep.message_en, note_en) if m)
            out.append((rep, _or_undated(sorted(tally.quarters)), rejects, warnings))
        return out

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._pending_rows = self._pending, [], 0
        source, date_range, window = self.source, self.date_range, self.window
        files = {raw.relpath: raw for raw, _part, _first in pending}
        stacked = pl.concat(
            [part.with_columns(pl.lit(raw.relpath).alias("_file_path")) for raw, part, _ in pending]
        )
        checked = row_rules(
            stacked,
            source,
            pending[0][0].scale_factors,
            date_range,
            # an official form's 合计 checks (official_forms.py), once per file: rows already out of `frame`
            [
                (raw.relpath, raw.form_rejects)
                for raw, _part, first in pending
                if first and raw.form_rejects is not None
            ],
        )
        good = checked.good
        if source.date_column:
            for f, starts in _quarters_of(checked.typed, source).iter_rows():
                self.tallies[f].quarters.update(starts)
        warnings = _period_warnings(good, source)
        if warnings is not None:
            for (f,), part in warnings.partition_by("file_path", as_dict=True).items():
                self.tallies[str(f)].warnings.append(
                    part.with_columns(pl.lit(files[str(f)].sha256).alias("file_sha256"))
                )
        if source.date_column and window is not None:
            d = pl.col(source.date_column).cast(pl.Date)
            in_window = (d >= window[0]) & (d < window[1])
            for f, n in good.filter(~in_window).group_by("_file_path").len().iter_rows():
                self.tallies[f].report.rows_other_window += n
            good = good.filter(in_window)
        for f, n in good.group_by("_file_path").len().iter_rows():
            self.tallies[f].report.rows_accepted += n  # less the duplicates, found once all are staged
        for (f,), part in checked.rejects.partition_by("file_path", as_dict=True).items():
            raw = files[str(f)]
            self.tallies[raw.relpath].rejects.append(
                _with_content(part, raw).with_columns(pl.lit(raw.sha256).alias("file_sha256"))
            )
        if good.height:
            # Rows go to a DuckDB temp table batch by batch (spilled to disk when large), so
            # memory holds one batch, not the whole window: 10M-record loads fit.
            sha = {f: raw.sha256 for f, raw in files.items()}
            self.staged.append(
                good.with_columns(
                    pl.col("_file_path").replace_strict(sha, return_dtype=pl.Utf8).alias("_file_sha256"),
                    pl.lit(self.load_id).alias("_load_id"),
                    pl.lit(self.loaded_at).alias("_loaded_at"),
                    _released_on(source).alias("_released_on"),
                )
            )


def files_for_window(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw_root: Path,
    files: list[Path],
    window: tuple[dt.date, dt.date],
) -> list[Path]:
    """The files a window reload must read: new or changed files (by sha256), and unchanged files
    whose rows, when last read, fell in a quarter of the window. An unchanged file's content is
    the same, so the files left out hold no row of the window: reading them would only be
    filtered away. This is what keeps a one-quarter refresh proportional to that quarter."""
    known: dict[str, tuple[str, bool]] = {}
    for path, sha, hit in con.execute(
        "SELECT file_path, any_value(file_sha256), bool_or(quarter_start >= ? AND quarter_start < ?)"
        " FROM raw.file_quarters WHERE source = ? GROUP BY file_path",
        [window[0], window[1], source.name],
    ).fetchall():
        known[path] = (sha, bool(hit))
    keep = []
    for path in files:
        rel = path.relative_to(raw_root).as_posix()
        seen = known.get(rel)
        if seen is None or seen[1] or seen[0] != sha256_of(path):
            keep.append(path)
    return keep


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw_root: Path,
    load_id: str,
    window: tuple[dt.date, dt.date] | None = None,
    date_range: tuple[dt.date, dt.date] | None = None,
    progress: Callable[[str], None] = log.info,
) -> LoadResult:
    """Load `source` from `raw_root`.

    window: for record sources, the [start, end) dates this run replaces (a partition range).
    date_range: [start, end) of all partitions; record dates outside it are rejected.
    """
    ensure_tables(con, source)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    result = LoadResult(source=source.name, load_id=load_id, window=window)
    staged = _Staging(con, source)
    reject_parts: list[pl.DataFrame] = []
    warning_parts: list[pl.DataFrame] = []
    files = list_files(raw_root, source)
    present = [p.relative_to(raw_root).as_posix() for p in files]
    progress(f"[{source.name}] {len(files)} file(s) under {raw_root / source.name}")
    if source.kind == "record" and window is not None:
        files = files_for_window(con, source, raw_root, files, window)
        progress(f"[{source.name}] {len(files)} file(s) new, changed or holding rows of the window")
    file_quarters: dict[str, tuple[str, list[dt.date | None]]] = {}
    checks = _RowChecks(source, load_id, loaded_at, window, date_range, staged)
    rejected_whole: dict[str, FileReport] = {}
    for i, path in enumerate(files, 1):
        try:
            raw = read_raw_file(path, raw_root, source)
        except FileRejected as exc:
            rejected_whole[exc.file] = FileReport(
                exc.file,
                sha256_of(path),
                status="rejected",
                rule=exc.rule,
                message_zh=f"{exc.message_zh}。该文件此前已导入的数据(如有)保持不变",
                message_en=f"{exc.message_en}. Rows loaded earlier from this file, if any, are kept unchanged",
            )
            progress(f"[{source.name}] REJECTED {exc}")
            continue
        checks.add(raw)
        del raw  # a large file's text is not held through the next read or the key check
        if i % 500 == 0:
            progress(f"[{source.name}] {i:,} of {len(files):,} file(s) read and checked")
    checked = {
        rep.file_path: (rep, quarters, rejects, warnings)
        for rep, quarters, rejects, warnings in checks.finish()
    }
    for path in files:  # reports in the order of the files
        rel = path.relative_to(raw_root).as_posix()
        if rel in rejected_whole:
            result.files.append(rejected_whole[rel])
            continue
        rep, quarters, rejects, warnings = checked[rel]
        result.files.append(rep)
        if source.date_column:
            file_quarters[rel] = (rep.file_sha256, quarters)
        if rejects is not None:
            reject_parts.append(rejects)
        if warnings is not None:
            warning_parts.append(warnings)

    staged.flush()
    dup_rejects = con.sql(duplicate_rejects_sql(staged.table, source)).pl() if staged.rows else None
    dups = (
        dup_rejects.select(pl.col("file_path").alias("_file_path"), pl.col("row_number").alias("_row_number"))
        if dup_rejects is not None
        else pl.DataFrame(schema={"_file_path": pl.Utf8, "_row_number": pl.Int64})
    )
    if dup_rejects is not None and dup_rejects.height:
        sha = {f.file_path: f.file_sha256 for f in result.files}
        reject_parts.append(
            _dup_contents(
                dup_rejects.cast(REJECT_SCHEMA).with_columns(  # type: ignore[arg-type]
                    pl.col("file_path").replace_strict(sha).alias("file_sha256")
                ),
                raw_root,
                source,
            )
        )
    n_dups = dict(dups.group_by("_file_path").len().iter_rows()) if dups.height else {}
    for f in result.files:
        f.rows_rejected += n_dups.get(f.file_path, 0)
        if f.status != "rejected":
            f.rows_accepted -= n_dups.get(f.file_path, 0)
            if f.rows_rejected:
                f.status = "partial"
    parts = [p.with_columns(pl.lit("error").alias("severity")) for p in reject_parts]
    parts += [p.with_columns(pl.lit("warning").alias("severity")) for p in warning_parts]
    rejects_all = (
        pl.concat(parts, how="diagonal_relaxed")
        if parts
        else pl.DataFrame(schema={**REJECT_SCHEMA, "file_sha256": pl.Utf8, "severity": pl.Utf8})
    )
    _write(con, source, result, staged, dups, rejects_all, window, loaded_at, file_quarters, present)
    progress(
        f"[{source.name}] inserted {result.rows_inserted} row(s), replaced {result.rows_deleted}, "
        f"rejected {result.rows_rejected} row(s) and {len(result.files_rejected)} whole file(s)"
    )
    return result


def _write(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    result: LoadResult,
    staged: _Staging,
    dups: pl.DataFrame,
    rejects: pl.DataFrame,
    window: tuple[dt.date, dt.date] | None,
    loaded_at: dt.datetime,
    file_quarters: dict[str, tuple[str, list[dt.date | None]]] | None = None,
    present: list[str] | None = None,
) -> None:
    cols = [
        *source.column_names,
        "_file_path",
        "_file_sha256",
        "_row_number",
        "_load_id",
        "_loaded_at",
        "_released_on",
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        table = f"raw.{source.name}"
        if source.kind == "record":
            # The window is replaced, except rows of files rejected whole in this run: a broken
            # re-submission never wipes the version loaded before it.
            where = "NOT list_contains(?::VARCHAR[], _file_path)"
            params: list[object] = [[f.file_path for f in result.files_rejected]]
            if window is not None:
                dcol = f'CAST("{source.date_column}" AS DATE)'
                where += f" AND {dcol} >= ? AND {dcol} < ?"
                params += list(window)
            result.rows_deleted = con.execute(  # type: ignore[index]
                f"SELECT count(*) FROM {table} WHERE {where}", params
            ).fetchone()[0]
            con.execute(f"DELETE FROM {table} WHERE {where}", params)
            fault_point("ingest_mid_write")  # crash tests: window deleted, not yet committed
            con.execute(
                "INSERT INTO raw.load_windows VALUES (?, ?, ?, ?, ?)",
                [
                    result.load_id,
                    source.name,
                    window[0] if window else None,
                    window[1] if window else None,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                ],
            )
        else:
            # Each file's rows are replaced by its current content; other files' rows
            # (earlier releases) stay, which is what keeps every vintage queryable.
            paths = [f.file_path for f in result.files if f.status != "rejected"]
            if paths:
                result.rows_deleted = con.execute(  # type: ignore[index]
                    f"SELECT count(*) FROM {table} WHERE _file_path IN (SELECT unnest(?))", [paths]
                ).fetchone()[0]
                con.execute(f"DELETE FROM {table} WHERE _file_path IN (SELECT unnest(?))", [paths])
        if staged.rows:
            staged.flush()
            dup_keys = dups.to_arrow()  # noqa: F841  (read by DuckDB by name)
            quoted = ", ".join(f'"{c}"' for c in cols)
            result.rows_inserted = con.execute(  # type: ignore[index]
                f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {staged.table} AS s"
                " WHERE NOT EXISTS (SELECT 1 FROM dup_keys AS d"
                " WHERE d._file_path = s._file_path AND d._row_number = s._row_number)"
            ).fetchone()[0]
        if file_quarters:
            fq = pl.DataFrame(  # noqa: F841  (read by DuckDB by name)
                [
                    {"file_path": f, "file_sha256": sha, "quarter_start": q}
                    for f, (sha, quarters) in file_quarters.items()
                    for q in quarters
                ],
                schema={"file_path": pl.Utf8, "file_sha256": pl.Utf8, "quarter_start": pl.Date},
            ).to_arrow()
            con.execute(
                "DELETE FROM raw.file_quarters WHERE source = ? AND file_path IN (SELECT unnest(?))",
                [source.name, list(file_quarters)],
            )
            con.execute(
                "INSERT INTO raw.file_quarters SELECT ?, file_path, file_sha256, quarter_start FROM fq",
                [source.name],
            )
        if source.kind == "record" and window is not None and present is not None:
            # A file gone from the drop no longer holds rows of the quarters just reloaded:
            # forget them, or the next refresh would see it as removed again and reload them.
            con.execute(
                "DELETE FROM raw.file_quarters WHERE source = ? AND quarter_start >= ? AND quarter_start < ?"
                " AND NOT list_contains(?::VARCHAR[], file_path)",
                [source.name, window[0], window[1], present],
            )
        # Rejects of a file are replaced on each load of that file, so re-runs do not pile up.
        file_paths = [f.file_path for f in result.files]
        if file_paths:
            con.execute(
                "DELETE FROM raw.rejects WHERE source = ? AND file_path IN (SELECT unnest(?))",
                [source.name, file_paths],
            )
        for f in result.files_rejected:
            con.execute(
                "INSERT INTO raw.rejects (load_id, source, file_path, file_sha256, row_number, column_name,"
                " bad_value, rule, message_zh, message_en, loaded_at, severity)"
                " VALUES (?, ?, ?, ?, NULL, NULL, NULL, 'file_rejected', ?, ?, ?, 'error')",
                [
                    result.load_id,
                    source.name,
                    f.file_path,
                    f.file_sha256,
                    f.message_zh,
                    f.message_en,
                    loaded_at,
                ],
            )
        if rejects.height:
            rej = rejects.select(  # noqa: F841
                pl.lit(result.load_id).alias("load_id"),
                pl.lit(source.name).alias("source"),
                "file_path",
                "file_sha256",
                "row_number",
                "column_name",
                "bad_value",
                "rule",
                "message_zh",
                "message_en",
                pl.lit(loaded_at).alias("loaded_at"),
                "severity",
                *(
                    pl.col(c) if c in rejects.columns else pl.lit(None, dtype=pl.Utf8).alias(c)
                    for c in ("sheet_name", "row_content")
                ),
            ).to_arrow()
            con.execute("INSERT INTO raw.rejects BY NAME SELECT * FROM rej")
        if result.files:  # one insert for all files: a row-at-a-time insert per file was slow
            logged = pl.DataFrame(  # noqa: F841  (read by DuckDB by name)
                [
                    {
                        "load_id": result.load_id,
                        "source": source.name,
                        "file_path": f.file_path,
                        "file_sha256": f.file_sha256,
                        "encoding": f.encoding,
                        "window_start": window[0] if window else None,
                        "window_end": window[1] if window else None,
                        "rows_read": f.rows_read,
                        "rows_accepted": f.rows_accepted,
                        "rows_rejected": f.rows_rejected,
                        "rows_other_window": f.rows_other_window,
                        "status": f.status,
                        "message_zh": f.message_zh,
                        "message_en": f.message_en,
                        "loaded_at": loaded_at,
                        "rows_warned": f.rows_warned,
                        "rule": f.rule or None,
                        **dict(
                            zip(
                                ("file_period", "file_period_start", "file_period_end"),
                                _period_columns(f.file_path),
                                strict=True,
                            )
                        ),
                    }
                    for f in result.files
                ],
                schema=_LOAD_LOG_SCHEMA,
            ).to_arrow()
            con.execute("INSERT INTO raw.load_log BY NAME SELECT * FROM logged")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        staged.drop()
