"""Binomial funnel limits and over-dispersion for proportions (pipelines/lib/proportions.py)
against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.lib import poisson, proportions


def test_exact_binomial_limits_with_spiegelhalter_interpolation() -> None:
    """p0 = 0.9, n = 50, computed independently by scanning scipy.stats.binom.cdf for the
    smallest r with F(r) ≥ p, then a = (F(r) − p)/(F(r) − F(r−1)), limit = (r − a)/n:

    - p = 0.025: r = 41, F(41) = 0.0578672, F(40) = 0.0245379, a = 0.9861364 → 0.8002773
    - p = 0.975: r = 49, F(49) = 0.9948462, F(48) = 0.9662141, a = 0.6931463 → 0.9661371
    - p = 0.001: r = 37, F(37) = 0.0010046, F(36) = 0.0002851, a = 0.0064209 → 0.7398716
    - p = 0.999: r = 50, F(50) = 1, F(49) = 0.9948462, a = 0.1940325 → 0.9961193

    Poisson limits at the same expected count (45 of 50) would be 0.637–1.162 (95%): past 100%.
    """
    lo, hi = proportions.funnel_limits(0.9, [50], 0.95)
    assert (lo[0], hi[0]) == pytest.approx((0.8002773, 0.9661371), abs=1e-7)
    lo, hi = proportions.funnel_limits(0.9, [50.0], 0.998)  # counts loaded as doubles
    assert (lo[0], hi[0]) == pytest.approx((0.7398716, 0.9961193), abs=1e-7)
    p_lo, p_hi = poisson.funnel_limits(0.9, [50], 0.95)
    assert (p_lo[0], p_hi[0]) == pytest.approx((0.6365977, 1.1622392), abs=1e-6)


def test_limits_narrow_with_n_towards_the_normal_ones_and_stay_in_0_1() -> None:
    n = np.array([5, 20, 100, 1000, 100000])
    lo, hi = proportions.funnel_limits(0.9, n, 0.998)
    assert np.all(np.diff(hi - lo) < 0) and np.all(lo >= 0) and np.all(hi <= 1)
    half = 1.959964 * np.sqrt(0.9 * 0.1 / 100000)  # 0.0018594
    lo, hi = proportions.funnel_limits(0.9, [100000], 0.95)
    assert (lo[0], hi[0]) == pytest.approx((0.9 - half, 0.9 + half), abs=2e-5)


def test_degenerate_targets_give_the_target_itself() -> None:
    lo, hi = proportions.funnel_limits(1.0, [50, 200], 0.95)  # every hazard found was rectified
    assert list(lo) == [1.0, 1.0] and list(hi) == [1.0, 1.0]
    lo, hi = proportions.funnel_limits(0.0, [50], 0.998)
    assert (lo[0], hi[0]) == (0.0, 0.0)


def test_overdispersion_on_the_proportion_scale() -> None:
    """p0 = 0.5, five units of n = 100 with 50, 60, 40, 70, 30 successes: s = √(0.25/100) = 0.05,
    z = 0, 2, −2, 4, −4; winsorised at the 10%/90% quantiles ±3.2 (linear between −4 and −2);
    φ = (0 + 4 + 4 + 10.24 + 10.24)/5 = 5.696; 5φ = 28.48 > χ²₀.₉₅(4) = 9.488: over-dispersed;
    w = 400 each, Σw − Σw²/Σw = 2000 − 400 = 1600, τ² = (28.48 − 4)/1600 = 0.0153.
    95% limits at n = 100: 0.5 ± 1.959964·√(0.0025 + 0.0153) = 0.2385082 and 0.7614918."""
    od = proportions.overdispersion([50, 60, 40, 70, 30], [100] * 5, 0.5)
    assert od.overdispersed and od.n_units == 5
    assert (od.phi, od.tau2) == pytest.approx((5.696, 0.0153))
    lo, hi = proportions.funnel_limits_overdispersed(0.5, [100], 0.95, od.tau2)
    assert (lo[0], hi[0]) == pytest.approx((0.2385082, 0.7614918), abs=1e-7)
    # z = 0, 0.4, −0.4, 0.2, −0.2: φ well below 1, no widening
    calm = proportions.overdispersion([50, 52, 48, 51, 49], [100] * 5, 0.5)
    assert not calm.overdispersed and calm.tau2 == 0.0
    # too few units, or a degenerate target: no test
    assert not proportions.overdispersion([1, 2], [10, 10], 0.5).overdispersed
    assert not proportions.overdispersion([10, 10, 10], [10, 10, 10], 1.0).overdispersed


def test_overdispersed_limits_are_clipped_to_0_1() -> None:
    lo, hi = proportions.funnel_limits_overdispersed(0.95, [10], 0.998, 0.01)
    assert hi[0] == 1.0 and 0 < lo[0] < 0.95
