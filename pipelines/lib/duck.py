"""Small DuckDB helpers shared by the loader, the dbt wrapper, the publisher and the writer lock."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb


def quote_identifier(name: str) -> str:
    """`name` as a quoted SQL identifier (a table, schema or column name; inner quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when `schema.table` exists in the connection's current database."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def spill_dir(database: Path) -> Path:
    """DuckDB's default temp_directory of a database file: `<file>.tmp` beside it (DuckDB 2.0:
    `warehouse.duckdb` spills into `warehouse.duckdb.tmp/`, files named `duckdb_temp_<pid>_…`)."""
    return database.with_name(database.name + ".tmp")


def set_spill_cap(con: duckdb.DuckDBPyConnection, cap: str) -> None:
    """Cap the database's spill files at `cap` (e.g. "20GiB"): DuckDB's max_temp_directory_size,
    by SET. DuckDB 2.0.0 shows the setting when it is given in `duckdb.connect(config=…)` but does
    not enforce it (measured: 400 MB spilled under a 1 MiB cap); a SET is enforced. It is a global
    setting: it holds for every connection to the same database instance."""
    con.execute(f"SET max_temp_directory_size = '{cap.replace(chr(39), chr(39) * 2)}'")


# DuckDB's error when a spill would pass max_temp_directory_size ("Out of Memory Error: failed to
# offload data block of size … This limit was set by the 'max_temp_directory_size' setting.").
# Quotes optional: dbt and Dagster may re-quote the text they carry.
SPILL_CAP_ERROR = re.compile(r"limit was set by the \W{0,2}max_temp_directory_size\W{0,2} setting")


def is_spill_cap_error(text: str) -> bool:
    """True when an error text (DuckDB's, or dbt's or Dagster's carrying it) is the spill cap's."""
    return SPILL_CAP_ERROR.search(text) is not None


# A DuckDB file is its headers (one main and two database headers of 4 KiB) then its blocks.
_HEADER_BYTES = 3 * 4096


def database_problem(path: Path) -> str | None:
    """None when the DuckDB file at `path` is absent, or opens, lists its tables and holds every
    block their data lies in; otherwise DuckDB's complaint (a truncated file, a bad header, a
    failed block checksum) or the missing bytes.

    Reading each table's row-group metadata finds damage only where the metadata lies: a file cut
    short behind it opens and counts fine, and fails later, mid-build. The highest block any
    column segment lies in (pragma_storage_info, metadata too) finds that without reading the
    data. (Not the header's block count: it includes free blocks DuckDB has cut off the end.)"""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
            last_block, block_size = -1, 0
            for schema, table in tables:  # reads each table's row-group metadata, not its data
                con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
                name = f'"{schema}"."{table}"'.replace("'", "''")
                row = con.execute(
                    f"SELECT max(block_id) FROM pragma_storage_info('{name}') WHERE persistent"
                ).fetchone()
                if row and row[0] is not None:
                    last_block = max(last_block, int(row[0]))
            if last_block >= 0:
                size_row = con.execute(
                    "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
                ).fetchone()
                block_size = int(size_row[0]) if size_row else 0
        finally:
            con.close()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0][:300]
    needed = _HEADER_BYTES + (last_block + 1) * block_size
    size = path.stat().st_size
    if last_block >= 0 and size < needed:
        return f"file truncated: {size} bytes, its table data reaches byte {needed}"
    return None
