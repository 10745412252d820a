"""benchmarks/floor.py: its one-script ingest over a tiny Parquet drop gives the raw tables, rejects
and load log that pipelines.ingest.loader.load_source gives on the same drop."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import floor

from pipelines.ingest.loader import load_source
from pipelines.lib.contracts import RECORD_SOURCES

RANGE = (dt.date(2011, 1, 1), dt.date(2026, 10, 1))
T = dt.datetime(2021, 2, 3, 10, 30)
D = dt.date(2021, 2, 3)


def _write(drop: Path, source: str, name: str, rows: list[dict[str, object]]) -> None:
    (drop / source).mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows).write_parquet(drop / source / name)


def _drop(drop: Path, bad: bool = True) -> None:
    """A few rows per source; with `bad`, one bad row of each kind (without, only good rows and one
    row loaded with a warning)."""
    acc = {
        "occurred_at": T,
        "region_code": "110101",
        "sector": "建筑业",
        "category": "高处坠落",
        "deaths": 1,
        "missing": 0,
        "serious_injuries": 0,
        "injuries": 2,
        "direct_loss": 12.5,
        "special_equipment": False,
        "report_kind": "快报",
        "reported_at": T,
        "write_off_reason": None,
    }
    _write(
        drop,
        "accidents",
        "110000_北京_2021Q1.parquet",
        [
            {**acc, "accident_id": "A1"},
            {**acc, "accident_id": "A2", "report_kind": "核销", "reported_at": T + dt.timedelta(days=3)},
            # dated after the file's period 2021Q1: loaded, with a warning
            {
                **acc,
                "accident_id": "A3",
                "occurred_at": dt.datetime(2021, 4, 2),
                "reported_at": dt.datetime(2021, 4, 2),
            },
        ],
    )
    road = {"occurred_at": T, "region_code": "110101", "deaths": 1, "injuries": 0, "direct_loss": 1.0,
            "vehicle_kinds": "小型客车", "operating_vehicle": True}  # fmt: skip
    _write(
        drop,
        "road_traffic",
        "110000_北京_2021Q1.parquet",
        [
            {**road, "accident_id": "R1"},
            {**road, "accident_id": "R2", "deaths": -1 if bad else 2},
        ],  # negative
    )
    fire = {"occurred_at": T, "region_code": "110101", "place_type": "住宅", "cause": "电气", "deaths": 0,
            "injuries": 0, "direct_loss": 3.25}  # fmt: skip
    _write(
        drop, "fires", "110000_北京_2021Q1.parquet", [{**fire, "fire_id": "F1"}, {**fire, "fire_id": "F2"}]
    )
    # the same fire again in a later file: the first (by file, then row) stands
    _write(
        drop,
        "fires",
        "110000_北京_2021Q2.parquet",
        [{**fire, "fire_id": "F1" if bad else "F3", "occurred_at": T}],
    )
    dis = {"hazard": "洪涝", "region_code": "110101", "started_on": D, "report_kind": "初报", "reported_at": T,
           "affected_person_times": 100, "deaths": 0, "missing": 0, "relocated": 5, "crop_affected_ha": 1.5,
           "crop_failed_ha": 0.0, "collapsed_houses": 0, "damaged_houses": 1, "direct_loss": 20.0,
           "burned_forest_ha": None}  # fmt: skip
    _write(
        drop,
        "disasters",
        "110000_北京_2021Q1.parquet",
        [
            {**dis, "event_id": "E1"},
            {**dis, "event_id": "E2", "started_on": dt.date(2010, 6, 1) if bad else D},
        ],  # out of range
    )
    enf = {"inspected_on": D, "region_code": "110101", "sector": "建筑业", "credit_code": None,
           "inspection_kind": "日常检查", "hazards_found": 3, "hazards_major_found": 0, "hazards_rectified": 2,
           "penalty": True, "fine": 0.5, "suspension": False, "closure": None, "judicial_transfer": False}  # fmt: skip
    _write(
        drop,
        "enforcement",
        "110000_北京_2021Q1.parquet",
        [
            {**enf, "inspection_id": "I1"},
            {**enf, "inspection_id": "I2", "region_code": "999999" if bad else "110102"},
        ],  # unknown region
    )


def _loaded(drop: Path, wh: Path) -> Path:
    con = duckdb.connect(str(wh))
    for source in RECORD_SOURCES:
        load_source(con, source, drop, "L1", window=None, date_range=RANGE, progress=lambda _m: None)
    con.close()
    return wh


def test_floor_ingest_equals_loader(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    _drop(drop)
    wh = _loaded(drop, tmp_path / "pipeline.duckdb")

    result = floor.run_floor(drop, wh, work=tmp_path, date_range=RANGE)
    eq = result["equal_to_pipeline"]
    assert eq["all_equal"], eq
    # hand-checked: raw rows per source and the rejects, on both sides
    assert {t: v["rows"] for t, v in eq["raw"].items()} == {
        "accidents": 3,
        "road_traffic": 1,
        "fires": 2,
        "disasters": 1,
        "enforcement": 1,
    }
    con = duckdb.connect(str(wh), read_only=True)
    rules = con.execute(
        "SELECT source, rule, severity, bad_value FROM raw.rejects ORDER BY source, rule"
    ).fetchall()
    con.close()
    assert rules == [
        ("accidents", "date_after_file_period", "warning", "2021-04-02"),
        ("disasters", "date_out_of_range", "error", "2010-06-01"),
        ("enforcement", "unknown_region", "error", "999999"),
        ("fires", "duplicate_key", "error", "F1"),
        ("road_traffic", "negative_value", "error", "-1"),
    ]
    assert eq["rejects"] == {"rows": 5, "rows_only_in_floor": 0, "rows_only_in_pipeline": 0}
    assert eq["load_log"]["files"] == 6
    assert set(result["stage_s"]) == {
        *(f"ingest_{s.name}" for s in RECORD_SOURCES),
        "ingest_reference_via_loader",
        "marts",
    }


def test_floor_marts_over_its_tables_equal_marts_over_files(tmp_path: Path) -> None:
    """On a drop without bad rows, the hand-written mart queries give the same rows over the floor's
    tables (report kinds as the loader's codes: 核销 -> write_off) as over the raw files."""
    drop = tmp_path / "drop"
    _drop(drop, bad=False)
    wh = _loaded(drop, tmp_path / "pipeline.duckdb")
    eq = floor.run_floor(drop, wh, work=tmp_path, date_range=RANGE, marts_vs_files=True)["equal_to_pipeline"]
    assert eq["all_equal"], eq
    assert {t: v["rows"] for t, v in eq["raw"].items()} == {
        "accidents": 3,
        "road_traffic": 2,
        "fires": 3,
        "disasters": 2,
        "enforcement": 2,
    }
    assert eq["rejects"]["rows"] == 1  # A3's date_after_file_period warning
    for mart in ("fct_indicator_values", "fct_breakdowns"):
        v = eq["marts_vs_files"][mart]
        assert v["rows"] > 0 and v["rows_only_over_tables"] == v["rows_only_over_files"] == 0
