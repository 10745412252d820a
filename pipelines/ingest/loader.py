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
from pipelines.lib.parse import REJECT_SCHEMA, check_regions, parse_frame
from pipelines.lib.readers import FileRejected, RawFile, list_files, read_raw_file, sha256_of

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


def _period_warnings(good: pl.DataFrame, source: Source, file_path: str) -> pl.DataFrame | None:
    """Rows dated after the period their file name states: loaded by their date, but flagged.

    A row dated before the named period is a normal late report (补报, 核销, 续报) and is not
    flagged; one dated after it cannot have been known when that report was compiled, so the
    date is probably mistyped (2021-05-03 for 2021-03-05 in a 2021Q1 file).
    """
    period = file_period(file_path) if source.date_column else None
    if period is None or not good.height:
        return None
    _start, end, label = period
    d = pl.col(source.date_column).cast(pl.Date)  # type: ignore[arg-type]
    out = good.filter(d >= end)
    if not out.height:
        return None
    quarter = pl.format("{}Q{}", d.dt.year(), d.dt.quarter())
    return out.select(
        pl.lit(file_path).alias("file_path"),
        pl.col("_row_number").alias("row_number"),
        pl.lit(source.date_column).alias("column_name"),
        d.cast(pl.Utf8).alias("bad_value"),
        pl.lit("date_after_file_period").alias("rule"),
        pl.format(
            f"提示(该行已导入):日期{{}}晚于文件名所示时期{label},已按日期归入{{}}"
            "(统计期由日期决定,不由文件名决定);请核对日期是否填错",
            d.cast(pl.Utf8),
            quarter,
        ).alias("message_zh"),
        pl.format(
            f"Warning (row loaded): date {{}} is after the period {label} named in the file; the row "
            "counts in {} by its date (the date decides the period, not the file name). "
            "Check whether the date is mistyped",
            d.cast(pl.Utf8),
            quarter,
        ).alias("message_en"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _released_on(source: Source) -> pl.Expr:
    if source.kind == "reference":
        return pl.col("released_on").cast(pl.Date)
    if "reported_at" in source.column_names:
        return pl.col("reported_at").cast(pl.Date)
    return pl.lit(None, dtype=pl.Date)


def _duplicates(frame: pl.DataFrame, source: Source) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first occurrence of each natural key (by file, row); reject the rest."""
    key = list(source.key_columns)  # the natural key of the input contract
    ordered = frame.sort(["_file_path", "_row_number"])
    first = ordered.group_by(key, maintain_order=True).agg(
        pl.col("_file_path").first().alias("__first_file"), pl.col("_row_number").first().alias("__first_row")
    )
    joined = ordered.join(first, on=key, how="left", nulls_equal=True)
    is_dup = (pl.col("_file_path") != pl.col("__first_file")) | (
        pl.col("_row_number") != pl.col("__first_row")
    )
    dups = joined.filter(is_dup)
    rejects = dups.select(
        pl.col("_file_path").alias("file_path"),
        pl.col("_row_number").alias("row_number"),
        pl.lit(",".join(key)).alias("column_name"),
        pl.concat_str([pl.col(k).cast(pl.Utf8) for k in key], separator="|").alias("bad_value"),
        pl.lit("duplicate_key").alias("rule"),
        pl.format("重复记录:与文件 {} 第 {} 行的关键字段相同", "__first_file", "__first_row").alias(
            "message_zh"
        ),
        pl.format("Duplicate record: same key as file {} row {}", "__first_file", "__first_row").alias(
            "message_en"
        ),
    )
    return joined.filter(~is_dup).drop("__first_file", "__first_row"), rejects.cast(REJECT_SCHEMA)  # type: ignore[arg-type]


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


def _quarters_of(parsed_good: pl.DataFrame, source: Source) -> list[dt.date | None]:
    """Quarters of a file's parseable row dates (before region and range checks): every window
    this file can contribute rows to. [None] for a file without a dated row (a zero report)."""
    d = pl.col(source.date_column).cast(pl.Date)  # type: ignore[arg-type]
    starts = (
        parsed_good.select(pl.date(d.dt.year(), (d.dt.quarter() - 1) * 3 + 1, 1).alias("q"))
        .get_column("q")
        .drop_nulls()
        .unique()
    )
    return sorted(starts.to_list()) or [None]


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
    key_parts: list[pl.DataFrame] = []
    good_rows: dict[str, int] = {}
    reject_parts: list[pl.DataFrame] = []
    warning_parts: list[pl.DataFrame] = []
    files = list_files(raw_root, source)
    present = [p.relative_to(raw_root).as_posix() for p in files]
    progress(f"[{source.name}] {len(files)} file(s) under {raw_root / source.name}")
    if source.kind == "record" and window is not None:
        files = files_for_window(con, source, raw_root, files, window)
        progress(f"[{source.name}] {len(files)} file(s) new, changed or holding rows of the window")
    file_quarters: dict[str, tuple[str, list[dt.date | None]]] = {}
    for path in files:
        try:
            raw = read_raw_file(path, raw_root, source)
        except FileRejected as exc:
            result.files.append(
                FileReport(
                    exc.file,
                    sha256_of(path),
                    status="rejected",
                    rule=exc.rule,
                    message_zh=f"{exc.message_zh}。该文件此前已导入的数据(如有)保持不变",
                    message_en=f"{exc.message_en}. Rows loaded earlier from this file, if any, are kept unchanged",
                )
            )
            progress(f"[{source.name}] REJECTED {exc}")
            continue
        rep = FileReport(
            raw.relpath,
            raw.sha256,
            raw.encoding,
            rows_read=raw.frame.height,
            message_zh=";".join(zh for zh, _en in raw.notes),
            message_en="; ".join(en for _zh, en in raw.notes),
        )
        parsed = parse_frame(raw.frame, source, raw.relpath, raw.scale_factors)
        regions = check_regions(parsed.good, source, raw.relpath)
        good = regions.good
        if source.date_column:
            file_quarters[raw.relpath] = (raw.sha256, _quarters_of(parsed.good, source))
        file_rejects = [parsed.rejects, regions.rejects]
        if raw.form_rejects is not None:  # an official form's 合计 checks (official_forms.py)
            file_rejects.append(raw.form_rejects)
        if source.date_column and date_range is not None:
            d = pl.col(source.date_column).cast(pl.Date)
            out = good.filter((d < date_range[0]) | (d >= date_range[1]))
            if out.height:
                file_rejects.append(
                    out.select(
                        pl.lit(raw.relpath).alias("file_path"),
                        pl.col("_row_number").alias("row_number"),
                        pl.lit(source.date_column).alias("column_name"),
                        pl.col(source.date_column).cast(pl.Utf8).alias("bad_value"),
                        pl.lit("date_out_of_range").alias("rule"),
                        pl.lit(
                            f"日期不在统计范围内({date_range[0]} 至 {date_range[1]} 之前),可能填错年份或为未来日期"
                        ).alias("message_zh"),
                        pl.lit(
                            f"Date outside the statistical range [{date_range[0]}, {date_range[1]}): "
                            "wrong year or a future date?"
                        ).alias("message_en"),
                    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
                )
                good = good.filter((d >= date_range[0]) & (d < date_range[1]))
        warnings = _period_warnings(good, source, raw.relpath)
        if warnings is not None:
            rep.rows_warned = warnings.height
            note_zh = f"{warnings.height}行日期晚于文件名所示时期,已按日期导入(提示,见明细)"
            note_en = (
                f"{warnings.height} row(s) dated after the period in the file name, loaded by date (warnings)"
            )
            rep.message_zh = ";".join(m for m in (rep.message_zh, note_zh) if m)
            rep.message_en = "; ".join(m for m in (rep.message_en, note_en) if m)
            warning_parts.append(warnings.with_columns(pl.lit(raw.sha256).alias("file_sha256")))
        if source.date_column and window is not None:
            d = pl.col(source.date_column).cast(pl.Date)
            in_window = good.filter((d >= window[0]) & (d < window[1]))
            rep.rows_other_window = good.height - in_window.height
            good = in_window
        rejects = _with_content(
            pl.concat(file_rejects).with_columns(pl.col("file_path").fill_null(raw.relpath)), raw
        )
        rep.rows_rejected = rejects["row_number"].n_unique() if rejects.height else 0
        reject_parts.append(rejects.with_columns(pl.lit(raw.sha256).alias("file_sha256")))
        # Rows go to a DuckDB temp table file by file (spilled to disk when large), so memory
        # holds one file plus the natural keys, not the whole window: 10M-record loads fit.
        rows = good.with_columns(
            pl.lit(raw.relpath).alias("_file_path"),
            pl.lit(raw.sha256).alias("_file_sha256"),
            pl.lit(load_id).alias("_load_id"),
            pl.lit(loaded_at).alias("_loaded_at"),
            _released_on(source).alias("_released_on"),
        )
        if rows.height:
            staged.append(rows)
            key_parts.append(rows.select([*source.key_columns, "_file_path", "_row_number"]))
        good_rows[raw.relpath] = rows.height
        result.files.append(rep)

    dup_rejects = pl.concat(key_parts, how="diagonal_relaxed") if key_parts else None
    if dup_rejects is not None:
        _kept, dup_rejects = _duplicates(dup_rejects, source)
        del _kept
    dups = (
        dup_rejects.select(pl.col("file_path").alias("_file_path"), pl.col("row_number").alias("_row_number"))
        if dup_rejects is not None
        else pl.DataFrame(schema={"_file_path": pl.Utf8, "_row_number": pl.Int64})
    )
    if dup_rejects is not None and dup_rejects.height:
        sha = {f.file_path: f.file_sha256 for f in result.files}
        reject_parts.append(
            _dup_contents(
                dup_rejects.with_columns(pl.col("file_path").replace_strict(sha).alias("file_sha256")),
                raw_root,
                source,
            )
        )
    n_dups = dict(dups.group_by("_file_path").len().iter_rows()) if dups.height else {}
    for f in result.files:
        f.rows_rejected += n_dups.get(f.file_path, 0)
        if f.status != "rejected":
            f.rows_accepted = good_rows.get(f.file_path, 0) - n_dups.get(f.file_path, 0)
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
        for f in result.files:
            con.execute(
                "INSERT INTO raw.load_log (load_id, source, file_path, file_sha256, encoding, window_start,"
                " window_end, rows_read, rows_accepted, rows_rejected, rows_other_window, status,"
                " message_zh, message_en, loaded_at, rows_warned, rule, file_period, file_period_start,"
                " file_period_end)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.load_id,
                    source.name,
                    f.file_path,
                    f.file_sha256,
                    f.encoding,
                    window[0] if window else None,
                    window[1] if window else None,
                    f.rows_read,
                    f.rows_accepted,
                    f.rows_rejected,
                    f.rows_other_window,
                    f.status,
                    f.message_zh,
                    f.message_en,
                    loaded_at,
                    f.rows_warned,
                    f.rule or None,
                    *_period_columns(f.file_path),
                ],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        staged.drop()
