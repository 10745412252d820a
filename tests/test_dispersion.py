"""Clustered and over-dispersed counts (pipelines/lib/dispersion.py), against hand-computed values.

χ² quantiles used by hand (any statistical table): χ²(0.025; 20) = 9.5908, χ²(0.975; 22) = 36.781.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipelines import dbt_udfs
from pipelines.lib import dispersion, poisson


def test_gamma_limits_are_garwood_for_independent_events() -> None:
    n = np.arange(0, 400, dtype=float)
    low, high = dispersion.gamma_limits(n, n, np.ones_like(n))
    p_low, p_high = poisson.poisson_limits(n)
    np.testing.assert_allclose(low, p_low, rtol=1e-12)
    np.testing.assert_allclose(high, p_high, rtol=1e-12)


def test_ten_accidents_of_ten_deaths_get_an_interval_over_twice_as_wide() -> None:
    """y = 100 deaths in 10 events of 10: v = Σk² = 1000, w_M = 10.
    lower = 1000/200 · χ²(0.025; 2·100²/1000 = 20) = 5 × 9.5908 = 47.95
    upper = 1100/220 · χ²(0.975; 2·110²/1100 = 22) = 5 × 36.781 = 183.90
    Poisson (Garwood) for 100: 81.36–121.63, 40.3 wide; this one is 135.9 wide (3.4×)."""
    low, high = dispersion.gamma_limits(100, 1000, 10)
    assert float(low) == pytest.approx(47.954, abs=1e-3)
    assert float(high) == pytest.approx(183.904, abs=1e-3)
    p_low, p_high = poisson.poisson_limits(100)
    assert float(high - low) >= 2 * float(p_high - p_low)


def test_gamma_limits_zero_count_and_invalid_input() -> None:
    # y = 0 with events of up to 10 persons: upper = w/2 · χ²(0.975; 2) = 10 × 3.6889 = 36.89
    low, high = dispersion.gamma_limits([0.0, -1.0, np.nan], [0.0, 1.0, 1.0], [10.0, 1.0, 1.0])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(36.889, abs=1e-3)
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()


@pytest.mark.parametrize(
    ("n1", "e1", "n0", "e0"), [(0, 1, 5, 1), (3, 2, 3, 1), (10, 1, 0, 1), (40, 3, 20, 2), (57, 1, 80, 1)]
)
def test_dispersion_one_is_the_exact_poisson_test(n1: float, e1: float, n0: float, e0: float) -> None:
    got = dispersion.dispersed_rate_ratio_test(n1, e1, 1.0, n0, e0, 1.0)
    want = poisson.rate_ratio_test(n1, e1, n0, e0)
    for field in ("rate_ratio", "low", "high", "p_value"):
        np.testing.assert_allclose(getattr(got, field), getattr(want, field), rtol=1e-9, equal_nan=True)


def test_clustered_yoy_against_a_similar_year_is_not_flagged() -> None:
    """100 deaths in 10 accidents of 10 against 60 in 6 of 10: as independent deaths the rise is
    'significant' (p = 0.0020); with D = 10 both are 10 and 6 effective events: p = 0.454."""
    plain = poisson.rate_ratio_test(100, 1, 60, 1)
    assert float(plain.p_value) == pytest.approx(0.00195, abs=1e-5)
    clustered = dispersion.dispersed_rate_ratio_test(100, 1, 10, 60, 1, 10)
    assert float(clustered.p_value) == pytest.approx(0.4545, abs=1e-3)
    assert float(clustered.rate_ratio) == pytest.approx(100 / 60)
    assert float(clustered.low) < 1 < float(clustered.high)
    # dispersion below 1 is never believed
    below = dispersion.dispersed_rate_ratio_test(100, 1, 0.5, 60, 1, 0.5)
    assert float(below.p_value) == pytest.approx(float(plain.p_value))


def test_p_value_and_interval_agree_with_non_integer_effective_counts() -> None:
    rng = np.random.default_rng(7)
    n1, n0 = rng.integers(0, 300, 500).astype(float), rng.integers(0, 300, 500).astype(float)
    d1, d0 = rng.uniform(1, 6, 500), rng.uniform(1, 6, 500)
    r = dispersion.dispersed_rate_ratio_test(n1, 1.0, d1, n0, 1.0, d0)
    ok = np.isfinite(r.low) & np.isfinite(r.high) & (np.abs(r.p_value - 0.05) > 1e-6)
    excludes_one = (r.low > 1) | (r.high < 1)
    assert ((r.p_value[ok] < 0.05) == excludes_one[ok]).all()


def test_successive_difference_dispersion_by_hand() -> None:
    # counts 10, 12, 9, 11, 10: (2²/22 + 3²/21 + 2²/20 + 1²/21) / 4 = 0.2145
    phi, pairs = dispersion.successive_difference_dispersion([10, 12, 9, 11, 10])
    assert pairs == 4
    assert phi == pytest.approx((4 / 22 + 9 / 21 + 4 / 20 + 1 / 21) / 4)
    # a rate: 10 on exposure 1, then 30 on 2: λ = 40/3, (30 − 20)² / (λ·2·3) = 1.25
    assert dispersion.successive_difference_dispersion([10, 30], [1, 2]) == (pytest.approx(1.25), 1)
    # the same rate twice: no dispersion; no events: no information
    assert dispersion.successive_difference_dispersion([10, 20], [1, 2])[0] == 0.0
    assert dispersion.successive_difference_dispersion([0, 0, 0])[1] == 0


def test_estimated_dispersion_is_calibrated_like_a_t_quantile() -> None:
    # t(0.975; 5) = 2.5706, z = 1.9600: factor (2.5706/1.96)² = 1.7202; from 100 pairs
    # t(0.975; 100) = 1.9840: (1.9840/1.9600)² = 1.0246
    got = dispersion.calibrated_dispersion([4.0, 1.0, 1.0, 2.0], [5, 100, 0, np.nan])
    assert got[0] == pytest.approx(4 * (2.570582 / 1.959964) ** 2, rel=1e-6)
    assert got[1] == pytest.approx(1.0246, abs=1e-4)
    assert np.isnan(got[2:]).all()


def test_benjamini_hochberg_by_hand() -> None:
    # sorted .01 .03 .04 .5, m = 4: 4p/i = .04 .06 .0533 .5, running min from the top
    q = dispersion.benjamini_hochberg([0.01, 0.04, 0.03, 0.5, np.nan])
    np.testing.assert_allclose(q[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(q[4])


def test_udfs_compute_the_same_numbers_in_duckdb() -> None:
    con = duckdb.connect()
    dbt_udfs.register(con)
    row = con.execute(
        "select dispersed_ci_low(100, 1000, 10), dispersed_ci_high(100, 1000, 10),"
        " dispersed_rr_p_value(100, 1, 10, 60, 1, 10), dispersed_rr_ci_low(100, 1, 10, 60, 1, 10),"
        " dispersed_ci_low(null, 1, 1)"
    ).fetchone()
    assert row is not None
    assert row[0] == pytest.approx(47.954, abs=1e-3)
    assert row[1] == pytest.approx(183.904, abs=1e-3)
    assert row[2] == pytest.approx(0.4545, abs=1e-3)
    want = dispersion.dispersed_rate_ratio_test(100, 1, 10, 60, 1, 10)
    assert row[3] == pytest.approx(float(want.low))
    assert row[4] is None


def test_registry_names_a_count_model_for_every_measure() -> None:
    """Persons cluster in events (compound Poisson); events are Poisson; amounts get no model;
    the older `poisson` flag agrees."""
    import csv

    from tests.conftest import ROOT

    rows = list(csv.DictReader((ROOT / "dbt_project/seeds/measures.csv").open(encoding="utf-8")))
    assert {r["count_model"] for r in rows} == {"poisson", "compound_poisson", "none"}
    for r in rows:
        assert (r["poisson"] == "true") == (r["count_model"] != "none"), r["measure_code"]
        if r["dimension"] in ("money", "area", "person_times", "houses", "times", "items"):
            assert r["count_model"] == "none", r["measure_code"]
        if r["count_model"] == "compound_poisson":
            assert r["dimension"] == "persons", r["measure_code"]
        if r["count_model"] == "poisson":
            assert r["dimension"] == "events", r["measure_code"]
    models = {r["measure_code"]: r["count_model"] for r in rows}
    assert models["ps_deaths"] == "compound_poisson" and models["ps_accidents"] == "poisson"
    assert models["nd_direct_loss"] == "none"
