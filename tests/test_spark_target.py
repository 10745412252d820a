"""The Spark target's pieces that need no Spark (pipelines/spark/): its UDFs compute what the
DuckDB UDFs compute, its session settings are the example profile's with the paths moved, the
raw-zone export covers every dbt source, and the mart comparison tells equal from different
and missing on real Parquet files. The Spark build itself: tests/test_spark_marts.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from pipelines import dbt_udfs
from pipelines.spark import compare, raw_zone, session, udfs

ROOT = Path(__file__).resolve().parents[1]


def test_the_spark_udfs_are_the_duckdb_udfs() -> None:
    assert set(dbt_udfs.FUNCTIONS) == set(udfs.ARITY)  # one body for each function both engines register
    rng = np.random.default_rng(18)
    rows = 40
    args = [rng.integers(0, 30, rows).astype(float) for _ in range(6)]
    for a in args:
        a[rng.integers(0, rows, 3)] = np.nan  # NULLs
    args[2] = np.where(np.isnan(args[2]), np.nan, args[2] / 10 + 1)  # dispersion factors >= 1
    args[5] = np.where(np.isnan(args[5]), np.nan, args[5] / 10 + 1)
    con = duckdb.connect()
    dbt_udfs.register(con)
    con.execute(
        "create table t as select * from (select unnest($1) a, unnest($2) b, unnest($3) c, unnest($4) d,"
        " unnest($5) e, unnest($6) f)",
        [[None if np.isnan(x) else float(x) for x in a] for a in args],
    )
    for name, arity in udfs.ARITY.items():
        cols = ["a", "b", "c", "d", "e", "f"][:arity]
        duck = np.array(
            [
                np.nan if v is None else v
                for (v,) in con.execute(f"select {name}({', '.join(cols)}) from t").fetchall()
            ]
        )
        spark_side = udfs.compute(name, *args[:arity])
        assert np.isnan(duck).sum() > 0, name  # the NULL rows give NULL
        np.testing.assert_allclose(spark_side, duck, rtol=1e-12, equal_nan=True, err_msg=name)


def test_session_settings_are_the_example_profiles_under_the_work_folder(tmp_path: Path) -> None:
    example = session.example_output()["server_side_parameters"]
    settings = session.spark_settings(tmp_path, driver_memory="3g")
    assert set(example) <= set(settings)
    moved = {
        "spark.sql.warehouse.dir",
        "spark.hadoop.javax.jdo.option.ConnectionURL",
        "spark.driver.extraJavaOptions",
    }
    assert {k for k in example if str(example[k]) != settings[k]} == moved | {"spark.driver.memory"}
    assert all(str(tmp_path) in settings[k] for k in moved)
    assert settings["spark.driver.memory"] == "3g"
    assert settings["spark.driver.bindAddress"] == settings["spark.driver.host"] == "127.0.0.1"
    profile = yaml.safe_load((session.write_profile(tmp_path, settings) / "profiles.yml").read_text())
    output = profile["safety_stats"]["outputs"]["spark"]
    assert (output["type"], output["method"], output["threads"]) == ("spark", "session", 1)
    assert output["server_side_parameters"] == settings
    env = session.spark_environment()
    assert env["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert str(ROOT) in env["PYTHONPATH"].split(":")


def test_the_raw_zone_export_covers_every_dbt_source(tmp_path: Path) -> None:
    tables = raw_zone.source_tables()
    assert ("raw", "accidents") in tables and ("raw", "load_windows") in tables
    assert all(schema == "raw" for schema, _ in tables)  # the serving-only sources are not read
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw")
    for _, t in tables:
        con.execute(f"create table raw.{t} as select 1 as id, timestamp '2025-01-02 03:04:05' as at")
    con.execute("create table raw.rejects as select 2 as id")  # a raw table no source names
    con.close()
    exported = raw_zone.export(warehouse, tmp_path / "pq")
    assert {(e.schema, e.table) for e in exported} == set(tables) | {("raw", "rejects")}
    back = duckdb.sql(f"select * from '{tmp_path / 'pq' / 'raw' / 'accidents' / '*.parquet'}'").fetchall()
    assert [tuple(map(str, r)) for r in back] == [("1", "2025-01-02 03:04:05")]
    con = duckdb.connect(str(warehouse))
    con.execute("drop table raw.fires")
    con.close()
    with pytest.raises(SystemExit, match=r"raw\.fires"):
        raw_zone.export(warehouse, tmp_path / "pq")


def test_the_comparison_tells_equal_different_and_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    for t in ("same", "moved", "unbuilt"):
        con.execute(
            f"create table marts.{t} as select * from (values ('a', 1.0000001::double, 3::hugeint),"
            " ('b', 7073726508.150798, 4), ('b', 2.0, 4)) v(k, x, n)"
        )
    con.close()
    spark = tmp_path / "work" / "warehouse" / "marts.db"
    for t, rows in (
        # 1e-7 apart at 6 decimals; 7,073,726,508.15 apart in the 16th digit (summation order)
        ("same", "('a', 1.0, 3::bigint), ('b', 7073726508.150796, 4), ('b', 2.0, 4)"),
        # 0.1 apart at 12 significant digits
        ("moved", "('a', 1.0, 3), ('b', 7073726508.250798, 4), ('b', 2.0, 4)"),
    ):
        (spark / t).mkdir(parents=True)
        duckdb.sql(f"copy (select * from (values {rows}) v(k, x, n)) to '{spark / t / 'part-00000.parquet'}'")
    monkeypatch.setattr(compare, "mart_names", lambda: ["moved", "same", "unbuilt"])
    results = {r.mart: r for r in compare.compare(warehouse, tmp_path / "work")}
    assert results["same"].status == "equal", results["same"].notes  # also bigint vs hugeint
    moved = results["moved"]
    assert (moved.status, moved.duckdb_rows, moved.spark_rows, moved.only_duckdb, moved.only_spark) == (
        "different",
        3,
        3,
        1,
        1,
    )
    assert "differing columns: x (2)" in moved.notes  # k and n agree as multisets
    assert results["unbuilt"].status == "missing"
    assert "0 equal" not in compare.table(list(results.values()))
