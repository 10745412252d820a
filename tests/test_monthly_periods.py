"""Monthly periods end to end (issue 17): a report-table drop of 广州市 (440100) and 武汉市 (420100)
with months ('2023M07') and 1–N月累计 ('2023M01-07') over 2021–2024 loads into a NEW warehouse
with no reject, and `indicators --period-type month` prints 环比 (mom_pct) and 同比 (yoy_pct) per
month equal to the hand-computed values: a zero base gives an empty 环比, and a published
1–N月累计 stands as published when only some of its months are loaded.

The refresh is slow (listed in SLOW_TESTS, tests/conftest.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from tests.conftest import indicators, refreshed_once

SOURCE = "SYNTHETIC test fixture (issue 17 monthly periods)"

# 广州市 生产安全事故起数 by month; 2023M02 = 0 makes 2023M03's 环比 empty.
GZ_ACCIDENTS = {
    2021: [10, 12, 9, 11, 13, 8, 10],
    2022: [11, 10, 12, 9, 14, 10, 12, 13, 9, 10, 11, 15],
    2023: [14, 0, 9, 12, 15, 11, 12],
    2024: [13, 10, 10, 12, 12, 11, 9],
}


def _rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def add(region: str, period: str, measure: str, value: float, unit: str = "起") -> None:
        year = int(period[:4])
        rows.append(
            {
                "region_code": region,
                "period": period,
                "measure": measure,
                "value": str(value),
                "unit": unit,
                "released_on": f"{year + 1}-01-20",
                "source": SOURCE,
            }
        )

    for year, months in GZ_ACCIDENTS.items():
        for m, v in enumerate(months, start=1):
            add("440100", f"{year}M{m:02d}", "ps_accidents", v)
    # 受伤人数: the 1–7月累计 published, of 2023 only June and July loaded as months
    add("440100", "2022M01-07", "ps_injuries", 80, "人")
    add("440100", "2023M01-07", "ps_injuries", 100, "人")
    add("440100", "2023M06", "ps_injuries", 20, "人")
    add("440100", "2023M07", "ps_injuries", 15, "人")
    # 死亡人数: two months and no 1–7月累计: the sum of the months there are, flagged partial
    add("440100", "2023M06", "ps_deaths", 3, "人")
    add("440100", "2023M07", "ps_deaths", 2, "人")
    # 武汉市: July and 1–7月 as a bulletin publishes them, every year
    for year, (month, cum) in {2021: (9, 60), 2022: (10, 66), 2023: (8, 55), 2024: (8, 55)}.items():
        add("420100", f"{year}M07", "ps_accidents", month)
        add("420100", f"{year}M01-07", "ps_accidents", cum)
    return rows


@pytest.fixture(scope="module")
def monthly_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    drop = tmp_path_factory.mktemp("monthly_drop")
    reports = drop / "reports"
    reports.mkdir()
    rows = _rows()
    for region, name in (("440100", "广州"), ("420100", "武汉")):
        with (reports / f"{region}_{name}_安全生产月报_2021-2024.csv").open(
            "w", encoding="utf-8", newline=""
        ) as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(r for r in rows if r["region_code"] == region)
    return refreshed_once(tmp_path_factory, "monthly", "--raw", str(drop))


def _by_period(warehouse: Path, region: str, period_type: str, indicator: str) -> dict[str, dict]:
    rows = indicators(warehouse, "--region", region, "--period-type", period_type, "--indicator", indicator)
    assert {r["period_type"] for r in rows} == {period_type}
    return {r["period"]: r for r in rows}


def test_monthly_drop_loads_with_no_reject(monthly_warehouse: Path) -> None:
    con = duckdb.connect(str(monthly_warehouse.with_name("serving.duckdb")), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM quality.rejects").fetchone() == (0,)
    finally:
        con.close()


def test_month_rows_print_mom_and_yoy_per_month(monthly_warehouse: Path) -> None:
    got = _by_period(monthly_warehouse, "440100", "month", "ps_accidents")
    assert len(got) == 7 + 12 + 7 + 7
    m = got["2023M04"]
    assert (m["value"], m["month"], m["mom_base_value"], m["mom_abs"]) == (12, 4, 9, 3)
    # 2023 by hand (one decimal, as printed): 环比 against the month before (January: 2022M12 = 15),
    # 同比 against the same month of 2022
    expected_mom = [-6.7, -100.0, None, 33.3, 25.0, -26.7, 9.1]  # (14−15)/15, (0−14)/14, base 0, (12−9)/9 …
    expected_yoy = [27.3, -100.0, -25.0, 33.3, 7.1, 10.0, 0.0]  # (14−11)/11, (0−10)/10, (9−12)/12 …
    for month, (mom, yoy) in enumerate(zip(expected_mom, expected_yoy, strict=True), start=1):
        row = got[f"2023M{month:02d}"]
        assert (row["mom_pct"], row["yoy_pct"]) == (mom, yoy), month
    assert got["2023M03"]["mom_base_value"] == 0  # the zero base: 环比 empty, the base shown
    assert got["2022M01"]["mom_pct"] is None  # no 2021M12: no base
    assert got["2021M05"]["yoy_pct"] is None  # no 2020
    assert got["2024M01"]["mom_pct"] is None  # 2023M12 not published
    # every other month by the same rule
    series = [(y, mo, v) for y, vs in GZ_ACCIDENTS.items() for mo, v in enumerate(vs, start=1)]
    values = {(y, mo): v for y, mo, v in series}
    for y, mo, v in series:
        prev = values.get((y, mo - 1) if mo > 1 else (y - 1, 12))
        last_year = values.get((y - 1, mo))
        row = got[f"{y}M{mo:02d}"]
        assert row["mom_pct"] == (round((v - prev) * 100 / prev, 1) if prev else None), (y, mo)
        assert row["yoy_pct"] == (round((v - last_year) * 100 / last_year, 1) if last_year else None), (y, mo)
        assert row["completeness"] == "complete" and row["value_source"] == "report"


def test_ytd_at_every_month_end(monthly_warehouse: Path) -> None:
    got = _by_period(monthly_warehouse, "440100", "ytd", "ps_accidents")
    # 1–7月: the sum of the months, all seven loaded: 73 in 2023, 78 in 2022
    assert got["2023M07"]["value"] == 73 and got["2022M07"]["value"] == 78
    assert got["2023M07"]["yoy_pct"] == -6.4  # (73 − 78) / 78
    # 1–3月 keeps its quarter code: 14 + 0 + 9
    assert got["2023Q1"]["value"] == 23


def test_published_cumulative_stands_over_partial_months(monthly_warehouse: Path) -> None:
    injuries = _by_period(monthly_warehouse, "440100", "ytd", "ps_injuries")
    # published 100 although June and July (20 + 15) are the only months loaded
    assert injuries["2023M07"]["value"] == 100 and injuries["2023M07"]["completeness"] == "complete"
    assert injuries["2023M07"]["yoy_pct"] == 25.0  # (100 − 80) / 80
    month = _by_period(monthly_warehouse, "440100", "month", "ps_injuries")
    assert month["2023M07"]["mom_pct"] == -25.0  # (15 − 20) / 20
    # no 1–7月 published: the months there are, flagged partial
    deaths = _by_period(monthly_warehouse, "440100", "ytd", "ps_deaths")
    assert deaths["2023M07"]["value"] == 5 and deaths["2023M07"]["completeness"] == "partial"


def test_second_city_month_and_cumulative(monthly_warehouse: Path) -> None:
    ytd = _by_period(monthly_warehouse, "420100", "ytd", "ps_accidents")
    assert [ytd[f"{y}M07"]["value"] for y in (2021, 2022, 2023, 2024)] == [60, 66, 55, 55]
    assert (ytd["2023M07"]["yoy_pct"], ytd["2024M07"]["yoy_pct"]) == (-16.7, 0.0)  # (55 − 66) / 66
    month = _by_period(monthly_warehouse, "420100", "month", "ps_accidents")
    assert month["2023M07"]["yoy_pct"] == -20.0  # (8 − 10) / 10
    assert month["2023M07"]["mom_pct"] is None  # June not published
