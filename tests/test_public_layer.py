"""The public national layer raw/public/ (公开数据 / PUBLIC DATA): every row cites its source and
quotes the sentence that states the figure; the drop loads by itself into a NEW warehouse with no
reject, and cited figures come out of the marts unchanged (or as the rates they imply).

The refresh test is slow (listed in SLOW_TESTS, tests/conftest.py)."""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import is_sample
from tests.conftest import ROOT, indicators, refreshed_once

PUBLIC = ROOT / "raw" / "public"
DATA_FILES = sorted((PUBLIC / "reports").glob("*.csv")) + sorted((PUBLIC / "denominators").glob("*.csv"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _digits(text: str) -> str:
    return re.sub(r"[.,\s]", "", text)


def _in_quote(value: str, quote: str) -> bool:
    """The figure as published appears in the quoted sentence: its significant digits (trailing
    zeros and the decimal point dropped, so 1144000 亿元 matches "114.4萬億元") are in the quote."""
    digits = _digits(value).rstrip("0") or "0"
    return digits in _digits(quote)


def test_every_row_cites_a_source_and_quotes_its_figure() -> None:
    assert len(DATA_FILES) == 4
    n = 0
    for path in DATA_FILES:
        for r in _rows(path):
            n += 1
            assert r["region_code"] == "000000"
            assert r["source"].startswith("公开数据 PUBLIC DATA: ") and "http" in r["source"], r
            assert r["note"].startswith("引文 quote: "), r
            assert _in_quote(r["value"], r["note"]), r
            assert "SYNTHETIC" not in (r["source"] + r["note"]).upper()
    published = _rows(PUBLIC / "published_rates.csv")
    for r in published:
        assert r["url"].startswith("http") and _in_quote(r["value"], r["quote"]), r
    # sources.csv lists each data row and each published rate once
    assert len(_rows(PUBLIC / "sources.csv")) == n + len(published) == 124


def test_public_layer_is_never_the_sample() -> None:
    assert not is_sample(PUBLIC)
    sample_text = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in (ROOT / "raw" / "sample").rglob("*.csv")
    )
    assert "公开数据" not in sample_text
    readme = (PUBLIC / "README.md").read_text(encoding="utf-8")
    assert "公开数据" in readme and "PUBLIC DATA" in readme


def test_backtest_reads_the_public_series_and_decomposes_brier() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import national_backtest as nb

    series = nb.load_series()
    assert series["nd_deaths_missing"][2013] == 1851 + 433  # published apart, summed as the warehouse does
    assert series["nd_deaths_missing"][2019] == 909  # published combined
    assert series["ps_deaths"][2005] == 127000  # 12.7万人
    assert series["nd_direct_loss"][2024] == pytest.approx(4011.1e4)  # 亿元 → 万元
    assert series["road_deaths_per_10k_vehicles"][2011] == 2.8
    # Brier 0.19 = REL 0.065 − RES 0.0625 + UNC 0.1875 (two bins: p 0.2 → 0/2 met, p 0.8 → 1/2 met)
    b = nb.brier([(0.2, False), (0.8, True), (0.8, False), (0.2, False)])
    assert b["brier"] == pytest.approx(0.19)
    assert (b["reliability"], b["resolution"], b["uncertainty"]) == pytest.approx((0.065, 0.0625, 0.1875))
    assert b["brier_skill_vs_base_rate"] == pytest.approx(1 - 0.19 / 0.1875)


@pytest.fixture(scope="module")
def public_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return refreshed_once(tmp_path_factory, "public", "--raw", str(PUBLIC))


def test_public_drop_loads_alone_with_no_reject(public_warehouse: Path) -> None:
    con = duckdb.connect(str(public_warehouse.with_name("serving.duckdb")), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM quality.rejects").fetchone() == (0,)
        raw_root, sample = con.execute("SELECT raw_root, is_sample FROM meta.refresh").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert Path(raw_root) == PUBLIC and sample is False


def test_cited_figures_round_trip_into_the_marts(public_warehouse: Path) -> None:
    rows = indicators(public_warehouse, "--region", "000000", "--period-type", "year", "--full-precision")
    got = {(r["indicator_code"], r["period"]): r for r in rows}
    assert got[("ps_deaths", "2006")]["value"] == 112822  # docs360: 全年生产安全事故死亡 112822人
    assert got[("fire_deaths", "2024")]["value"] == 2001  # 亡2001人
    assert got[("nd_deaths_missing", "2013")]["value"] == 2284  # 1851人死亡,433人失踪
    # 3270.9亿元 ÷ 990865亿元 × 100
    assert got[("nd_loss_pct_gdp", "2019")]["value"] == pytest.approx(3270.9 / 990865 * 100)
    # 27412人 ÷ 1015986亿元 (NBS publishes 0.027 for 2020)
    assert got[("ps_deaths_per_100m_gdp", "2020")]["value"] == pytest.approx(27412 / 1015986)
    assert got[("nd_deaths_missing_per_1m_pop", "2024")]["value"] == pytest.approx(856 / 140828e4 * 1e6)
