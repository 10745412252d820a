"""Exact Poisson statistics for counts of events and rates built on them.

Pure, vectorised functions (numpy arrays in, numpy arrays out) used by the dbt UDF plugin
(`pipelines.dbt_udfs`), the attainment projection and the dashboard's funnel plot.
References and plain-language explanations: docs/methods.md.

- `poisson_limits`: exact (Garwood 1936) two-sided limits for a Poisson mean given n events,
  via the chi-square / gamma quantiles: L = χ²(α/2; 2n)/2, U = χ²(1−α/2; 2n+2)/2.
- `rate_ratio_test`: two Poisson rates with exposures (Przyborowski & Wilenski 1940): given
  N = n1 + n0 events, n1 ~ Binomial(N, E1/(E1+E0)) under equal rates. The p-value is the
  central one (twice the smaller tail, capped at 1) so that it always agrees with the
  Clopper–Pearson interval for the rate ratio: p < α exactly when the interval excludes 1
  (Fay 2010). statsmodels' default "minlike" p-value can disagree with its own interval.
- `funnel_limits`, `overdispersion`: Spiegelhalter (2005) funnel plots, exact Poisson control
  limits (with his interpolation between integer counts) and an additive random-effects
  widening when the units are over-dispersed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

Float = NDArray[np.float64]


def _as_float(x: ArrayLike) -> Float:
    return np.asarray(x, dtype=np.float64)


def poisson_limits(n: ArrayLike, alpha: float = 0.05) -> tuple[Float, Float]:
    """Exact (Garwood) 1−alpha limits for the mean of a Poisson count n.

    n is rounded to the nearest integer (counts loaded as doubles); NaN or negative n gives NaN.
    """
    counts = np.round(_as_float(n))
    valid = np.isfinite(counts) & (counts >= 0)
    k = np.where(valid, counts, 0.0)
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


@dataclass(frozen=True)
class RateRatioTest:
    """Rate ratio (rate1 / rate0), its exact 1−alpha interval and the two-sided p-value.

    rate_ratio is NaN when n0 = 0 (undefined) and high is NaN when the upper limit is
    infinite (n0 = 0); p_value is NaN only for invalid input.
    """

    rate_ratio: Float
    low: Float
    high: Float
    p_value: Float


def rate_ratio_test(
    n1: ArrayLike, e1: ArrayLike, n0: ArrayLike, e0: ArrayLike, alpha: float = 0.05
) -> RateRatioTest:
    """Exact conditional test and interval for rate1/rate0, rate_i = n_i / e_i (Poisson)."""
    c1, c0 = np.round(_as_float(n1)), np.round(_as_float(n0))
    x1, x0 = _as_float(e1), _as_float(e0)
    valid = (
        np.isfinite(c1)
        & np.isfinite(c0)
        & (c1 >= 0)
        & (c0 >= 0)
        & np.isfinite(x1)
        & np.isfinite(x0)
        & (x1 > 0)
        & (x0 > 0)
    )
    k = np.where(valid, c1, 0.0)
    total = np.where(valid, c1 + c0, 0.0)
    e_1, e_0 = np.where(valid, x1, 1.0), np.where(valid, x0, 1.0)
    share = e_1 / (e_1 + e_0)  # P(an event falls in group 1) under equal rates
    with np.errstate(divide="ignore", invalid="ignore"):
        lower_tail = stats.binom.cdf(k, total, share)
        upper_tail = stats.binom.sf(k - 1, total, share)
        p_value = np.minimum(1.0, 2 * np.minimum(lower_tail, upper_tail))
        # Clopper–Pearson limits for the binomial proportion p = n1 / N, mapped to the ratio
        # RR = p / (1 − p) · e0 / e1.
        p_low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, total - k + 1), 0.0)
        p_high = np.where(k < total, stats.beta.ppf(1 - alpha / 2, k + 1, total - k), 1.0)
        odds = e_0 / e_1
        ratio = np.where(c0 > 0, (k / e_1) / (np.where(c0 > 0, c0, 1.0) / e_0), np.nan)
        low = np.where(total > 0, p_low / (1 - p_low) * odds, np.nan)
        high = np.where((total > 0) & (p_high < 1), p_high / (1 - p_high) * odds, np.nan)
    nan = np.full(np.shape(k), np.nan)
    return RateRatioTest(
        rate_ratio=np.where(valid, ratio, nan),
        low=np.where(valid, low, nan),
        high=np.where(valid, high, nan),
        p_value=np.where(valid & (total > 0), p_value, np.where(valid, 1.0, nan)),
    )


def funnel_limits(theta: float, exposure: ArrayLike, coverage: float) -> tuple[Float, Float]:
    """Exact Poisson funnel limits for the rate (events per unit exposure) around theta.

    Spiegelhalter (2005), appendix A.1.2: with r_p the p-quantile of Poisson(theta·E) and
    a = (F(r_p) − p) / (F(r_p) − F(r_p − 1)), the limit is (r_p − a) / E, which interpolates
    smoothly between the integer steps of the discrete distribution.
    """
    e = _as_float(exposure)
    mu = theta * e
    out = []
    for p in ((1 - coverage) / 2, 1 - (1 - coverage) / 2):
        r = stats.poisson.ppf(p, mu)
        f_r = stats.poisson.cdf(r, mu)
        f_prev = stats.poisson.cdf(r - 1, mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(f_r > f_prev, (f_r - p) / (f_r - f_prev), 0.0)
            out.append(np.maximum(0.0, (r - a) / e))
    return out[0], out[1]


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter (2005) §3.2: winsorised dispersion phi and additive random-effect tau²."""

    phi: float
    tau2: float
    overdispersed: bool
    n_units: int


def overdispersion(
    events: ArrayLike, exposure: ArrayLike, theta: float, winsor: float = 0.10, level: float = 0.95
) -> Overdispersion:
    """z_i = (y_i/E_i − θ)/√(θ/E_i), winsorised at the 10th/90th percentiles; φ = Σz²/I.

    Over-dispersed when I·φ exceeds the `level` quantile of χ²(I−1); then
    τ² = (I·φ − (I − 1)) / (Σw − Σw²/Σw) with w = 1/s², s² = θ/E (rate scale).
    """
    y, e = _as_float(events), _as_float(exposure)
    keep = np.isfinite(y) & np.isfinite(e) & (e > 0)
    y, e = y[keep], e[keep]
    if len(y) < 3 or theta <= 0:
        return Overdispersion(phi=float("nan"), tau2=0.0, overdispersed=False, n_units=len(y))
    return dispersion_of(y / e, theta, theta / e, winsor, level)


def dispersion_of(
    values: Float, target: float, s2: Float, winsor: float = 0.10, level: float = 0.95
) -> Overdispersion:
    """Spiegelhalter's (2005, §3.2) step shared by every funnel: z_i = (value_i − target)/s_i,
    winsorised at the `winsor` quantiles; φ = Σz²/I; over-dispersed when I·φ exceeds the `level`
    quantile of χ²(I − 1), then τ² = (I·φ − (I − 1)) / (Σw − Σw²/Σw) with w = 1/s²."""
    units = len(values)
    z = (values - target) / np.sqrt(s2)
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    over = units * phi > stats.chi2.ppf(level, units - 1)
    tau2 = 0.0
    if over:
        w = 1 / s2
        tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return Overdispersion(phi=phi, tau2=float(tau2), overdispersed=bool(over), n_units=units)


def funnel_limits_overdispersed(
    theta: float, exposure: ArrayLike, coverage: float, tau2: float
) -> tuple[Float, Float]:
    """Normal-approximation limits θ ± z·√(θ/E + τ²) (Spiegelhalter 2005, eq. 6)."""
    e = _as_float(exposure)
    z = stats.norm.ppf(1 - (1 - coverage) / 2)
    half = z * np.sqrt(theta / e + tau2)
    return np.maximum(0.0, theta - half), theta + half
