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
        first = not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'history' "
            "AND table_name = 'last_published'"
        ).fetchone()[0]  # type: ignore[index]
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
        con.execute("COMMIT")
    finally:
        con.close()
    return int(changed)


def publish(warehouse: Path, serving: Path, raw: Path, run_id: str = "") -> dict[str, int]:
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    changed = record_changes(warehouse, run_id, raw, published_at)
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {"values_changed_since_last_refresh": changed}
    con = duckdb.connect(str(tmp))
    try:
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
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, serving)  # atomic on POSIX: readers see the old or the new file, never half
    return counts
