"""Statistics for counts that are not independent Poisson events (docs/methods.md §3).

Deaths, injuries and 因灾死亡 count persons, and one accident or flood kills several at once: a
count of persons is a compound Poisson sum Y = Σ_j k_j over events j with k_j persons each, whose
variance is estimated by Σ k_j² (not Y). Series also vary from year to year more than Poisson
(over-dispersion φ). Both are carried by one dispersion factor D ≥ 1 (variance = D × count):

- `gamma_limits`: Fay & Feuer (1997) gamma limits for a weighted sum of Poisson counts, y with
  estimated variance v and largest weight w_M. With v = y and w_M = 1 (independent events) they
  are exactly the Garwood limits of `poisson.poisson_limits`; for clustered counts they widen
  with the clustering, and are conservative (coverage at least nominal in Fay & Feuer's and
  Tiwari et al.'s (2006) simulations, and in benchmarks/interval_coverage.md).
- `dispersed_rate_ratio_test`: the exact conditional test and Clopper–Pearson interval of
  `poisson.rate_ratio_test` on effective counts n/D and exposures E/D (the rate unchanged), with
  the binomial distribution extended to non-integer counts through the regularised incomplete
  beta function. D = 1 gives the exact Poisson test.
- `successive_difference_dispersion`: φ from a series' consecutive years (a von Neumann-type
  estimator that a smooth trend barely inflates): for years t−1, t with counts y0, y1 and
  exposures e0, e1, (y1 − y0·e1/e0)² has expectation φ·λ·e1·(1 + e1/e0) under a common rate λ.
- `calibrated_dispersion`: φ̂ × (t(1−α/2; m)/z(1−α/2))² for an estimate from m year pairs, the
  quasi-Poisson correction for a dispersion that is estimated, not known (without it the 95%
  intervals cover 90.8% in the worst over-dispersed case of benchmarks/interval_coverage.md;
  with it at least 94.5%).
- `benjamini_hochberg`: q-values controlling the false-discovery rate within a family of tests
  (the SQL in int_indicator_values__statistics computes the same; this is its reference).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from pipelines.lib.poisson import Float, RateRatioTest


def _as_float(x: ArrayLike) -> Float:
    return np.asarray(x, dtype=np.float64)


def gamma_limits(y: ArrayLike, v: ArrayLike, w_max: ArrayLike, alpha: float = 0.05) -> tuple[Float, Float]:
    """Fay–Feuer 1−alpha limits for the mean of y = Σ w_i x_i, x_i Poisson, with v = Σ w_i² x_i.

    lower = v/(2y) · χ²(α/2; 2y²/v)        (0 when y = 0)
    upper = (v + w²)/(2(y + w)) · χ²(1 − α/2; 2(y + w)²/(v + w²)),  w = w_M
    NaN for invalid input (negative or non-finite y, v < 0, w_M ≤ 0).
    """
    yy, vv, ww = _as_float(y), _as_float(v), _as_float(w_max)
    valid = np.isfinite(yy) & np.isfinite(vv) & np.isfinite(ww) & (yy >= 0) & (vv >= 0) & (ww > 0)
    y_, v_, w_ = np.where(valid, yy, 1.0), np.where(valid, vv, 1.0), np.where(valid, ww, 1.0)
    positive = valid & (yy > 0) & (vv > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v_pos = np.where(positive, v_, 1.0)
        low = np.where(positive, v_pos / (2 * y_) * stats.chi2.ppf(alpha / 2, 2 * y_**2 / v_pos), 0.0)
        vw, yw = v_ + w_**2, y_ + w_
        high = vw / (2 * yw) * stats.chi2.ppf(1 - alpha / 2, 2 * yw**2 / vw)
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def _binom_cdf(k: Float, n: Float, p: Float) -> Float:
    """P(X ≤ k), X ~ Binomial(n, p), continuous in k and n: I_{1−p}(n − k, k + 1)."""
    with np.errstate(invalid="ignore"):
        inner = special.betainc(np.maximum(n - k, 1e-300), k + 1, 1 - p)
    return np.where(k >= n, 1.0, np.where(k < 0, 0.0, inner))


def _binom_sf_from(k: Float, n: Float, p: Float) -> Float:
    """P(X ≥ k), continuous in k and n: I_p(k, n − k + 1); 1 at k ≤ 0."""
    with np.errstate(invalid="ignore"):
        inner = special.betainc(np.maximum(k, 1e-300), n - k + 1, p)
    return np.where(k <= 0, 1.0, np.where(k > n, 0.0, inner))


def dispersed_rate_ratio_test(
    n1: ArrayLike,
    e1: ArrayLike,
    d1: ArrayLike,
    n0: ArrayLike,
    e0: ArrayLike,
    d0: ArrayLike,
    alpha: float = 0.05,
) -> RateRatioTest:
    """rate1/rate0 (rate_i = n_i / e_i) with dispersion factors d_i ≥ 1 (variance = d_i · n_i).

    Effective counts m_i = n_i / d_i and exposures e_i / d_i keep each rate; under equal rates
    m1 ~ Binomial(m1 + m0, share), share = (e1/d1) / (e1/d1 + e0/d0). The p-value is the central
    one (twice the smaller tail, capped at 1) and agrees with the Clopper–Pearson interval.
    D below 1 (or missing) is taken as 1: the data never make the noise smaller than Poisson.
    """
    c1, c0 = _as_float(n1), _as_float(n0)
    x1, x0 = _as_float(e1), _as_float(e0)
    f1 = np.where(np.isfinite(_as_float(d1)), np.maximum(_as_float(d1), 1.0), 1.0)
    f0 = np.where(np.isfinite(_as_float(d0)), np.maximum(_as_float(d0), 1.0), 1.0)
    valid = (
        np.isfinite(c1) & np.isfinite(c0) & (c1 >= 0) & (c0 >= 0)
        & np.isfinite(x1) & np.isfinite(x0) & (x1 > 0) & (x0 > 0)
    )  # fmt: skip
    m1 = np.where(valid, c1 / f1, 0.0)
    m0 = np.where(valid, c0 / f0, 0.0)
    total = m1 + m0
    ex1 = np.where(valid, x1 / f1, 1.0)
    ex0 = np.where(valid, x0 / f0, 1.0)
    share = ex1 / (ex1 + ex0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = np.minimum(
            1.0, 2 * np.minimum(_binom_cdf(m1, total, share), _binom_sf_from(m1, total, share))
        )
        p_low = np.where(m1 > 0, stats.beta.ppf(alpha / 2, np.maximum(m1, 1e-300), total - m1 + 1), 0.0)
        p_high = np.where(m0 > 0, stats.beta.ppf(1 - alpha / 2, m1 + 1, np.maximum(total - m1, 1e-300)), 1.0)
        odds = ex0 / ex1
        ratio = np.where(c0 > 0, (c1 / x1) / (np.where(c0 > 0, c0, 1.0) / x0), np.nan)
        low = np.where(total > 0, p_low / (1 - p_low) * odds, np.nan)
        high = np.where((total > 0) & (p_high < 1), p_high / (1 - p_high) * odds, np.nan)
    nan = np.full(np.shape(m1), np.nan)
    return RateRatioTest(
        rate_ratio=np.where(valid, ratio, nan),
        low=np.where(valid, low, nan),
        high=np.where(valid, high, nan),
        p_value=np.where(valid & (total > 0), p_value, np.where(valid, 1.0, nan)),
    )


def successive_difference_dispersion(
    events: ArrayLike, exposure: ArrayLike | None = None
) -> tuple[float, int]:
    """(φ, number of year pairs used) from consecutive values of one series; φ NaN without pairs.

    Pairs with no events in either year carry no information and are skipped.
    """
    y = _as_float(events)
    e = np.ones_like(y) if exposure is None else _as_float(exposure)
    y0, y1, e0, e1 = y[:-1], y[1:], e[:-1], e[1:]
    keep = np.isfinite(y0) & np.isfinite(y1) & (e0 > 0) & (e1 > 0) & (y0 + y1 > 0)
    y0, y1, e0, e1 = y0[keep], y1[keep], e0[keep], e1[keep]
    if len(y0) == 0:
        return float("nan"), 0
    ratio = e1 / e0
    lam = (y0 + y1) / (e0 + e1)
    stat = (y1 - y0 * ratio) ** 2 / (lam * e1 * (1 + ratio))
    return float(stat.mean()), len(y0)


def calibrated_dispersion(phi: ArrayLike, pairs: ArrayLike, alpha: float = 0.05) -> Float:
    """φ̂·(t(1−α/2; m)/z(1−α/2))², m = pairs ≥ 1; NaN for fewer pairs or invalid φ̂."""
    ph, m = _as_float(phi), _as_float(pairs)
    valid = np.isfinite(ph) & np.isfinite(m) & (m >= 1)
    with np.errstate(invalid="ignore"):
        factor = (stats.t.ppf(1 - alpha / 2, np.where(valid, m, 1.0)) / stats.norm.ppf(1 - alpha / 2)) ** 2
    return np.where(valid, ph * factor, np.nan)


def benjamini_hochberg(p: ArrayLike) -> Float:
    """Benjamini–Hochberg (1995) q-values: q_(i) = min_{j ≥ i} m·p_(j)/j, capped at 1; NaN stays."""
    pv = _as_float(p)
    out = np.full(pv.shape, np.nan)
    ok = np.isfinite(pv)
    vals = pv[ok]
    m = len(vals)
    if m == 0:
        return out
    order = np.argsort(vals)
    ranked = vals[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    back = np.empty(m)
    back[order] = np.minimum(q, 1.0)
    out[ok] = back
    return out
