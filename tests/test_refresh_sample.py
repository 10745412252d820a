"""End to end: the embedded sample refreshed into a temporary warehouse through the CLI.

The seed documents' figures must come out of `safety-stats indicators` exactly, and a second
refresh of the same files must change no number and add no row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import indicators, run_cli


def _one(warehouse: Path, region: str, indicator: str, period: str) -> dict:
    rows = indicators(warehouse, "--region", region, "--indicator", indicator, "--period", period)
    rows = [r for r in rows if r["period_type"] in ("year", "plan_period")]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    ("indicator", "value", "yoy_pct"),
    [("ps_accidents", 1986, -32.2), ("ps_deaths", 1526, -17.9), ("ps_injuries", 1248, -44.4)],
)
def test_guangxi_2021_production_safety(
    sample_warehouse: Path, indicator: str, value: int, yoy_pct: float
) -> None:
    # seed 004: 全区共发生各类生产安全事故1986起、死亡1526人、受伤1248人,同比分别下降32.2%、17.9%、44.4%
    r = _one(sample_warehouse, "450000", indicator, "2021")
    assert r["value"] == value
    assert r["yoy_pct"] == yoy_pct
    assert r["completeness"] == "complete" and (r["coverage_k"], r["coverage_n"]) == (14, 14)


@pytest.mark.parametrize(
    ("indicator", "value"),
    [
        ("enf_inspections", 10274),
        ("enf_penalties", 2598),
        ("enf_suspensions", 131),
        ("enf_closures", 7),
        ("enf_fines", 13200),
    ],  # 1.32亿元 = 13200万元
)
def test_guangxi_2021_enforcement(sample_warehouse: Path, indicator: str, value: float) -> None:
    r = _one(sample_warehouse, "450000", indicator, "2021")
    assert r["value"] == pytest.approx(value)
    assert r["value_source"] == "report"


def test_liandu_13th_plan_totals_and_change_vs_12th(sample_warehouse: Path) -> None:
    # seed 000: "十三五"期间,全区共发生各类生产安全事故16起、死亡16人 … 分别下降了38.5%和42.9%
    acc = _one(sample_warehouse, "331102", "ps_accidents", "2016-2020")
    deaths = _one(sample_warehouse, "331102", "ps_deaths", "2016-2020")
    assert (acc["value"], deaths["value"]) == (16, 16)
    assert (acc["yoy_pct"], deaths["yoy_pct"]) == (-38.5, -42.9)
    assert _one(sample_warehouse, "331102", "ps_accidents_larger_plus", "2016-2020")["value"] == 0


def test_parent_with_uncovered_children_is_partial_never_a_total(sample_warehouse: Path) -> None:
    # 丽水市 has 9 county-level children; only 莲都区 sends accident records.
    r = _one(sample_warehouse, "331100", "ps_deaths", "2021")
    assert r["completeness"] == "partial"
    assert (r["coverage_k"], r["coverage_n"]) == (1, 9)
    rate = _one(sample_warehouse, "331100", "ps_deaths_per_100m_gdp", "2021")
    assert rate["value"] is None  # no rate on a partial numerator


def test_second_refresh_changes_no_number_and_adds_no_row(sample_warehouse: Path, tmp_path: Path) -> None:
    def snapshot() -> tuple[list, dict]:
        con = duckdb.connect(str(sample_warehouse), read_only=True)
        try:
            values = con.execute(
                "SELECT region_code, indicator_code, period_type, period, value, yoy_pct, released_on "
                "FROM marts.fct_indicator_values ORDER BY ALL"
            ).fetchall()
            counts = {
                t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0]
                for t in (
                    "accidents",
                    "road_traffic",
                    "fires",
                    "disasters",
                    "enforcement",
                    "denominators",
                    "reports",
                )
            }
        finally:
            con.close()
        return values, counts

    before = snapshot()
    run_cli("refresh", "--warehouse", str(sample_warehouse))
    after = snapshot()
    assert after[1] == before[1]
    assert after[0] == before[0]
    assert len(before[0]) > 10000
