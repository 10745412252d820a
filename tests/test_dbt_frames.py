"""The dbt Python models read refs and return results through pipelines.lib.dbt_frames, so one
model file serves DuckDB and Spark. Here: the DuckDB side, on a real DuckDB connection (the
Spark side runs in the Spark build, docs/spark_spike.md)."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.lib.dbt_frames import to_engine, to_polars


def test_a_duckdb_relation_reads_as_polars_with_its_types() -> None:
    con = duckdb.connect()
    con.execute(
        "create table t (code varchar, year integer, x double);"
        "insert into t values ('110000', 2024, 1.5), ('120000', 2025, null)"
    )
    frame = to_polars(con.sql("select * from t").filter("year = 2025"))  # as the models filter
    assert frame.to_dicts() == [{"code": "120000", "year": 2025, "x": None}]
    assert frame.schema == pl.Schema({"code": pl.String, "year": pl.Int32, "x": pl.Float64})


def test_a_result_goes_back_to_duckdb_as_arrow_and_reads_back_equal() -> None:
    con = duckdb.connect()
    result = pl.DataFrame({"target_id": ["a", "b"], "p": [0.25, None]})
    out = to_engine(result, con)
    assert isinstance(out, pa.Table)
    con.register("out", out)
    assert con.sql("select * from out order by target_id").fetchall() == [("a", 0.25), ("b", None)]
    assert to_engine(out, con) is out  # an Arrow table passes through
