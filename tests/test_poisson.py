"""Exact Poisson intervals, the two-rate test and funnel limits against published tables and
statsmodels; the DuckDB UDFs against the same functions; the projection model on known data."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint

from pipelines.dbt_udfs import register
from pipelines.lib import poisson
from pipelines.lib.projection import History, Target, assess, fit_trend


def sig4(x: float) -> str:
    return f"{x:.4g}"


# Exact 95% limits for a Poisson mean, as tabulated (e.g. Sahai & Khurshid 1993, Table 1;
# Ulm 1990; Breslow & Day 1987, Appendix II): n, lower, upper, 4 significant figures.
PUBLISHED_95 = [
    (0, 0.0, 3.689),
    (1, 0.02532, 5.572),
    (2, 0.2422, 7.225),
    (5, 1.623, 11.67),
    (10, 4.795, 18.39),
    (100, 81.36, 121.6),
]


@pytest.mark.parametrize(("n", "low", "high"), PUBLISHED_95)
def test_exact_limits_match_published_tables(n: int, low: float, high: float) -> None:
    lo, hi = poisson.poisson_limits([n])
    assert sig4(lo[0]) == sig4(low)
    assert sig4(hi[0]) == sig4(high)


def test_exact_limits_match_statsmodels_for_many_counts() -> None:
    counts = np.arange(0, 400)
    lo, hi = poisson.poisson_limits(counts)
    for n in counts:
        ref_lo, ref_hi = sm_rates.confint_poisson(int(n), 1, method="exact-c")
        assert lo[n] == pytest.approx(ref_lo if n > 0 else 0.0, rel=1e-9, abs=1e-12)
        assert hi[n] == pytest.approx(ref_hi, rel=1e-9)


def test_limits_handle_missing_and_negative_input() -> None:
    lo, hi = poisson.poisson_limits([np.nan, -1, 3])
    assert np.isnan(lo[:2]).all() and np.isnan(hi[:2]).all()
    assert lo[2] < 3 < hi[2]


CASES = [  # n1, e1, n0, e0
    (2, 1, 3, 1),  # a county: 3 deaths → 2
    (1526, 1, 1859, 1),  # a province: −17.9%
    (0, 1, 4, 1),
    (7, 1, 0, 1),
    (30, 2.5e5, 12, 2.3e5),  # rates with exposures
    (15, 1, 60, 5),  # vs the mean of five previous years
    (11, 3.1, 25, 2.9),
]


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels' ratio with n0 = 0
@pytest.mark.parametrize(("n1", "e1", "n0", "e0"), CASES)
def test_rate_ratio_p_value_is_twice_the_smaller_exact_conditional_tail(n1, e1, n0, e0) -> None:
    res = poisson.rate_ratio_test([n1], [e1], [n0], [e0])
    larger = sm_rates.test_poisson_2indep(n1, e1, n0, e0, method="exact-cond", alternative="larger").pvalue
    smaller = sm_rates.test_poisson_2indep(n1, e1, n0, e0, method="exact-cond", alternative="smaller").pvalue
    assert res.p_value[0] == pytest.approx(min(1.0, 2 * min(larger, smaller)), rel=1e-9)


@pytest.mark.parametrize(("n1", "e1", "n0", "e0"), CASES)
def test_rate_ratio_interval_is_clopper_pearson_transformed(n1, e1, n0, e0) -> None:
    res = poisson.rate_ratio_test([n1], [e1], [n0], [e0])
    p_lo, p_hi = proportion_confint(n1, n1 + n0, alpha=0.05, method="beta")
    assert res.low[0] == pytest.approx(p_lo / (1 - p_lo) * e0 / e1, rel=1e-9, abs=1e-15)
    if p_hi < 1:
        assert res.high[0] == pytest.approx(p_hi / (1 - p_hi) * e0 / e1, rel=1e-9)
    else:
        assert np.isnan(res.high[0])
    if n0 > 0:
        assert res.rate_ratio[0] == pytest.approx((n1 / e1) / (n0 / e0))
        assert res.low[0] <= res.rate_ratio[0] <= res.high[0]


def test_small_county_change_is_noise_and_province_change_is_not() -> None:
    res = poisson.rate_ratio_test([2, 1526], [1, 1], [3, 1859], [1, 1])
    assert res.p_value[0] == 1.0
    assert res.p_value[1] < 1e-6
    assert res.high[1] < 1


def test_p_value_and_interval_never_disagree() -> None:
    # The central p-value is < 0.05 exactly when the 95% interval excludes 1.
    rng = np.random.default_rng(7)
    n1, n0 = rng.integers(0, 80, 3000), rng.integers(0, 80, 3000)
    e1, e0 = rng.uniform(0.5, 2, 3000), rng.uniform(0.5, 2, 3000)
    res = poisson.rate_ratio_test(n1, e1, n0, e0)
    excludes_one = (res.low > 1) | (np.nan_to_num(res.high, nan=np.inf) < 1)
    close = np.abs(res.p_value - 0.05) < 1e-9
    assert np.array_equal((res.p_value < 0.05)[~close], excludes_one[~close])


def test_udfs_compute_the_same_numbers_in_duckdb() -> None:
    con = duckdb.connect()
    register(con)
    # the marts' rate-ratio functions with dispersion 1 are the exact conditional Poisson test
    rows = con.sql(
        "SELECT poisson_ci_low(n), poisson_ci_high(n), dispersed_rr_ci_low(n, 1, 1, b, 1, 1), "
        "dispersed_rr_ci_high(n, 1, 1, b, 1, 1), dispersed_rr_p_value(n, 1, 1, b, 1, 1) "
        "FROM (VALUES (2.0, 3.0), (1526, 1859), (NULL, 4)) t(n, b)"
    ).fetchall()
    lo, hi = poisson.poisson_limits([2, 1526])
    rr = poisson.rate_ratio_test([2, 1526], [1, 1], [3, 1859], [1, 1])
    for i in range(2):
        assert rows[i] == pytest.approx((lo[i], hi[i], rr.low[i], rr.high[i], rr.p_value[i]))
    assert rows[2] == (None, None, None, None, None)


def test_funnel_limits_are_exact_poisson_quantiles_and_converge_to_normal() -> None:
    theta = 2e-5  # 2 deaths per 100,000
    exposure = np.array([1e4, 1e5, 1e6, 1e8])
    lo, hi = poisson.funnel_limits(theta, exposure, 0.95)
    from scipy import stats

    for e, low, high in zip(exposure, lo, hi, strict=True):
        mu = theta * e
        # The interpolated limit lies within the integer step that holds the exact quantile.
        assert stats.poisson.ppf(0.975, mu) - 1 <= high * e <= stats.poisson.ppf(0.975, mu)
        assert max(0, stats.poisson.ppf(0.025, mu) - 1) <= low * e <= stats.poisson.ppf(0.025, mu)
    z = stats.norm.ppf(0.975)
    assert hi[-1] == pytest.approx(theta + z * np.sqrt(theta / exposure[-1]), rel=2e-3)
    assert np.all(np.diff(hi) < 0)  # the funnel narrows as exposure grows


def test_overdispersion_detected_only_when_present() -> None:
    rng = np.random.default_rng(11)
    exposure = rng.uniform(1e5, 1e6, 40)
    theta = 5e-5
    plain = rng.poisson(theta * exposure)
    spread = rng.poisson(theta * exposure * rng.gamma(4, 0.25, 40))  # 50% between-unit CV
    calm = poisson.overdispersion(plain, exposure, theta)
    wild = poisson.overdispersion(spread, exposure, theta)
    assert not calm.overdispersed and calm.tau2 == 0
    assert wild.overdispersed and wild.phi > 2
    # τ ≈ 0.5·θ by construction (gamma with CV 0.5); winsorising shrinks it somewhat.
    assert 0.2 * theta < np.sqrt(wild.tau2) < 0.8 * theta


def test_trend_fit_recovers_a_known_rate_and_flags_overdispersion() -> None:
    years = list(range(2011, 2021))
    exposure = [1e5 * 1.03**i for i in range(10)]
    expected = [50 * 0.9**i * 1.03**i for i in range(10)]
    fit = fit_trend(History(years, np.round(expected), exposure))
    assert fit.method == "poisson_trend"
    assert np.exp(fit.coef[1]) == pytest.approx(0.9, abs=0.02)
    lumpy = fit_trend(History(years, [5, 60, 3, 70, 4, 80, 2, 90, 6, 50], [1.0] * 10))
    assert lumpy.method == "quasi_poisson_trend" and lumpy.dispersion > 10
    few = fit_trend(History([2019, 2020], [3, 2], [1.0, 1.0]))
    assert few.method == "constant_rate"


def test_attainment_probability_is_deterministic_and_sensible() -> None:
    history = History(list(range(2016, 2023)), [100, 95, 90, 86, 81, 77, 73], [1.0] * 7)
    easy = Target("t", "absolute_max", "final_year", 2021, 2025, 2025, 80.0, None, "count")
    hard = Target("t", "absolute_max", "final_year", 2021, 2025, 2025, 40.0, None, "count")
    a1, a2 = assess(easy, history, 2022), assess(easy, history, 2022)
    assert a1 == a2  # seeded: identical numbers on a re-run
    assert a1.probability is not None and a1.probability > 0.9
    assert a1.projected_value == pytest.approx(100 * 0.95**9, rel=0.1)
    hard_probability = assess(hard, history, 2022).probability
    assert hard_probability is not None and hard_probability < 0.05
    cap = Target("c", "cumulative_cap", "period_total", 2021, 2025, 2025, 2.0, None, "count")
    rare = History(list(range(2016, 2023)), [0, 1, 0, 0, 0, 1, 1], [1.0] * 7)
    spent = assess(cap, rare, 2022)  # 2 already used: meets only with zero in 2023–2025
    assert spent.method == "constant_rate"
    expected_zero_3y = np.exp(-3 * 3 / 7)  # roughly, at the observed rate 3/7 a year
    assert spent.probability == pytest.approx(expected_zero_3y, abs=0.1)


def test_target_rules_zero_direction_and_missing_years() -> None:
    from pipelines.lib.attainment import target_from_row

    quiet = History(list(range(2016, 2023)), [0, 0, 1, 0, 0, 0, 0], [1.0] * 7)
    zero = Target("z", "zero", "each_year", 2021, 2025, 2025, 0.0, None, "count")
    a = assess(zero, quiet, 2022)
    # 1 event in 7 years: P(no event in 3 more years) ≈ E[exp(−3λ)] under Gamma(1.5, 7) = (7/10)^1.5
    assert a.probability == pytest.approx((7 / 10) ** 1.5, abs=0.02)
    assert assess(zero, History([*quiet.years], [0, 0, 1, 0, 0, 1, 0], [1.0] * 7), 2022).probability == 0.0
    # direction without a baseline: judged by the fitted slope's 95% interval (below 0), not by the
    # last two years; flat 50s rarely end "declining" (tests/test_plan_projection_calibration.py)
    down = Target("d", "direction_down", "each_year", 2021, 2025, 2025, None, None, "count")
    steady = History(list(range(2016, 2023)), [50, 50, 50, 50, 50, 50, 50], [1.0] * 7)
    assert 0.005 < (assess(down, steady, 2022).probability or 0) < 0.15
    # a plan year without complete data: no projection rather than a guess
    holed = History([2016, 2017, 2018, 2019, 2020, 2022], [5, 6, 5, 4, 6, 5], [1.0] * 6)
    assert assess(zero, holed, 2022).method == "insufficient_data"
    # a five-year baseline total becomes a yearly level for period_total counts
    row = {
        "target_id": "x",
        "target_kind": "direction_down",
        "aggregation": "period_total",
        "plan_period": "2021-2025",
        "target_year": 2025,
        "target_abs": None,
        "baseline_used": 16.0,
        "baseline_year": "2016-2020",
        "indicator_kind": "count",
    }
    assert target_from_row(row).baseline_level == pytest.approx(3.2)


def test_amounts_use_quasi_likelihood_and_observed_plans_are_facts() -> None:
    losses = History(list(range(2016, 2024)), [900, 40, 3000, 120, 60, 2500, 80, 700], [100.0] * 8, False)
    cap = Target("l", "absolute_max", "annual_mean", 2021, 2025, 2025, 10.0, None, "rate")
    a = assess(cap, losses, 2023)
    assert a.method == "quasi_likelihood_trend" and a.dispersion is not None and a.dispersion > 10
    assert 0 < (a.probability or 0) < 1
    full = History(list(range(2016, 2026)), [5.0] * 10, [1.0] * 10)
    met = assess(Target("m", "absolute_max", "final_year", 2021, 2025, 2025, 5.0, None, "count"), full, 2025)
    assert (met.method, met.probability, met.fan) == ("observed", 1.0, [])
