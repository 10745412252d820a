"""Target probability, calibrated (issue 16 item 6): the spread of amounts with few years, t
rather than normal parameter draws, series breaks in the fit, and 持续下降 judged by the fitted
slope with its interval. Expected values are worked by hand in each docstring."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats

from pipelines.lib.attainment import break_years, first_full_year, trend_of, trend_targets
from pipelines.lib.plan_statuses import plan_statuses, plan_trends, trend_label
from pipelines.lib.projection import (
    History,
    Target,
    assess,
    draw_coefficients,
    fit_trend,
    slope_interval,
    trend_verdict,
)


def test_slope_of_a_halving_series_by_hand() -> None:
    """40, 20, 10 at t − t̄ = −1, 0, 1 is fitted exactly: b1 = −ln 2 = −0.6931, Pearson χ² = 0 so
    φ = 1 (plain Poisson, normal quantile). Information with μ = (40, 20, 10): Σμ = 70,
    Σxμ = −30, Σx²μ = 50; var(b1) = 70 / (70·50 − 30²) = 70/2600 = 0.026923, se = 0.16408;
    95% limits −0.6931 ± 1.95996 × 0.16408 = (−1.0147, −0.3716): declining."""
    b1, low, high = slope_interval([2019, 2020, 2021], np.array([40.0, 20.0, 10.0]), [1.0, 1.0, 1.0])
    se = math.sqrt(70 / 2600)
    assert b1[0] == pytest.approx(-math.log(2), abs=1e-9)
    assert low[0] == pytest.approx(-math.log(2) - 1.959964 * se, abs=1e-6)
    assert high[0] == pytest.approx(-math.log(2) + 1.959964 * se, abs=1e-6)
    assert trend_verdict(low[0], high[0]) == "declining"
    up = slope_interval([2019, 2020, 2021], np.array([10.0, 20.0, 40.0]), [1.0] * 3)
    assert trend_verdict(up[1][0], up[2][0]) == "rising"
    # two years are no slope (no degrees of freedom): no evidence of a trend
    two = slope_interval([2020, 2021], np.array([10.0, 8.0]), [1.0, 1.0])
    assert np.isnan(two[0][0]) and trend_verdict(two[1][0], two[2][0]) == "no_clear_trend"


def test_overdispersed_slope_uses_t_and_matches_statsmodels() -> None:
    """An over-dispersed count series: the interval is the quasi-Poisson Wald interval with
    t(n − 2) quantiles: statsmodels' GLM with scale = Pearson χ²/df, b1 ± t(0.975; 6)·se."""
    y = np.array([45.0, 15, 40, 21, 39, 15, 21, 14])
    b1, low, high = slope_interval(list(range(2015, 2023)), y, [1.0] * 8)
    x = np.column_stack([np.ones(8), np.arange(8) - 3.5])
    ref = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    half = stats.t.ppf(0.975, 6) * ref.bse[1]
    assert b1[0] == pytest.approx(ref.params[1], abs=1e-8)
    assert (low[0], high[0]) == pytest.approx((ref.params[1] - half, ref.params[1] + half), abs=1e-8)
    assert trend_verdict(low[0], high[0]) == "no_clear_trend"  # (−0.276, 0.051) includes 0


def test_parameter_draws_are_t_with_residual_df_when_dispersion_is_estimated() -> None:
    """Five years, over-dispersed: quasi-Poisson with df = 5 − 2 = 3. The standardised slope
    draws have 95th percentile t(0.95; 3) = 2.353, not z = 1.645 (the 90% interval is 1.43 times
    wider). A plain Poisson fit (φ fixed at 1) keeps normal draws."""
    fit = fit_trend(History(list(range(2016, 2021)), [45.0, 15, 40, 21, 39], [1.0] * 5))
    assert (fit.method, fit.df) == ("quasi_poisson_trend", 3)
    z = (draw_coefficients(fit, np.random.default_rng(0), 400_000)[:, 1] - fit.coef[1]) / math.sqrt(
        fit.cov[1, 1]
    )
    assert np.quantile(z, 0.95) == pytest.approx(2.353, abs=0.03)
    plain = fit_trend(History(list(range(2016, 2021)), [30.0, 30, 30, 30, 30], [1.0] * 5))
    assert (plain.method, plain.df) == ("poisson_trend", 0)
    zp = (draw_coefficients(plain, np.random.default_rng(0), 400_000)[:, 1] - plain.coef[1]) / math.sqrt(
        plain.cov[1, 1]
    )
    assert np.quantile(zp, 0.95) == pytest.approx(1.645, abs=0.02)


def test_amount_with_two_years_gets_a_spread_and_with_one_year_no_probability() -> None:
    """Losses 100 and 300 (exposure 1): constant mean 200, φ = [(100−200)²/200 + (300−200)²/200]/1
    = 100, var(log mean) = φ/Σμ = 100/400 = 0.25, t with 1 df. A year is then Gamma(shape μ/φ = 2,
    scale 100) around a very uncertain mean: the probability of ≤ 250 is far from 0 or 1 (without
    parameter uncertainty it would be 1 − e^−2.5·3.5 = 0.713). Before, the amount was held at 200
    exactly and the probability was 1.00. One year: no spread to estimate, no probability."""
    cap = Target("loss", "absolute_max", "final_year", 2021, 2021, 2021, 250.0, None, "count")
    two = History([2019, 2020], [100.0, 300.0], [1.0, 1.0], is_count_data=False)
    fit = fit_trend(two)
    assert (fit.method, fit.df) == ("quasi_likelihood_constant", 1)
    assert fit.dispersion == pytest.approx(100.0)
    assert fit.cov[0, 0] == pytest.approx(0.25)
    a = assess(cap, two, 2020)
    assert a.method == "quasi_likelihood_constant"
    assert a.probability == pytest.approx(0.61, abs=0.04)  # simulated: 0.612
    assert (
        a.projected_low is not None
        and a.projected_high is not None
        and a.projected_high > 3 * a.projected_low
    )
    one = assess(cap, History([2020], [300.0], [1.0], is_count_data=False), 2020)
    assert (one.method, one.probability, one.fit_note, one.fan) == (
        "too_few_years",
        None,
        "too_few_years",
        [],
    )
    # years of zero losses: no spread either (not "too few years": all_zero)
    zeros = assess(
        cap, History([2016, 2017, 2018, 2019, 2020], [0.0] * 5, [1.0] * 5, is_count_data=False), 2020
    )
    assert (zeros.method, zeros.probability, zeros.fit_note) == ("all_zero", None, "all_zero")
    # a count with one year still has its Jeffreys posterior
    assert assess(cap, History([2020], [300.0], [1.0]), 2020).method == "constant_rate"


def test_a_series_break_starts_the_fit_after_it() -> None:
    """100 a year in 2016–2020, then 200 a year on a new definition from 2021 (unrestated break).
    Fitted across the break the trend climbs (the 2025 projection far above 200); fitted from
    2021 it is flat at 200: var(b0) = 1/600, var(b1) = 1/(2·200) = 1/400, so log μ(2025) (x = 3)
    has variance 1/600 + 9/400 = 0.0242 (sd 0.155, ≈ 31 on 200); with Poisson noise (200) the sd
    is √(961 + 200) ≈ 34 and P(Y ≤ 230) ≈ Φ(30.5/34) = Φ(0.90) ≈ 0.81."""
    history = History(list(range(2016, 2024)), [100.0] * 5 + [200.0] * 3, [1.0] * 8)
    target = Target("fire", "absolute_max", "final_year", 2021, 2025, 2025, 230.0, None, "count")
    across = assess(target, history, 2023)
    after = assess(target, history, 2023, breaks=(2021,))
    assert across.years_used == tuple(range(2016, 2024)) and across.fit_note is None
    assert after.years_used == (2021, 2022, 2023) and after.fit_note == "series_break:2021"
    assert across.projected_value is not None and across.projected_value > 260
    assert after.projected_value is not None and abs(after.projected_value - 200) < 15
    assert after.probability == pytest.approx(0.81, abs=0.04)
    # a break the data has not reached yet does not cut the fit
    assert assess(target, history, 2023, breaks=(2026,)).years_used == tuple(range(2016, 2024))


def test_break_years_from_the_seed() -> None:
    """A 1 January break starts its own year; a mid-year one (2025-05-01) the next full year;
    a restated break (earlier years recomputed) is no break for the fit."""
    assert first_full_year(dt.date(2021, 1, 1)) == 2021
    assert first_full_year("2025-05-01") == 2026
    seed = pl.DataFrame(
        {
            "measure_code": ["fire_count", "fire_deaths", "fire_deaths", "road_deaths"],
            "effective_from": [
                dt.date(2021, 1, 1),
                dt.date(2021, 1, 1),
                dt.date(2025, 5, 1),
                dt.date(2019, 1, 1),
            ],
            "restated_base": [False, False, False, True],
        }
    )
    indicators = pl.DataFrame(
        {
            "indicator_code": ["fire_count", "fire_deaths_per_100k", "road_deaths"],
            "numerator_measure": ["fire_count", "fire_deaths", "road_deaths"],
        }
    )
    assert break_years(seed, indicators) == {"fire_count": (2021,), "fire_deaths_per_100k": (2021, 2026)}


def test_direction_target_judged_by_slope_and_its_probability() -> None:
    """持续下降 without a baseline. Halving 40, 20, 10 over 2019–2021 (plan 2021–2025): declining
    by the slope worked above. A flat 50 a year for 2016–2022: the probability that the slope
    fitted over 2016–2025 ends with its 95% interval below 0 is small (under a flat rate about
    2.5%, plus the chance that the drawn rate drifts down) — before, it was the chance that 2025
    is below 2024, ≈ 0.48."""
    down = Target("d", "direction_down", "each_year", 2021, 2025, 2025, None, None, "count")
    halving = History([2019, 2020, 2021], [40.0, 20.0, 10.0], [1.0] * 3)
    verdict = trend_of(down, halving)
    assert verdict["trend"] == "declining" and verdict["slope"] == pytest.approx(-math.log(2))
    assert (verdict["trend_first_year"], verdict["trend_last_year"], verdict["trend_years"]) == (
        2019,
        2021,
        3,
    )
    steady = History(list(range(2016, 2023)), [50.0] * 7, [1.0] * 7)
    p = assess(down, steady, 2022).probability
    assert p is not None and 0.005 < p < 0.15
    falling = History(list(range(2016, 2026)), [100.0, 90, 80, 72, 65, 58, 52, 47, 42, 38], [1.0] * 10)
    observed = assess(down, falling, 2025)
    assert (observed.method, observed.probability) == ("observed", 1.0)


def test_trend_targets_table_and_vocabulary() -> None:
    targets = pl.DataFrame(
        {
            "target_id": ["d", "x"],
            "region_code": ["R", "R"],
            "indicator_code": ["ps_accidents", "ps_accidents"],
            "plan_period": ["2021-2025", "2021-2025"],
            "target_year": [2025, 2025],
            "target_kind": ["direction_down", "absolute_max"],
            "aggregation": ["each_year", "final_year"],
            "indicator_kind": ["count", "count"],
        }
    )
    annual = pl.DataFrame(
        {
            "region_code": ["R"] * 3,
            "indicator_code": ["ps_accidents"] * 3,
            "year": [2019, 2020, 2021],
            "value": [40.0, 20.0, 10.0],
            "numerator": [40.0, 20.0, 10.0],
            "denominator": [None, None, None],
            "scale": [None, None, None],
            "indicator_kind": ["count"] * 3,
            "completeness": ["complete"] * 3,
            "poisson": [True] * 3,
        }
    )
    rows = trend_targets(targets, annual).to_pylist()
    assert [(r["target_id"], r["trend"]) for r in rows] == [("d", "declining")]
    assert set(plan_trends()) == {"declining", "no_clear_trend", "rising"}
    assert trend_label("no_clear_trend", "en") == "No evidence of a trend"
    assert trend_label("no_clear_trend") == "无明显趋势"
    # the verdicts map onto existing statuses: the status vocabulary is unchanged
    assert {"on_track", "at_risk", "off_track", "met"} <= set(plan_statuses())
