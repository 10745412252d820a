"""Small DuckDB catalogue helpers shared by the loader, the dbt wrapper and the publisher."""

from __future__ import annotations

from pathlib import Path

import duckdb


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when `schema.table` exists in the connection's current database."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def database_problem(path: Path) -> str | None:
    """None when the DuckDB file at `path` is absent or opens and lists its tables; otherwise
    DuckDB's complaint (a truncated file, a bad header, a failed block checksum)."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
            for schema, table in tables:  # reads each table's row-group metadata, not its data
                con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0][:300]
    return None
