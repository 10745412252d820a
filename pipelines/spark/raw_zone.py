"""The raw zone for Spark: every table the dbt sources read (schema raw, dbt_project/models/
staging/_raw__sources.yml; also every other raw.* table of the warehouse) copied from a built
DuckDB warehouse to Parquet, one folder per table, then registered in Spark's metastore as
`CREATE TABLE raw.<t> USING parquet LOCATION '<folder>'`.

DuckDB's zone-less TIMESTAMP is read by Spark as `timestamp` (not `timestamp_ntz`) in UTC: the
session is started with spark.sql.parquet.inferTimestampNTZ.enabled=false and
spark.sql.session.timeZone=UTC (pipelines/spark/session.py), before the tables are registered."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml  # type: ignore[import-untyped]

from pipelines.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Exported:
    schema: str
    table: str
    folder: Path
    rows: int


def source_tables() -> list[tuple[str, str]]:
    """(schema, table) of every dbt source the models read (serving-only sources excluded)."""
    out: list[tuple[str, str]] = []
    for yml in sorted((DBT_PROJECT_DIR / "models").rglob("_*sources*.yml")):
        for source in (yaml.safe_load(yml.read_text(encoding="utf-8")) or {}).get("sources", []):
            if (source.get("meta") or {}).get("serving_only"):
                continue
            schema = source.get("schema", source["name"])
            out += [(schema, t["name"]) for t in source.get("tables", [])]
    return out


def export(warehouse: Path, folder: Path) -> list[Exported]:
    """COPY each source table and each raw.* table of `warehouse` to `folder/<schema>/<t>/part-0.parquet`."""
    wanted = set(source_tables())
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
            ).fetchall()
        }
        missing = sorted(wanted - present)
        if missing:
            raise SystemExit(
                f"仓库缺少 dbt 源表 / the warehouse lacks dbt source tables: {', '.join(f'{s}.{t}' for s, t in missing)}"
            )
        tables = sorted(wanted | {(s, t) for s, t in present if s == "raw"})
        out = []
        for schema, table in tables:
            target = folder / schema / table
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            con.execute(f'copy "{schema}"."{table}" to \'{target / "part-0.parquet"}\' (format parquet)')
            (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone() or (0,)
            out.append(Exported(schema, table, target, int(rows)))
        return out
    finally:
        con.close()


def register(spark: Any, exported: list[Exported]) -> None:
    """(Re)creates each exported table in the Spark metastore over its Parquet folder."""
    for schema in sorted({e.schema for e in exported}):
        spark.sql(f"create schema if not exists `{schema}`")
    for e in exported:
        spark.sql(f"drop table if exists `{e.schema}`.`{e.table}`")
        spark.sql(f"create table `{e.schema}`.`{e.table}` using parquet location '{e.folder}'")


def export_and_register(spark: Any, warehouse: Path, folder: Path, log: Any = print) -> list[Exported]:
    started = time.monotonic()
    exported = export(warehouse, folder)
    log(
        f"raw zone: {len(exported)} tables, {sum(e.rows for e in exported):,} rows -> Parquet ({time.monotonic() - started:.1f} s)"
    )
    started = time.monotonic()
    register(spark, exported)
    log(f"raw zone registered in Spark ({time.monotonic() - started:.1f} s)")
    return exported
