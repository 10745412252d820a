"""Publish the read-only serving copy.

1. In the warehouse (the writer holds the lock): compare the new indicator values with those
   published last time and append every value that moved to `history.indicator_changes`;
   remember this refresh in `history.refreshes`.
2. Copy marts, quality and history tables into a new DuckDB file, then swap it in with an
   atomic rename. Readers holding the old file keep reading it; a failure before the rename
   leaves the previous serving copy untouched.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from pipelines.catalog import comment_serving_copy
from pipelines.lib.duck import table_exists
from pipelines.settings import is_sample

KEY = ("region_code", "indicator_code", "period_type", "period")


def record_changes(warehouse: Path, run_id: str, raw: Path, published_at: dt.datetime) -> int:
    """Diff marts.fct_indicator_values against the last published snapshot; returns rows changed."""
    key = ", ".join(KEY)
    join = " AND ".join(f"n.{k} = o.{k}" for k in KEY)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS history")
        con.execute(
            "CREATE TABLE IF NOT EXISTS history.refreshes (run_id VARCHAR, published_at TIMESTAMP, "
            "raw_root VARCHAR, is_sample BOOLEAN, values_changed BIGINT, is_first BOOLEAN)"
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS history.indicator_changes (run_id VARCHAR, published_at TIMESTAMP, "
            "region_code VARCHAR, indicator_code VARCHAR, period_type VARCHAR, period VARCHAR, "
            "change_kind VARCHAR, old_value DOUBLE, new_value DOUBLE, old_released_on DATE, new_released_on DATE)"
        )
        first = not table_exists(con, "history", "last_published")
        since = con.execute("SELECT max(published_at) FROM history.refreshes").fetchone()[0]  # type: ignore[index]
        con.execute("BEGIN TRANSACTION")
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
        con.execute("DROP TABLE IF EXISTS history.last_published")
        con.execute(
            f"CREATE TABLE history.last_published AS SELECT {key}, value, released_on FROM marts.fct_indicator_values"
        )
        con.execute(
            "INSERT INTO history.refreshes VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, published_at, str(raw), is_sample(raw), changed, first],
        )
        write_report(con, run_id, published_at, since, int(changed))
        con.execute("COMMIT")
    finally:
        con.close()
    return int(changed)


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
        f"  行 rows: {rows_accepted} accepted, {rows_rejected} rejected (see quality.rejects)",
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


def latest_report(warehouse: Path) -> str | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not table_exists(con, "history", "refresh_reports"):
            return None
        row = con.execute(
            "SELECT report FROM history.refresh_reports ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
        return str(row[0]) if row else None
    finally:
        con.close()


def publish(warehouse: Path, serving: Path, raw: Path, run_id: str = "") -> dict[str, int]:
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    changed = record_changes(warehouse, run_id, raw, published_at)
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {"values_changed_since_last_refresh": changed}
    con = duckdb.connect(str(tmp))
    try:
        # Copies in parallel without keeping the warehouse's row order (readers sort what they
        # show): a quarter faster at 10M records.
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        for schema in ("marts", "quality", "meta"):
            con.execute(f"CREATE SCHEMA {schema}")
        copies = [
            (f"marts.{name}", f"wh.marts.{name}")
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'wh' AND table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        copies += [
            ("quality.load_log", "wh.raw.load_log"),
            ("quality.rejects", "wh.raw.rejects"),
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
        for target, src in copies:
            if src in existing:
                con.execute(f"CREATE TABLE {target} AS SELECT * FROM {src}")
                counts[target] = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]  # type: ignore[index]
        con.execute(
            "CREATE TABLE meta.refresh AS SELECT ? AS published_at, ? AS raw_root, ? AS is_sample, ? AS run_id",
            [published_at, str(raw), is_sample(raw), run_id],
        )
        con.execute("DETACH wh")
        comment_serving_copy(con)  # bilingual table and column descriptions (dbt YAML)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, serving)  # atomic on POSIX: readers see the old or the new file, never half
    return counts
