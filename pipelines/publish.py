"""Publish the read-only serving copy: marts and quality tables copied to a new DuckDB file,
then swapped in with an atomic rename. Readers holding the old file keep reading it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from pipelines.settings import is_sample


def publish(warehouse: Path, serving: Path, raw: Path, run_id: str = "") -> dict[str, int]:
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'wh' AND table_schema = 'marts' ORDER BY 1, 2"
        ).fetchall()
        for schema in ("marts", "quality", "meta"):
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, name in tables:
            con.execute(f"CREATE TABLE {schema}.{name} AS SELECT * FROM wh.{schema}.{name}")
            counts[f"{schema}.{name}"] = con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0]  # type: ignore[index]
        for name in ("load_log", "rejects"):
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_catalog = 'wh' AND table_schema = 'raw' AND table_name = ?",
                [name],
            ).fetchone()[0]  # type: ignore[index]
            if exists:
                con.execute(f"CREATE TABLE quality.{name} AS SELECT * FROM wh.raw.{name}")
        con.execute(
            "CREATE TABLE meta.refresh AS SELECT ? AS published_at, ? AS raw_root, ? AS is_sample, ? AS run_id",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0), str(raw), is_sample(raw), run_id],
        )
        con.execute("DETACH wh")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, serving)  # atomic on POSIX: readers see the old or the new file, never half
    return counts
