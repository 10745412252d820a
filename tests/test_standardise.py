"""Sector-mix standardisation of the 工矿商贸 death rate (pipelines/lib/standardise.py), its UDFs,
the standard-population seed and the sample's workers by sector, against hand-computed values."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipelines import dbt_udfs
from pipelines.lib.contracts import DENOMINATORS
from pipelines.lib.dispersion import gamma_limits
from pipelines.lib.standardise import crude, standardise
from pipelines.samplegen import DEFAULT_SEED, reference, sectors

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "dbt_project" / "seeds"

# Garwood exact Poisson 95% limits (tabulated): 2 deaths (0.2422, 7.2247), 0 deaths (0, 3.6889)
GARWOOD_2 = (0.242209, 7.224688)
GARWOOD_0_HIGH = 3.688879


def test_two_sectors_by_hand() -> None:
    # X: 2 deaths / 10,000 workers, Y: 3 / 60,000; standard 0.4 X + 0.6 Y
    # y = 0.4·2e-4 + 0.6·5e-5 = 1.1e-4 (11 per 10^5); crude 5 / 70,000 = 7.142857 per 10^5
    # v = (0.4/1e4)²·2 + (0.6/6e4)²·3 = 3.5e-9; w_M = 4e-5
    # low df = 2y²/v = 6.914286, high df = 2(y+w_M)²/(v+w_M²) = 8.823529
    r = standardise({"X": 2, "Y": 3}, {"X": 10_000, "Y": 60_000}, {"X": 0.4, "Y": 0.6})
    assert r is not None
    assert r.rate * 1e5 == pytest.approx(11.0)
    assert r.share_covered == 1.0
    assert r.low * 1e5 == pytest.approx(2.624221, abs=1e-6)
    assert r.high * 1e5 == pytest.approx(31.895914, abs=1e-6)
    assert crude([2, 3], [10_000, 60_000]) * 1e5 == pytest.approx(7.142857, abs=1e-6)


def test_one_sector_is_the_exact_poisson_interval() -> None:
    # one stratum of weight 1: y = d/n, v = d/n², w_M = 1/n -> Garwood limits / n
    r = standardise({"X": 2}, {"X": 100_000}, {"X": 1.0})
    assert r is not None
    assert r.rate == pytest.approx(2e-5)
    assert (r.low * 1e5, r.high * 1e5) == pytest.approx(GARWOOD_2, abs=1e-5)


def test_the_regions_own_mix_as_standard_gives_the_crude_rate_and_its_poisson_interval() -> None:
    # w_s = n_s / N: y = D/N, v = D/N², w_M = 1/N -> crude rate with Garwood limits for D = 2
    r = standardise({"X": 1, "Y": 1}, {"X": 25_000, "Y": 75_000}, {"X": 0.25, "Y": 0.75})
    assert r is not None
    assert r.rate == pytest.approx(2e-5)
    assert (r.low * 1e5, r.high * 1e5) == pytest.approx(GARWOOD_2, abs=1e-5)


def test_zero_deaths_has_a_zero_lower_limit() -> None:
    r = standardise({}, {"X": 100_000}, {"X": 1.0})
    assert r is not None
    assert (r.rate, r.low) == (0.0, 0.0)
    assert r.high * 1e5 == pytest.approx(GARWOOD_0_HIGH, abs=1e-5)


def test_absent_sector_is_left_out_and_the_weights_rescaled() -> None:
    # X has 0 workers and 0 deaths: Y carries the whole standard, y = 2 / 100,000
    r = standardise({"Y": 2}, {"X": 0, "Y": 100_000}, {"X": 0.25, "Y": 0.75})
    assert r is not None
    assert r.share_covered == 0.75
    assert r.rate == pytest.approx(2e-5)
    assert (r.low * 1e5, r.high * 1e5) == pytest.approx(GARWOOD_2, abs=1e-5)


@pytest.mark.parametrize(
    ("deaths", "workers"),
    [
        ({"X": 1}, {"X": 0, "Y": 100}),  # deaths without workers
        ({"Y": 1}, {"Y": 100}),  # X not published
        ({"Y": 1}, {"X": None, "Y": 100}),
        ({}, {"X": 0, "Y": 0}),  # no workers at all
    ],
)
def test_not_standardised(deaths: dict[str, float], workers: dict[str, float | None]) -> None:
    assert standardise(deaths, workers, {"X": 0.5, "Y": 0.5}) is None


def test_limits_are_nan_for_invalid_input() -> None:
    low, high = gamma_limits(
        np.array([np.nan, -1.0, 0.0, 1.0]), np.array([1.0, 1.0, 0.0, 1.0]), [1.0, 1.0, 1.0, 0.0]
    )
    assert np.isnan(low[0]) and np.isnan(low[1]) and low[2] == 0.0 and np.isnan(low[3])
    assert np.isnan(high[[0, 1, 3]]).all()


def test_udfs_registered_for_dbt() -> None:
    con = duckdb.connect()
    dbt_udfs.register(con)
    row = con.execute(
        "select dispersed_ci_low(1.1e-4, 3.5e-9, 4e-5) * 1e5, dispersed_ci_high(1.1e-4, 3.5e-9, 4e-5) * 1e5,"
        " dispersed_ci_low(0, 0, 1), dispersed_ci_high(null, 1, 1)"
    ).fetchone()
    assert row is not None
    low, high, zero, null = row
    assert (low, high) == pytest.approx((2.624221, 31.895914), abs=1e-6)
    assert (zero, null) == (0.0, None)


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_standard_population_weights_sum_to_one_over_imc_sectors() -> None:
    imc = {r["sector_code"] for r in _rows("sectors.csv") if r["in_imc"] == "true"}
    by_standard: dict[str, dict[str, float]] = defaultdict(dict)
    for r in _rows("standard_populations.csv"):
        by_standard[r["standard_code"]][r["sector_code"]] = float(r["weight"])
        assert "SYNTHETIC" in r["basis"] or r["standard_code"].startswith("national")
    assert by_standard
    for weights in by_standard.values():
        assert set(weights) == imc
        assert sum(weights.values()) == pytest.approx(1.0)


def test_contract_sector_is_an_optional_key_column() -> None:
    assert not DENOMINATORS.column("sector").required
    assert "sector" in DENOMINATORS.key_columns
    assert "行业领域" in DENOMINATORS.column("sector").zh


def test_sample_sector_workers_add_up_to_the_published_total() -> None:
    den = reference.base_denominators(DEFAULT_SEED)
    for unit in sectors.UNITS:
        workers = sectors.sector_workers(DEFAULT_SEED, den, unit)
        for year in reference.DENOM_YEARS:
            parts = [v for (y, _s), v in workers.items() if y == year]
            assert len(parts) == len(sectors.SECTOR_RISK)
            assert sum(parts) == den[(unit.code, "imc_employees", year)]
    bb = sectors.sector_workers(DEFAULT_SEED, den, next(u for u in sectors.UNITS if u.code == "500109"))
    assert bb[(2018, "煤矿")] > 0 and bb[(2019, "煤矿")] == 0  # 北碚 closed its coal mines in 2018


def test_split_keeps_the_exact_sum() -> None:
    assert sectors.split(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert sectors.split(7, np.array([0.0, 2.0, 1.0])).tolist() == [0, 5, 2]


def _load_denominators(con: duckdb.DuckDBPyConnection, root: Path, lines: list[str]) -> None:
    import datetime as dt

    from pipelines.ingest.loader import load_source

    path = root / "denominators" / "d.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_source(
        con,
        DENOMINATORS,
        root,
        "L1",
        window=None,
        date_range=(dt.date(2011, 1, 1), dt.date(2026, 10, 1)),
        progress=lambda _m: None,
    )


def test_sector_rows_load_beside_the_total_and_repeat_only_with_the_same_sector(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    _load_denominators(
        con,
        tmp_path,
        [
            "行政区划代码,统计期,指标名称,行业领域,数值,计量单位,发布日期,资料来源",
            "371521,2023,工矿商贸就业人员,,19.0,万人,2024-04-10,x",  # the total (no sector)
            "371521,2023,工矿商贸就业人员,建筑业,6.4,万人,2024-04-10,x",
            "371521,2023,工矿商贸就业人员,工贸行业,12.6,万人,2024-04-10,x",
            "371521,2023,工矿商贸就业人员,建筑业,6.5,万人,2024-04-10,x",  # same key as row 3
            "371521,2023,工矿商贸就业人员,,19.1,万人,2024-04-10,x",  # same key as row 2
        ],
    )
    loaded = con.execute("SELECT sector, value FROM raw.denominators ORDER BY _row_number").fetchall()
    assert loaded == [(None, 19.0), ("建筑业", 6.4), ("工贸行业", 12.6)]
    rejects = con.execute("SELECT row_number, rule FROM raw.rejects ORDER BY row_number").fetchall()
    assert rejects == [(5, "duplicate_key"), (6, "duplicate_key")]


def test_a_denominators_table_from_before_the_sector_column_gains_it(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE SCHEMA raw")
    old = [c for c in DENOMINATORS.columns if c.name != "sector"]
    con.execute(
        "CREATE TABLE raw.denominators ("
        + ", ".join(f'"{c.name}" VARCHAR' if c.dtype != "float" else f'"{c.name}" DOUBLE' for c in old)
        + ", _file_path VARCHAR, _file_sha256 VARCHAR, _row_number BIGINT, _load_id VARCHAR,"
        " _loaded_at TIMESTAMP, _released_on DATE)"
    )
    _load_denominators(
        con,
        tmp_path,
        [
            "region_code,period,measure,sector,value,unit,released_on,source",
            "331102,2023,imc_employees,construction,4.8,10k persons,2024-04-02,x",
        ],
    )
    assert con.execute("SELECT sector, value FROM raw.denominators").fetchall() == [("construction", 4.8)]
