"""Content fingerprints of tables, by year: what a publish must rewrite in the serving copy.

A table's fingerprint is its column list (names and types) and, for each value of its `year`
column (the whole table when it has none), the number of rows and the sum of DuckDB's `hash` of
each row. Row order does not count, repeated rows do. Two tables with equal fingerprints hold the
same rows, unless two different sets of rows collide in a 64-bit hash sum; the publisher checks
the copy it built against the warehouse's fingerprints, so a wrong reuse is caught too.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.lib.duck import quote_identifier

YEAR = "year"
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
TABLE_DDL = (
    "CREATE TABLE {name} (table_name VARCHAR, columns VARCHAR, partitioned BOOLEAN, "
    "year BIGINT, row_count BIGINT, hash_sum HUGEINT)"
)


@dataclass(frozen=True)
class Fingerprint:
    columns: str  # "name type, …": another shape means the whole table is rewritten
    partitioned: bool  # by `year`
    # year (None: rows without one, or the whole table) -> (rows, hash sum)
    parts: dict[int | None, tuple[int, int]]

    def changed_years(self, old: Fingerprint | None) -> set[int | None] | None:
        """The years to rewrite to turn a copy with `old` into one with `self`; None: the whole
        table (it is new, or its columns or partitioning changed)."""
        if old is None or old.columns != self.columns or old.partitioned != self.partitioned:
            return None
        keys = self.parts.keys() | old.parts.keys()
        changed = {k for k in keys if self.parts.get(k) != old.parts.get(k)}
        return changed if self.partitioned else (None if changed else set())


def fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> Fingerprint:
    """The fingerprint of `catalog.schema.table` (one scan)."""
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [catalog, schema, table],
    ).fetchall()
    partitioned = any(name == YEAR and dtype in INTEGER_TYPES for name, dtype in cols)
    ref = ".".join(quote_identifier(p) for p in (catalog, schema, table))
    group = f"{YEAR}" if partitioned else "NULL"
    rows = con.execute(
        f"SELECT {group} AS part, count(*), coalesce(sum(hash(t)), 0) FROM {ref} AS t GROUP BY ALL"
    ).fetchall()
    return Fingerprint(
        columns=", ".join(f"{n} {t}" for n, t in cols),
        partitioned=partitioned,
        parts={(None if part is None else int(part)): (int(n), int(h)) for part, n, h in rows},
    )


def year_predicate(years: set[int | None]) -> str:
    """SQL selecting the rows of `years` (None: the rows without a year)."""
    known = sorted(y for y in years if y is not None)
    terms = [f"{YEAR} IN ({', '.join(str(int(y)) for y in known)})"] if known else []
    if None in years:
        terms.append(f"{YEAR} IS NULL")
    return " OR ".join(terms) if terms else "false"


def write(con: duckdb.DuckDBPyConnection, name: str, prints: dict[str, Fingerprint]) -> None:
    """Store fingerprints (table name -> fingerprint) as table `name` (replaced)."""
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(TABLE_DDL.format(name=name))
    # the sum as text: a Python int past 64 bits would be bound as a DOUBLE; an empty table is one
    # row without a count
    rows: list[tuple[str, str, bool, int | None, int | None, str | None]] = []
    for table, fp in sorted(prints.items()):
        rows += [(table, fp.columns, fp.partitioned, year, n, str(h)) for year, (n, h) in fp.parts.items()]
        if not fp.parts:
            rows.append((table, fp.columns, fp.partitioned, None, None, None))
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?, CAST(? AS HUGEINT))", rows)


def read(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Fingerprint]:
    """Fingerprints stored by `write` (table name -> fingerprint)."""
    out: dict[str, Fingerprint] = {}
    for table, columns, partitioned, year, n, h in con.execute(
        f"SELECT table_name, columns, partitioned, year, row_count, hash_sum FROM {name}"
    ).fetchall():
        fp = out.setdefault(table, Fingerprint(columns, bool(partitioned), {}))
        if n is not None:
            fp.parts[None if year is None else int(year)] = (int(n), int(h))
    return out
