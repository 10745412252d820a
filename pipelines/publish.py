"""Publish the read-only serving copy. The rename of the new serving file is the commit point.

1. Reconcile (`reconcile_history`): the warehouse's `history.*` tables are a mirror of the
   history published in the serving copy (`quality.refreshes`, `quality.indicator_changes`,
   `quality.refresh_reports`); a refresh that died after its rename and before writing the
   mirror is added to it, a refresh recorded but never published is dropped from it.
2. Compute this refresh's history (values moved since the last publication, the refresh row,
   the 刷新报告) in a warehouse transaction that is rolled back: the rows are kept in memory.
3. Copy marts, quality and history tables, plus those rows, into a new DuckDB file, and swap it
   in with an atomic rename. Readers holding the old file keep reading it; a failure or a kill
   before the rename leaves the serving copy, the history and the reports as they were. The new
   file starts as a copy of the current one, and only the marts' years whose content changed are
   rewritten (content fingerprints, checked on the finished copy: `_build_copy`).
4. Write the same rows into the warehouse mirror (idempotent: delete this run's rows, insert).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.catalog import clear_comments, comment_serving_copy
from pipelines.faults import fault_point
from pipelines.lib import table_fingerprints
from pipelines.lib.duck import database_problem, quote_identifier, set_spill_cap, spill_dir, table_exists
from pipelines.settings import duckdb_max_spill, duckdb_memory_limit, is_sample

log = logging.getLogger("safety_stats.publish")

KEY = ("region_code", "indicator_code", "period_type", "period")


HISTORY_DDL = {
    "refreshes": "CREATE TABLE IF NOT EXISTS history.refreshes (run_id VARCHAR, published_at TIMESTAMP, "
    "raw_root VARCHAR, is_sample BOOLEAN, values_changed BIGINT, is_first BOOLEAN)",
    "indicator_changes": "CREATE TABLE IF NOT EXISTS history.indicator_changes (run_id VARCHAR, "
    "published_at TIMESTAMP, region_code VARCHAR, indicator_code VARCHAR, period_type VARCHAR, "
    "period VARCHAR, change_kind VARCHAR, old_value DOUBLE, new_value DOUBLE, old_released_on DATE, "
    "new_released_on DATE)",
}
HISTORY_TABLES = ("refreshes", "indicator_changes", "refresh_reports")


@dataclass
class PendingHistory:
    """One refresh's history rows, computed but not yet committed anywhere."""

    run_id: str
    published_at: dt.datetime
    changed: int
    rows: dict[str, pa.Table]  # history table name -> this refresh's rows


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection with the refresh's memory limit and spill cap. Without them, DuckDB
    takes 80% of the machine: the publish of a 1M-record national warehouse (fct_breakdowns 39M
    rows) peaked at 5.5 GiB, above everything dbt's build had used."""
    con = duckdb.connect(str(path), config={"memory_limit": duckdb_memory_limit()})
    set_spill_cap(con, duckdb_max_spill())
    return con


def _ensure_history(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS history")
    for ddl in HISTORY_DDL.values():
        con.execute(ddl)
    con.execute(REPORT_DDL)


def readable(path: Path) -> bool:
    """True when `path` is a DuckDB file that opens and lists its tables (read-only)."""
    return path.exists() and database_problem(path) is None


def reconcile_history(warehouse: Path, serving: Path) -> bool:
    """Make the warehouse's history mirror the history published in the serving copy, which is
    the record of what readers saw. Returns True when the mirror had to change. Without a
    readable serving copy the mirror stays as it is (it then seeds the next publication)."""
    if not readable(serving):
        return False
    con = _connect(warehouse)
    try:
        _ensure_history(con)
        con.execute(f"ATTACH '{serving}' AS srv (READ_ONLY)")
        published = {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'srv' AND table_schema = 'quality'"
            ).fetchall()
        }
        if "refreshes" not in published:
            return False
        srv_runs = set(con.execute("SELECT run_id || published_at FROM srv.quality.refreshes").fetchall())
        wh_runs = set(con.execute("SELECT run_id || published_at FROM history.refreshes").fetchall())
        if srv_runs == wh_runs:
            return False
        con.execute("BEGIN TRANSACTION")
        for table in HISTORY_TABLES:
            con.execute(f"DELETE FROM history.{table}")
            if table in published:
                con.execute(f"INSERT INTO history.{table} BY NAME SELECT * FROM srv.quality.{table}")
        con.execute("DROP TABLE IF EXISTS history.last_published")
        key = ", ".join(KEY)
        con.execute(
            f"CREATE TABLE history.last_published AS SELECT {key}, value, released_on "
            "FROM srv.marts.fct_indicator_values"
        )
        con.execute("COMMIT")
        return True
    finally:
        con.close()


def record_changes(warehouse: Path, run_id: str, raw: Path, published_at: dt.datetime) -> PendingHistory:
    """Diff marts.fct_indicator_values against the last published snapshot and write the 刷新报告,
    in a transaction that is rolled back: the rows are returned, committed by `commit_history`
    only once the serving copy holding them is in place."""
    join = " AND ".join(f"n.{k} = o.{k}" for k in KEY)
    con = _connect(warehouse)
    try:
        _ensure_history(con)
        first = not table_exists(con, "history", "last_published")
        since = con.execute("SELECT max(published_at) FROM history.refreshes").fetchone()[0]  # type: ignore[index]
        con.execute("BEGIN TRANSACTION")
        try:
            if first:
                changed = 0
            else:
                changed = con.execute(
                    f"""INSERT INTO history.indicator_changes
                    SELECT ?, ?, coalesce(n.region_code, o.region_code), coalesce(n.indicator_code, o.indicator_code),
                        coalesce(n.period_type, o.period_type), coalesce(n.period, o.period),
                        CASE WHEN o.region_code IS NULL THEN 'added' WHEN n.region_code IS NULL THEN 'removed'
                             ELSE 'changed' END,
                        o.value, n.value, o.released_on, n.released_on
                    FROM marts.fct_indicator_values AS n
                    FULL OUTER JOIN history.last_published AS o ON {join}
                    WHERE o.region_code IS NULL OR n.region_code IS NULL OR n.value IS DISTINCT FROM o.value""",
                    [run_id, published_at],
                ).fetchone()[0]  # type: ignore[index]
            con.execute(
                "INSERT INTO history.refreshes VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, published_at, str(raw), is_sample(raw), changed, first],
            )
            write_report(con, run_id, published_at, since, int(changed))
            rows = {
                t: con.sql(
                    f"SELECT * FROM history.{t} WHERE run_id = $1 AND published_at = $2",
                    params=[run_id, published_at],
                ).to_arrow_table()
                for t in HISTORY_TABLES
            }
        finally:
            con.execute("ROLLBACK")
    finally:
        con.close()
    return PendingHistory(run_id, published_at, int(changed), rows)


def commit_history(warehouse: Path, pending: PendingHistory) -> None:
    """After the rename: write the published refresh's rows into the warehouse mirror and keep
    its values as the basis of the next diff. Idempotent (this run's rows are replaced)."""
    key = ", ".join(KEY)
    con = _connect(warehouse)
    try:
        _ensure_history(con)
        con.execute("BEGIN TRANSACTION")
        for table, rows in pending.rows.items():
            con.execute(
                f"DELETE FROM history.{table} WHERE run_id = ? AND published_at = ?",
                [pending.run_id, pending.published_at],
            )
            con.register("pending_rows", rows)
            con.execute(f"INSERT INTO history.{table} BY NAME SELECT * FROM pending_rows")
            con.unregister("pending_rows")
        con.execute("DROP TABLE IF EXISTS history.last_published")
        con.execute(
            f"CREATE TABLE history.last_published AS SELECT {key}, value, released_on FROM marts.fct_indicator_values"
        )
        con.execute("COMMIT")
    finally:
        con.close()


REPORT_DDL = (
    "CREATE TABLE IF NOT EXISTS history.refresh_reports (run_id VARCHAR, published_at TIMESTAMP, "
    "files_loaded BIGINT, files_rejected BIGINT, rows_accepted BIGINT, rows_rejected BIGINT, "
    "values_changed BIGINT, units_missing BIGINT, units_late BIGINT, report VARCHAR)"
)


def write_report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    published_at: dt.datetime,
    since: dt.datetime | None,
    changed: int,
) -> str:
    """刷新报告 / A short human-readable report of this refresh, kept in history.refresh_reports.

    Files and rows are those loaded since the previous publish (raw.load_log); missing units are
    all unit × quarter submissions still missing; late units are those whose file first arrived
    in this refresh after its deadline.
    """
    con.execute(REPORT_DDL)
    since = since or dt.datetime(1900, 1, 1)
    files_loaded = files_rejected = rows_accepted = rows_rejected = 0
    rejected_files: list[str] = []
    files_with_rejects: list[tuple[str, int]] = []  # (file, rows rejected at its latest load)
    if table_exists(con, "raw", "load_log"):
        files_loaded, files_rejected, rows_accepted, rows_rejected = con.execute(
            "SELECT count(DISTINCT file_path) FILTER (WHERE status <> 'rejected'), "
            "count(DISTINCT file_path) FILTER (WHERE status = 'rejected'), "
            "coalesce(sum(rows_accepted), 0), coalesce(sum(rows_rejected), 0) "
            "FROM raw.load_log WHERE loaded_at > ?",
            [since],
        ).fetchone()  # type: ignore[misc]
        rejected_files = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT file_path FROM raw.load_log WHERE loaded_at > ? AND status = 'rejected' "
                "ORDER BY 1 LIMIT 20",
                [since],
            ).fetchall()
        ]
        files_with_rejects = con.execute(
            "SELECT file_path, arg_max(rows_rejected, loaded_at) AS n FROM raw.load_log "
            "WHERE loaded_at > ? AND status <> 'rejected' GROUP BY file_path HAVING n > 0 ORDER BY file_path",
            [since],
        ).fetchall()
    missing: list[tuple[str, str, str]] = []
    late: list[tuple[str, str, int]] = []
    if table_exists(con, "marts", "fct_submissions"):
        missing = con.execute(
            "SELECT unit_id, source, period FROM marts.fct_submissions WHERE status = 'missing' "
            "ORDER BY year DESC, quarter DESC, unit_id"
        ).fetchall()
        late = con.execute(
            "SELECT unit_id, period, days_late FROM marts.fct_submissions WHERE status = 'late' "
            "AND first_received_at > ? ORDER BY unit_id, period",
            [since],
        ).fetchall()
    lines = [
        f"刷新报告 / Refresh report {published_at:%Y-%m-%d %H:%M} UTC (run {run_id or '-'})",
        f"  文件 files taken: {files_loaded} loaded, {files_rejected} rejected whole"
        + (f" ({', '.join(rejected_files)})" if rejected_files else ""),
        f"  行 rows: {rows_accepted} accepted, {rows_rejected} rejected (see quality.rejects)"
        + "".join(f"\n    - {f}: 拒收 {n} 行 / {n} row(s) rejected" for f, n in files_with_rejects[:20])
        + (f"\n    … {len(files_with_rejects) - 20} more file(s)" if len(files_with_rejects) > 20 else ""),
        f"  指标值变化 indicator values changed since the last refresh: {changed}",
        f"  缺报 missing submissions (unit × quarter): {len(missing)}"
        + "".join(f"\n    - {u} {src} {p}" for u, src, p in missing[:20])
        + ("\n    …" if len(missing) > 20 else ""),
        f"  迟报 late submissions received in this refresh: {len(late)}"
        + "".join(f"\n    - {u} {p}: {d} day(s) late" for u, p, d in late[:20]),
    ]
    report = "\n".join(lines)
    con.execute(
        "INSERT INTO history.refresh_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            published_at,
            files_loaded,
            files_rejected,
            rows_accepted,
            rows_rejected,
            changed,
            len(missing),
            len(late),
            report,
        ],
    )
    return report


def latest_report(serving: Path) -> str | None:
    """The 刷新报告 of the last published refresh (the serving copy's quality.refresh_reports)."""
    if not readable(serving):
        return None
    con = duckdb.connect(str(serving), read_only=True)
    try:
        if not table_exists(con, "quality", "refresh_reports"):
            return None
        row = con.execute(
            "SELECT report FROM quality.refresh_reports ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None
    finally:
        con.close()


def publish(
    warehouse: Path, serving: Path, raw: Path, run_id: str = "", full_copy: bool = False
) -> dict[str, int]:
    """Publish the warehouse as a new serving copy. Unless `full_copy`, the new copy starts as a
    file copy of the current one and only the marts' years whose content changed are rewritten
    (`_build_copy`)."""
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    reconcile_history(warehouse, serving)
    pending = record_changes(warehouse, run_id, raw, published_at)
    fault_point("publish_before_copy")
    serving.parent.mkdir(parents=True, exist_ok=True)
    # files of publishes killed before their rename, and their spill folders (one writer at a
    # time: none is in use)
    for stale in serving.parent.glob(f".{serving.name}.*.tmp*"):
        _remove(stale)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    try:
        base = None if full_copy else _reusable(serving)
        counts = _build_copy(tmp, warehouse=warehouse, raw=raw, pending=pending, base=base)
        if counts is None:
            log.warning(
                "服务副本增量复制校验不符,改为全量复制 / the reused serving copy did not match the "
                "warehouse's fingerprints: building a full copy instead"
            )
            _remove(tmp)
            counts = _build_copy(tmp, warehouse=warehouse, raw=raw, pending=pending, base=None)
            assert counts is not None  # a copy from nothing is not checked against fingerprints
        _remove(spill_dir(tmp))
        fault_point("publish_before_rename")
        os.chmod(tmp, 0o444)  # read-only for everyone: no writer, sandbox or not (docs/sql_sandbox.md)
        os.replace(tmp, serving)  # the commit point, atomic on POSIX: readers see the old or the new file
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), spill_dir(tmp)):
            _remove(leftover)
        raise
    fault_point("publish_after_rename")
    commit_history(warehouse, pending)  # a kill before this is reconciled by the next publish
    return {"values_changed_since_last_refresh": pending.changed, **counts}


def _remove(path: Path) -> None:
    """Remove a file or a folder (DuckDB's spill folder of the copy), if there."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


FINGERPRINTS = "meta.table_fingerprints"
# Rewriting years leaves free blocks in the file; past this share a full copy compacts it.
MAX_FREE_SHARE = 0.3


# The dashboard reads one region at a time (and one indicator, or one domain's breakdown): a
# mart's rows written in this order within each year let DuckDB's row-group min/max skip the other
# regions. At 1M records, p95 of the series of one indicator in one region 142.6 -> 26.1 ms (it had
# read all 156 row groups), of one breakdown 67.6 -> 8.4 ms; the whole copy 74 -> 126 s
# (docs/scale.md).
SERVING_ORDER = ("region_code", "indicator_code", "domain", "breakdown")


def _serving_order(con: duckdb.DuckDBPyConnection, src: str) -> str:
    """The ORDER BY list of the warehouse table `src` (`wh.schema.table`) in the serving copy: the
    columns of SERVING_ORDER it has, '' for none."""
    _, schema, table = src.split(".")
    names = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' AND schema_name = ? "
            "AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    return ", ".join(c for c in SERVING_ORDER if c in names)


def _insert_years(
    con: duckdb.DuckDBPyConnection, target: str, src: str, years: set[int | None], order: str
) -> None:
    """Append `years` of `src` to `target`, a year at a time and in `order` within each, so that
    each year is a run of row groups sorted by region (cheaper than one sort of the whole table:
    64 s against 92 s for fct_indicator_values at 1M)."""
    sort = f" ORDER BY {order}" if order else ""
    for year in sorted(years, key=lambda y: (y is None, y or 0)):
        where = table_fingerprints.year_predicate({year})
        con.execute(f"INSERT INTO {target} SELECT * FROM {src} WHERE {where}{sort}")


def _reusable(serving: Path) -> Path | None:
    """The current serving copy when the next one can start from it: it opens, holds the marts'
    fingerprints, and is not mostly free space."""
    if not readable(serving):
        return None
    con = duckdb.connect(str(serving), read_only=True)
    try:
        if not table_exists(con, "meta", FINGERPRINTS.split(".")[1]):
            return None
        total, free = con.execute("SELECT total_blocks, free_blocks FROM pragma_database_size()").fetchone()  # type: ignore[misc]
        return serving if free <= MAX_FREE_SHARE * max(total, 1) else None
    finally:
        con.close()


def _build_copy(
    con_path: Path,
    warehouse: Path,
    raw: Path,
    pending: PendingHistory,
    base: Path | None,
) -> dict[str, int] | None:
    """Write the new serving copy at `con_path`: from nothing, or from a file copy of `base` (the
    current serving copy) rewriting only the marts' changed years. Returns the rows of each table
    and what was kept and rewritten; None when a copy started from `base` does not match the
    warehouse's fingerprints (the caller builds it again from nothing)."""
    if base is not None:
        shutil.copyfile(base, con_path)  # a new file: writable, whatever the serving copy's mode
    con = _connect(con_path)
    try:
        # Copies in parallel without keeping the warehouse's row order (readers sort what they
        # show): a quarter faster at 10M records. An ORDER BY is still kept (SERVING_ORDER).
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        copy_db = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        old = table_fingerprints.read(con, FINGERPRINTS) if base is not None else {}
        for schema in ("marts", "quality", "meta"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        marts = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'wh' AND table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        prints = {f"marts.{m}": table_fingerprints.fingerprint(con, "wh", "marts", m) for m in marts}
        copies = [(f"marts.{m}", f"wh.marts.{m}") for m in marts]
        copies += [
            ("quality.load_log", "wh.raw.load_log"),
            ("quality.rejects", "wh.raw.rejects"),
            ("quality.file_quarters", "wh.raw.file_quarters"),
            ("quality.refreshes", "wh.history.refreshes"),
            ("quality.indicator_changes", "wh.history.indicator_changes"),
            ("quality.refresh_reports", "wh.history.refresh_reports"),
        ]
        existing = {
            f"wh.{s}.{t}"
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'wh'"
            ).fetchall()
        }
        wanted = {target for target, _ in copies} | {"meta.refresh", FINGERPRINTS}
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [copy_db]
        ).fetchall():
            if f"{schema}.{table}" not in wanted:  # a mart dropped since, a table of older code
                con.execute(f"DROP TABLE {quote_identifier(schema)}.{quote_identifier(table)}")
        counts: dict[str, int] = {}
        kept = rewritten = years_rewritten = 0
        changed: list[str] = []  # the marts rewritten, named in the log
        for n, (target, src) in enumerate(copies):
            if n == len(copies) // 2:
                fault_point("publish_mid_copy")
            fp = prints.get(target)
            years = fp.changed_years(old.get(target)) if fp is not None else None
            order = _serving_order(con, src) if fp is not None else ""  # marts only
            if years is None:  # the whole table: new, reshaped, unpartitioned and changed, or quality
                con.execute(f"DROP TABLE IF EXISTS {target}")
                if src not in existing:
                    continue
                if fp is not None and fp.partitioned and order:
                    con.execute(f"CREATE TABLE {target} AS SELECT * FROM {src} LIMIT 0")
                    _insert_years(con, target, src, set(fp.parts), order)
                else:
                    sort = f" ORDER BY {order}" if order else ""
                    con.execute(f"CREATE TABLE {target} AS SELECT * FROM {src}{sort}")
                if fp is not None:  # a mart (quality tables are rewritten at every publish)
                    rewritten += 1
                    changed.append(target)
            elif years:
                con.execute(f"DELETE FROM {target} WHERE {table_fingerprints.year_predicate(years)}")
                _insert_years(con, target, src, years, order)
                years_rewritten += len(years)
                changed.append(f"{target} ({len(years)} year(s))")
            else:
                kept += 1
            table = target.split(".", 1)[1]
            if target.startswith("quality.") and table in pending.rows:
                con.register("pending_rows", pending.rows[table])
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM pending_rows")
                con.unregister("pending_rows")
            counts[target] = (
                sum(rows for rows, _ in fp.parts.values())
                if fp is not None
                else con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]  # type: ignore[index]
            )
        if base is not None:
            # what was kept or rewritten by years must equal the warehouse, as a full copy would
            for target, fp in prints.items():
                schema, table = target.split(".")
                if table_fingerprints.fingerprint(con, copy_db, schema, table) != fp:
                    return None
        table_fingerprints.write(con, FINGERPRINTS, prints)
        con.execute(
            "CREATE OR REPLACE TABLE meta.refresh AS SELECT ? AS published_at, ? AS raw_root, "
            "? AS is_sample, ? AS run_id",
            [pending.published_at, str(raw), is_sample(raw), pending.run_id],
        )
        con.execute("DETACH wh")
        clear_comments(con)  # a kept table keeps its comments: describe it afresh, as a new one
        comment_serving_copy(con)  # bilingual table and column descriptions (dbt YAML)
        con.execute("CHECKPOINT")
        counts.update(tables_kept=kept, tables_rewritten=rewritten, years_rewritten=years_rewritten)
        log.info(
            "服务副本 serving copy: %s, %d table(s) kept, %d rewritten whole, %d table-year(s) rewritten%s",
            "from the previous copy" if base is not None else "new",
            kept,
            rewritten,
            years_rewritten,
            f": {', '.join(changed)}" if base is not None and changed else "",
        )
        return counts
    finally:
        con.close()
