"""End to end: the embedded sample refreshed into a temporary warehouse through the CLI.

The seed documents' figures must come out of `safety-stats indicators` exactly, and a second
refresh of the same files must change no number and add no row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import assert_years_in_runs_sorted_by_region, indicators, run_cli


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


def test_two_year_backfill_equals_the_full_refresh_and_adds_no_row(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    """Backfill 2019Q1..2020Q4 over the fully refreshed sample: exactly those quarters are
    reloaded (with progress output), and every mart equals the full refresh, row for row.
    On a copy: other test files read the session's sample warehouse and its serving copy."""
    wh = tmp_path / "sample" / sample_warehouse.name
    shutil.copytree(sample_warehouse.parent, wh.parent)  # warehouse, serving copy, Dagster home
    marts = ("fct_indicator_values", "fct_plan_progress", "fct_breakdowns", "fct_submission_rates")
    raw = ("accidents", "road_traffic", "fires", "disasters", "enforcement", "denominators", "reports")

    def snapshot() -> tuple[dict, dict]:
        con = duckdb.connect(str(wh), read_only=True)
        try:
            tables = {m: con.execute(f"SELECT * FROM marts.{m} ORDER BY ALL").fetchall() for m in marts}
            counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in raw}
        finally:
            con.close()
        return tables, counts

    full, full_counts = snapshot()
    proc = run_cli("refresh", "--warehouse", str(wh), "--from", "2019Q1", "--to", "2020Q4")
    assert "Loading accidents for 2019Q1..2020Q4" in proc.stderr  # progress a person can read
    backfilled, counts = snapshot()
    assert counts == full_counts
    for m in marts:
        assert backfilled[m] == full[m], m
    assert len(full["fct_indicator_values"]) > 10000

    con = duckdb.connect(str(wh), read_only=True)
    try:
        windows = con.execute(
            "SELECT min(window_start), max(window_end) FROM raw.load_log "
            "WHERE load_id = (SELECT arg_max(load_id, loaded_at) FROM raw.load_log WHERE source = 'accidents') "
            "AND source = 'accidents'"
        ).fetchone()
    finally:
        con.close()
    assert [str(d) for d in windows] == ["2019-01-01", "2021-01-01"]


def test_the_serving_copy_is_laid_out_by_year_then_region(sample_warehouse: Path) -> None:
    """The publish writes each year of the large marts as one run of rows in the order the
    dashboard filters them (region first), so that DuckDB's row-group min/max skip the rest."""
    serving = sample_warehouse.with_name("serving.duckdb")
    assert_years_in_runs_sorted_by_region(serving, "fct_indicator_values", ["region_code", "indicator_code"])
    assert_years_in_runs_sorted_by_region(serving, "fct_breakdowns", ["region_code", "domain", "breakdown"])
