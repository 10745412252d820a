"""A raw drop with only report tables and denominators (national published totals, 2014–2024)
loaded into a NEW warehouse through the CLI (fixture `national_warehouse`, tests/conftest.py)
yields rates, 同比 and vs-previous-5-year means."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import indicators

POP = 140000 * 1e4  # 14亿人 every year in the fixture
GDP_YI = {y: 600000 + 40000 * (y - 2014) for y in range(2014, 2025)}
DEATHS_MISSING = {
    2014: 1400,
    2015: 1400,
    2016: 1400,
    2017: 1400,
    2018: 1400,
    2019: 1120,
    2020: 1260,
    2021: 840,
    2022: 700,
    2023: 980,
    2024: 700,
}
LOSS_YI = {y: 3000 + 100 * (y - 2014) for y in range(2014, 2025)}


def _pct(new: float, old: float) -> float:
    return (new - old) / old * 100


@pytest.fixture(scope="module")
def national(national_warehouse: Path) -> dict[tuple[str, str], dict]:
    rows = indicators(national_warehouse, "--region", "000000", "--period-type", "year", "--full-precision")
    return {(r["indicator_code"], r["period"]): r for r in rows}


def test_disaster_death_rate_per_million(national: dict) -> None:
    r = national[("nd_deaths_missing_per_1m_pop", "2024")]
    assert r["value"] == pytest.approx(0.5)  # 700 / 14亿 × 10^6
    assert r["numerator"] == 700 and r["denominator"] == POP
    # the CLI's default columns say which year's denominator the rate rests on, and how
    assert (r["denominator_year"], r["denominator_basis"]) == (2024, "published")
    assert r["yoy_pct"] == pytest.approx(_pct(0.5, 0.7))  # 2023: 980 / 14亿 × 10^6 = 0.7
    prev5 = sum(DEATHS_MISSING[y] / POP * 1e6 for y in range(2019, 2024)) / 5  # 0.8, 0.9, 0.6, 0.5, 0.7
    assert prev5 == pytest.approx(0.7)
    assert r["vs_prev5_mean_pct"] == pytest.approx(_pct(0.5, prev5))
    assert r["completeness"] == "complete" and r["value_source"] == "report"


def test_disaster_loss_share_of_gdp(national: dict) -> None:
    r = national[("nd_loss_pct_gdp", "2024")]
    assert r["value"] == pytest.approx(0.4)  # 4000亿元 / 100万亿元 × 100%
    rate = {y: LOSS_YI[y] / GDP_YI[y] * 100 for y in GDP_YI}
    assert r["yoy_pct"] == pytest.approx(_pct(rate[2024], rate[2023]))
    assert r["vs_prev5_mean_pct"] == pytest.approx(
        _pct(rate[2024], sum(rate[y] for y in range(2019, 2024)) / 5)
    )


def test_affected_person_times_per_100k(national: dict) -> None:
    assert national[("nd_affected_per_100k_pop", "2024")]["value"] == pytest.approx(
        15000
    )  # 2.1亿人次 / 14亿 × 10^5


def test_first_years_have_no_comparison_base(national: dict) -> None:
    first = national[("nd_deaths_missing_per_1m_pop", "2014")]
    assert first["yoy_pct"] is None and first["vs_prev5_mean_pct"] is None
    # 2019 is the first year with five previous years (2014–2018).
    assert national[("nd_deaths_missing_per_1m_pop", "2019")]["vs_prev5_mean_pct"] == pytest.approx(-20.0)


def test_published_percentages_round_to_one_decimal(national_warehouse: Path) -> None:
    rows = indicators(
        national_warehouse,
        "--region",
        "000000",
        "--indicator",
        "nd_deaths_missing_per_1m_pop",
        "--period",
        "2024",
    )
    assert [r["yoy_pct"] for r in rows] == [-28.6]
