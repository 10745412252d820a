"""Marts of the Spark build against the DuckDB warehouse, row for row: for every model in
dbt_project/models/marts (the seed-derived dims included), DuckDB reads the Spark table's Parquet
files (the Spark warehouse folder, `<schema>.db/<table>`) and compares them with the
warehouse's table: same columns, same row count, and EXCEPT ALL both ways with each value cast
to the warehouse column's type and doubles/decimals rounded to 6 decimals (12 significant
digits from 10^6 up: `rounded`).

    equal      same columns, same rows (as a multiset)
    different  built on both, but columns or rows differ (counts of rows only on each side)
    missing    no Spark table (not built) or no DuckDB table"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.duck import quote_identifier
from pipelines.settings import DBT_PROJECT_DIR

MARTS = DBT_PROJECT_DIR / "models" / "marts"
SCHEMA = "marts"
ROUNDED = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")


@dataclass
class MartResult:
    mart: str
    status: str  # equal | different | missing
    duckdb_rows: int | None = None
    spark_rows: int | None = None
    only_duckdb: int | None = None
    only_spark: int | None = None
    notes: list[str] = field(default_factory=list)


def mart_names() -> list[str]:
    return sorted(p.stem for p in MARTS.iterdir() if p.suffix in (".sql", ".py"))


def spark_table_folder(work: Path, schema: str, table: str) -> Path:
    return work / "warehouse" / f"{schema}.db" / table


def rounded(column: str) -> str:
    """A number as compared: 6 decimals; from 10^6 up, 12 significant digits (floating-point
    sums in another order differ in the 16th digit, which 6 decimals of 7,073,726,508.15 still
    show)."""
    x = f"cast({column} as double)"
    return (
        f"case when abs({x}) < 1e6 then round({x}, 6)"
        f" else round({x}, 11 - cast(floor(log10(abs({x}))) as integer)) end"
    )


def compare_one(con: duckdb.DuckDBPyConnection, work: Path, mart: str) -> MartResult:
    duck_cols = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_catalog = 'w' and table_schema = ? and table_name = ? order by ordinal_position",
        [SCHEMA, mart],
    ).fetchall()
    if not duck_cols:
        return MartResult(mart, "missing", notes=["no DuckDB table"])
    folder = spark_table_folder(work, SCHEMA, mart)
    files = sorted(folder.rglob("*.parquet")) if folder.exists() else []
    (duck_rows,) = con.execute(f"select count(*) from w.{SCHEMA}.{quote_identifier(mart)}").fetchone() or (0,)
    if not files:
        return MartResult(mart, "missing", duckdb_rows=int(duck_rows), notes=["no Spark table (not built)"])
    con.execute(
        f"create or replace temp view spark_side as select * from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)"
    )
    spark_cols = con.execute("select column_name, column_type from (describe spark_side)").fetchall()
    (spark_rows,) = con.execute("select count(*) from spark_side").fetchone() or (0,)
    result = MartResult(mart, "equal", duckdb_rows=int(duck_rows), spark_rows=int(spark_rows))
    duck_names = [c for c, _ in duck_cols]
    spark_types = {c.lower(): t for c, t in spark_cols}
    if [c.lower() for c in duck_names] != [c.lower() for c, _ in spark_cols]:
        result.notes.append(
            f"columns differ: only DuckDB {sorted(set(c.lower() for c in duck_names) - set(spark_types))},"
            f" only Spark {sorted(set(spark_types) - set(c.lower() for c in duck_names))}"
            + (", order differs" if set(c.lower() for c in duck_names) == set(spark_types) else "")
        )
    common = [(c, t) for c, t in duck_cols if c.lower() in spark_types]
    duck_exprs, spark_exprs = [], []
    for name, dtype in common:
        q = quote_identifier(name)
        if dtype.startswith(ROUNDED):
            duck_exprs.append(f"{rounded(q)} as {q}")
            spark_exprs.append(f"{rounded(q)} as {q}")
        else:
            duck_exprs.append(q)
            spark_exprs.append(q if spark_types[name.lower()] == dtype else f"cast({q} as {dtype}) as {q}")
            if spark_types[name.lower()] != dtype:
                result.notes.append(f"{name}: Spark {spark_types[name.lower()]} vs DuckDB {dtype}")
    duck_sel = f"select {', '.join(duck_exprs)} from w.{SCHEMA}.{quote_identifier(mart)}"
    spark_sel = f"select {', '.join(spark_exprs)} from spark_side"
    try:
        (only_duck,) = con.execute(
            f"select count(*) from ({duck_sel} except all {spark_sel})"
        ).fetchone() or (0,)
        (only_spark,) = con.execute(
            f"select count(*) from ({spark_sel} except all {duck_sel})"
        ).fetchone() or (0,)
    except duckdb.Error as exc:
        result.status = "different"
        result.notes.append(f"cannot compare: {str(exc).splitlines()[0]}")
        return result
    result.only_duckdb, result.only_spark = int(only_duck), int(only_spark)
    if (
        only_duck
        or only_spark
        or duck_rows != spark_rows
        or len(common) != len(duck_cols)
        or len(common) != len(spark_cols)
    ):
        result.status = "different"
        if only_duck or only_spark:
            result.notes.append(
                "differing columns: " + ", ".join(differing_columns(con, duck_sel, spark_sel, common))
            )
    return result


def differing_columns(
    con: duckdb.DuckDBPyConnection, duck_sel: str, spark_sel: str, common: list[tuple[str, str]]
) -> list[str]:
    """Columns whose values (as a multiset, column by column) differ between the two sides."""
    out = []
    for name, _ in common:
        q = quote_identifier(name)
        one = f"select {q} from ({duck_sel})"
        other = f"select {q} from ({spark_sel})"
        (n,) = con.execute(
            f"select count(*) from (({one} except all {other}) union all ({other} except all {one}))"
        ).fetchone() or (0,)
        if n:
            out.append(f"{name} ({n})")
    return out


def compare(warehouse: Path, work: Path) -> list[MartResult]:
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{warehouse}' as w (read_only)")
        return [compare_one(con, work, mart) for mart in mart_names()]
    finally:
        con.close()


def table(results: list[MartResult]) -> str:
    def cell(v: int | None) -> str:
        return "" if v is None else f"{v:,}"

    lines = [
        "| mart | result | rows DuckDB | rows Spark | only DuckDB | only Spark | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| `{r.mart}` | {r.status} | {cell(r.duckdb_rows)} | {cell(r.spark_rows)} | {cell(r.only_duckdb)}"
            f" | {cell(r.only_spark)} | {'; '.join(r.notes)} |"
        )
    counts = {s: sum(r.status == s for r in results) for s in ("equal", "different", "missing")}
    lines.append("")
    lines.append(
        f"{counts['equal']} equal, {counts['different']} different, {counts['missing']} missing of {len(results)}"
    )
    return "\n".join(lines)


def write_json(results: list[MartResult], path: Path) -> None:
    path.write_text(json.dumps([asdict(r) for r in results], indent=1), encoding="utf-8")
