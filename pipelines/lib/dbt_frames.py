"""Engine-neutral reads and returns for the dbt Python models (dbt_project/models/**/*.py).

On DuckDB (dbt-duckdb) a `dbt.ref(...)` is a DuckDB relation and a model may return an Arrow
table; on Spark (dbt-spark) it is a pyspark DataFrame and a model must return one. The models
read and return through these two functions, so the same file builds on both engines
(docs/spark_spike.md, cause 10).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa


def to_polars(relation: Any) -> pl.DataFrame:
    """A DuckDB relation (`.pl()`) or a pyspark DataFrame (`.toArrow()`, Spark 4.0+) as polars."""
    frame = relation.pl() if hasattr(relation, "pl") else pl.from_arrow(relation.toArrow())
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"expected a table, got {type(frame).__name__}")
    return frame


def to_engine(result: pl.DataFrame | pa.Table, session: Any) -> Any:
    """What the engine's Python model must return: Arrow for DuckDB, a DataFrame for Spark."""
    table = result.to_arrow() if isinstance(result, pl.DataFrame) else result
    if hasattr(session, "createDataFrame"):  # a SparkSession (4.0+ takes Arrow, keeping its types;
        return session.createDataFrame(table)  # through pandas, integers with nulls became doubles)
    return table
