"""Projection of annual values to the end of a plan, and the probability of meeting a target.

Model (docs/methods.md §4): annual events y_t with exposure E_t (denominator ÷ scale for a
rate, 1 for a count), log E[y_t] = log E_t + b0 + b1·(t − t̄), fitted by a Poisson GLM
(statsmodels). Pearson χ²/df > 1 ⇒ quasi-Poisson: the parameter covariance is scaled by it and
future years are drawn from a gamma–Poisson mixture with the same variance-to-mean ratio.
Numerators that are amounts (money, area, person-times) get the same log-linear mean with a
quasi-likelihood variance φ·μ (φ estimated, gamma draws). When φ is estimated the coefficients
are drawn from a multivariate t with n − 2 degrees of freedom, not a normal. With fewer than
`MIN_TREND_YEARS` years or fewer than `MIN_TREND_EVENTS` events the trend is not identifiable: a
count's rate is held constant at its Jeffreys posterior, Gamma(N + ½, ΣE); an amount gets a
constant mean with its dispersion estimated from the years (t with n − 1 df), and with one year
(or only zeros) no probability.
Years before a registered series break are left out of the fit (`assess(..., breaks=...)`).
Future exposure follows a log-linear trend of the observed exposure. Parameter and sampling
uncertainty are both simulated, with a seed derived from the target id, so a re-run gives
identical numbers.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy import stats

MIN_TREND_YEARS = 3
MIN_TREND_EVENTS = 10
LOOKBACK_YEARS = 5  # years before the plan's first year used to fit the trend
N_SIMS = 20_000
QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
MU_CAP = 1e15  # largest expected count or amount drawn (numpy's Poisson sampler fails near 1e19)
SLOPE_LEVEL = 0.95  # two-sided level of the slope interval that judges a 下降 (direction) target


@dataclass(frozen=True)
class History:
    """Observed annual values: value = events / exposure (exposure = denominator ÷ scale)."""

    years: Sequence[int]
    events: Sequence[float]
    exposure: Sequence[float]
    is_count_data: bool = True  # events are counts (Poisson); False for amounts


@dataclass(frozen=True)
class TrendFit:
    # poisson_trend | quasi_poisson_trend | quasi_likelihood_trend | constant_rate (counts)
    # | quasi_likelihood_constant (amounts without a trend) | too_few_years (amounts, 1 year)
    # | all_zero (amounts, every year 0: no spread to estimate)
    method: str
    years_used: tuple[int, ...]
    dispersion: float
    coef: NDArray[np.float64] = field(repr=False)
    cov: NDArray[np.float64] = field(repr=False)
    centre_year: float
    events_total: float
    exposure_total: float
    is_count_data: bool
    df: int = 0  # residual degrees of freedom of an estimated dispersion (0: dispersion fixed)


def fit_trend(history: History, constant_only: bool = False) -> TrendFit:
    years = np.asarray(history.years, dtype=float)
    y = np.asarray(history.events, dtype=float)
    e = np.asarray(history.exposure, dtype=float)
    centre = float(years.mean()) if len(years) else 0.0
    years_used = tuple(int(t) for t in years)
    enough = (
        not constant_only
        and len(years) >= MIN_TREND_YEARS
        and (y.sum() >= MIN_TREND_EVENTS if history.is_count_data else y.sum() > 0)
    )
    if enough:
        design = np.column_stack([np.ones_like(years), years - centre])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = sm.GLM(y, design, family=sm.families.Poisson(), offset=np.log(e)).fit()
            except (ValueError, np.linalg.LinAlgError):
                result = None
        if result is not None and np.all(np.isfinite(result.params)):
            df = max(len(years) - 2, 1)
            pearson = float(result.pearson_chi2 / df)
            if history.is_count_data:
                phi, method = (pearson, "quasi_poisson_trend") if pearson > 1 else (1.0, "poisson_trend")
            else:
                phi, method = max(pearson, 1e-12), "quasi_likelihood_trend"
            cov = np.asarray(result.cov_params(), dtype=float) * phi
            estimated = method != "poisson_trend"
            return TrendFit(
                method=method,
                years_used=years_used,
                dispersion=phi,
                coef=np.asarray(result.params, dtype=float),
                cov=cov,
                centre_year=centre,
                events_total=float(y.sum()),
                exposure_total=float(e.sum()),
                is_count_data=history.is_count_data,
                df=len(years) - 2 if estimated else 0,
            )
    if not history.is_count_data:
        return _constant_amount(years_used, y, e, centre)
    return TrendFit(
        method="constant_rate",
        years_used=years_used,
        dispersion=1.0,
        coef=np.zeros(2),
        cov=np.zeros((2, 2)),
        centre_year=centre,
        events_total=float(y.sum()),
        exposure_total=float(e.sum()),
        is_count_data=history.is_count_data,
    )


def _constant_amount(
    years_used: tuple[int, ...], y: NDArray[np.float64], e: NDArray[np.float64], centre: float
) -> TrendFit:
    """An amount (money, area, person-times) without a trend: constant mean rate ΣY/ΣE with
    quasi-likelihood variance φ·μ, φ = Pearson χ²/(n − 1) from the years themselves. A Jeffreys
    gamma treats an amount as a count of events (far too narrow: a loss of 3.2 亿元 is not 3.2
    events); one year (or all zero) has no spread to estimate, so no probability is given."""
    n = len(y)
    if n < 2 or y.sum() <= 0:
        return TrendFit(
            "too_few_years" if n < 2 else "all_zero",
            years_used,
            1.0,
            np.zeros(2),
            np.zeros((2, 2)),
            centre,
            float(y.sum()),
            float(e.sum()),
            False,
        )
    rate = float(y.sum() / e.sum())
    mu = rate * e
    phi = max(float(np.sum((y - mu) ** 2 / mu) / (n - 1)), 1e-12)
    cov = np.zeros((2, 2))
    cov[0, 0] = phi / float(mu.sum())  # var(log rate) = φ / Σμ (quasi-Poisson intercept)
    return TrendFit(
        method="quasi_likelihood_constant",
        years_used=years_used,
        dispersion=phi,
        coef=np.array([np.log(rate), 0.0]),
        cov=cov,
        centre_year=centre,
        events_total=float(y.sum()),
        exposure_total=float(e.sum()),
        is_count_data=False,
        df=n - 1,
    )


def draw_coefficients(fit: TrendFit, rng: np.random.Generator, size: int = N_SIMS) -> NDArray[np.float64]:
    """Parameter draws: normal around the estimate when the dispersion is fixed (Poisson);
    multivariate t with `fit.df` degrees of freedom when it is estimated (quasi-likelihood), so
    a 5-year fit (3 df) has 90% limits at ±2.35 se rather than ±1.645 se."""
    cov = fit.cov
    # a constant-mean fit has a degenerate slope (variance 0): Cholesky of the 1 × 1 part only
    k = 1 if cov[1, 1] == 0 else 2
    chol = np.linalg.cholesky(cov[:k, :k])
    z = rng.standard_normal((size, k))
    if fit.df > 0:
        # truncated at ±10 standard errors: the 5–95% quantiles of t even with 1 df (±6.31) are
        # kept, and exp(b) stays finite (t with 1–2 df has no mean on the log scale's exp)
        z = np.clip(z / np.sqrt(rng.chisquare(fit.df, size=size) / fit.df)[:, None], -10, 10)
    beta = np.tile(fit.coef, (size, 1))
    beta[:, :k] += z @ chol.T
    return beta


def slope_interval(
    years: Sequence[float],
    events: NDArray[np.float64],
    exposure: Sequence[float],
    is_count_data: bool = True,
    level: float = SLOPE_LEVEL,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Slope b1 of log E[y_t] = log E_t + b0 + b1·(t − t̄) and its `level` interval, for each row
    of `events` (draws × years; one row for an observed series). Poisson likelihood by Newton's
    method (vectorised: one fit per simulated path); the dispersion φ = Pearson χ²/(n − 2) scales
    the variance and switches the quantile from normal to t(n − 2) when it is used (counts with
    φ > 1; amounts always), as in `fit_trend`. NaN where n < 3 or no events."""
    y = np.atleast_2d(np.asarray(events, dtype=float))
    t = np.asarray(years, dtype=float)
    e = np.asarray(exposure, dtype=float)[None, :]
    nan = np.full(y.shape[0], np.nan)
    n = t.size
    if n < MIN_TREND_YEARS:
        return nan, nan.copy(), nan.copy()
    x = (t - t.mean())[None, :]
    total = y.sum(axis=1)
    b0 = np.log(np.maximum(total, 1e-300) / e.sum())
    b1 = np.zeros(y.shape[0])
    for _ in range(50):
        mu = e * np.exp(np.clip(b0[:, None] + b1[:, None] * x, -700, 700))
        u0, u1 = (y - mu).sum(axis=1), (x * (y - mu)).sum(axis=1)
        i00, i01, i11 = mu.sum(axis=1), (x * mu).sum(axis=1), (x * x * mu).sum(axis=1)
        det = np.maximum(i00 * i11 - i01 * i01, 1e-300)
        step0, step1 = (i11 * u0 - i01 * u1) / det, (i00 * u1 - i01 * u0) / det
        b0, b1 = b0 + np.clip(step0, -5, 5), b1 + np.clip(step1, -5, 5)
    mu = e * np.exp(np.clip(b0[:, None] + b1[:, None] * x, -700, 700))
    i00, i01, i11 = mu.sum(axis=1), (x * mu).sum(axis=1), (x * x * mu).sum(axis=1)
    var_b1 = i00 / np.maximum(i00 * i11 - i01 * i01, 1e-300)
    pearson = ((y - mu) ** 2 / np.maximum(mu, 1e-300)).sum(axis=1) / (n - 2)
    phi = np.maximum(pearson, 1.0) if is_count_data else pearson
    estimated = (pearson > 1.0) if is_count_data else np.ones_like(pearson, dtype=bool)
    quantile = np.where(estimated, stats.t.ppf(0.5 + level / 2, n - 2), stats.norm.ppf(0.5 + level / 2))
    half = quantile * np.sqrt(phi * var_b1)
    ok = total > 0
    return np.where(ok, b1, np.nan), np.where(ok, b1 - half, np.nan), np.where(ok, b1 + half, np.nan)


def trend_verdict(low: float, high: float) -> str:
    """下降趋势 judged by the slope's interval: declining / rising / no_clear_trend."""
    if np.isfinite(high) and high < 0:
        return "declining"
    if np.isfinite(low) and low > 0:
        return "rising"
    return "no_clear_trend"


def project_exposure(history: History, future_years: Sequence[int]) -> NDArray[np.float64]:
    """Log-linear trend of the exposure (GDP, population, vehicles …); constant if < 2 years."""
    years = np.asarray(history.years, dtype=float)
    e = np.asarray(history.exposure, dtype=float)
    future = np.asarray(future_years, dtype=float)
    if len(years) == 0:
        return np.full(len(future), np.nan)
    if len(years) < 2 or np.all(e == e[0]):
        return np.full(len(future), e[-1])
    slope, intercept = np.polyfit(years, np.log(e), 1)
    return np.asarray(np.exp(intercept + slope * future), dtype=float)


def simulate_events(
    fit: TrendFit, future_years: Sequence[int], future_exposure: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Draws (N_SIMS × len(future_years)) future events: parameter uncertainty, then noise."""
    future = np.asarray(future_years, dtype=float)
    if len(future) == 0:
        return np.zeros((N_SIMS, 0))
    if fit.method in ("too_few_years", "all_zero"):
        return np.full((N_SIMS, len(future)), np.nan)
    if fit.method == "constant_rate":
        rate = rng.gamma(fit.events_total + 0.5, 1.0 / fit.exposure_total, size=N_SIMS)
        mu = rate[:, None] * future_exposure[None, :]
        return np.asarray(rng.poisson(mu), dtype=float)
    beta = draw_coefficients(fit, rng)
    design = np.column_stack([np.ones_like(future), future - fit.centre_year])
    # capped at MU_CAP: the far tail of t draws (few years) can overflow exp() or numpy's Poisson
    # sampler; the cap lies far beyond any quantile reported
    mu = np.minimum(np.exp(np.minimum(beta @ design.T, 700.0)) * future_exposure[None, :], MU_CAP)
    if not fit.is_count_data:
        return np.asarray(rng.gamma(mu / fit.dispersion, fit.dispersion), dtype=float)
    if fit.dispersion > 1:
        # Gamma–Poisson mixture: mean mu, variance phi·mu.
        k = fit.dispersion - 1
        mu = np.minimum(rng.gamma(mu / k, k), MU_CAP)
    return np.asarray(rng.poisson(mu), dtype=float)


@dataclass(frozen=True)
class Target:
    target_id: str
    target_kind: str  # reduce_pct, absolute_max, absolute_min, zero, cumulative_cap, direction_down, other
    aggregation: str  # final_year, annual_mean, period_total, each_year
    first_year: int
    last_year: int
    target_year: int
    target_abs: float | None
    baseline_level: float | None
    indicator_kind: str  # count | rate


@dataclass(frozen=True)
class Assessment:
    target_id: str
    data_through: int
    method: str
    years_used: tuple[int, ...]
    dispersion: float | None
    projected_value: float | None
    projected_low: float | None  # 5th percentile
    projected_high: float | None  # 95th percentile
    probability: float | None
    fan: list[dict[str, float | int]]  # year, expected, p05 … p95 (values, indicator units)
    fit_note: str | None = None  # why the fit starts where it does (a series break), or why no fit


def fit_start(breaks: Sequence[int], data_through: int) -> int | None:
    """First year of the fit: the latest registered break (first full year under the new
    definition, unrestated) that the data through `data_through` already reaches."""
    reached = [b for b in breaks if b <= data_through]
    return max(reached) if reached else None


def _aggregate(
    target: Target, values: NDArray[np.float64], events: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Per-simulation aggregate over the plan years (columns), as the progress mart defines it."""
    if target.target_kind == "cumulative_cap" or (
        target.aggregation == "period_total" and target.indicator_kind == "count"
    ):
        return np.asarray(events.sum(axis=1), dtype=float)
    if target.aggregation in ("annual_mean", "period_total"):
        return np.asarray(values.mean(axis=1), dtype=float)
    if target.aggregation == "each_year":
        worst = values.min(axis=1) if target.target_kind == "absolute_min" else values.max(axis=1)
        return np.asarray(worst, dtype=float)
    return np.asarray(values[:, -1], dtype=float)  # final_year: the target year is the last column


def _meets(target: Target, agg: NDArray[np.float64], values: NDArray[np.float64]) -> NDArray[np.bool_] | None:
    if target.target_kind == "zero":
        return np.asarray(np.all(values == 0, axis=1))
    if target.target_kind == "direction_down":
        if target.baseline_level is not None:
            # Per-year level vs per-year baseline, as fct_plan_progress compares them (its
            # annual mean vs the baseline span ÷ its years): never a 5-year total vs a year.
            level = values.mean(axis=1) if target.aggregation == "period_total" else values[:, -1]
            return np.asarray(level < target.baseline_level)
        return None  # judged by the fitted slope in `assess` (each path's own fit)
    if target.target_abs is None or target.target_kind == "other":
        return None
    if target.target_kind == "absolute_min":
        return np.asarray(agg >= target.target_abs)
    return np.asarray(agg <= target.target_abs + 1e-12)


def seed_for(target_id: str, data_through: int) -> int:
    return zlib.crc32(f"{target_id}/{data_through}".encode())


def assess(
    target: Target,
    history: History,
    data_through: int,
    lookback: int = LOOKBACK_YEARS,
    constant_only: bool = False,
    breaks: Sequence[int] = (),
) -> Assessment:
    """Projects the plan years after `data_through` from the history up to it (fitted from
    `lookback` years before the plan's first year; `constant_only` is for the backtest).
    `breaks`: first full years of unrestated series breaks of the numerator's measure; the fit
    starts at the latest one reached (observed plan years still count in the aggregate)."""
    years = np.asarray(history.years, dtype=int)
    events = np.asarray(history.events, dtype=float)
    exposure = np.asarray(history.exposure, dtype=float)
    start = target.first_year - lookback
    cut = fit_start(breaks, data_through)
    fit_note = None
    if cut is not None and cut > start:
        start = cut
        fit_note = f"series_break:{cut}"
    window = (years >= start) & (years <= data_through)
    fit_history = History(
        years[window].tolist(), events[window].tolist(), exposure[window].tolist(), history.is_count_data
    )
    plan_years = list(range(target.first_year, target.last_year + 1))
    if target.aggregation == "final_year" and target.target_kind not in ("zero", "cumulative_cap"):
        plan_years = list(range(target.first_year, target.target_year + 1))
    if target.target_kind == "direction_down" and target.baseline_level is None:
        plan_years = list(range(target.first_year - 1, target.target_year + 1))
    observed = {int(t): (float(n), float(x)) for t, n, x in zip(years, events, exposure, strict=True)}
    future = [t for t in plan_years if t > data_through]
    past = [t for t in plan_years if t <= data_through]
    fit = fit_trend(fit_history, constant_only=constant_only)
    too_few = fit.method in ("too_few_years", "all_zero") and bool(future)
    if any(t not in observed for t in past) or len(fit_history.years) == 0 or too_few:
        return Assessment(
            target.target_id,
            data_through,
            fit.method if too_few else "insufficient_data",
            fit.years_used,
            None,
            None,
            None,
            None,
            None,
            [],
            fit.method if too_few else fit_note,
        )
    rng = np.random.default_rng(seed_for(target.target_id, data_through))
    future_exposure = project_exposure(fit_history, future)
    sim_events = simulate_events(fit, future, future_exposure, rng)
    past_events = np.array([observed[t][0] for t in past], dtype=float)
    past_exposure = np.array([observed[t][1] for t in past], dtype=float)
    all_events = np.hstack([np.broadcast_to(past_events, (N_SIMS, len(past))), sim_events])
    all_exposure = np.concatenate([past_exposure, future_exposure])
    values = all_events / all_exposure[None, :]
    agg = _aggregate(target, values, all_events)
    meets = _meets(target, agg, values)
    if target.target_kind == "direction_down" and target.baseline_level is None:
        # 持续下降: met when the slope fitted over the fit window and the plan years (each
        # simulated path's own fit) is below zero with its 95% interval
        trend_years = sorted(set(fit_history.years) | set(plan_years))
        if all(t in observed or t in future for t in trend_years):
            sim_col = {t: j for j, t in enumerate(future)}
            path_events = np.column_stack(
                [
                    sim_events[:, sim_col[t]] if t in sim_col else np.full(N_SIMS, observed[t][0])
                    for t in trend_years
                ]
            )
            path_exposure = [
                future_exposure[sim_col[t]] if t in sim_col else observed[t][1] for t in trend_years
            ]
            _, _, high = slope_interval(trend_years, path_events, path_exposure, history.is_count_data)
            meets = np.asarray(high < 0)
    q = np.quantile(agg, [0.05, 0.5, 0.95])
    fan: list[dict[str, float | int]] = []
    if future:
        anchor = data_through if data_through in observed else None
        if anchor is not None:
            v = observed[anchor][0] / observed[anchor][1]
            fan.append({"year": anchor, "expected": v, **{f"p{round(p * 100):02d}": v for p in QUANTILES}})
        for j, t in enumerate(future):
            col = sim_events[:, j] / future_exposure[j]
            qs = np.quantile(col, QUANTILES)
            fan.append(
                {
                    "year": t,
                    "expected": float(col.mean()),
                    **{f"p{round(p * 100):02d}": float(v) for p, v in zip(QUANTILES, qs, strict=True)},
                }
            )
    return Assessment(
        target_id=target.target_id,
        data_through=data_through,
        method=fit.method if future else "observed",
        years_used=fit.years_used,
        dispersion=fit.dispersion if future and fit.method != "constant_rate" else None,
        projected_value=float(q[1]),
        projected_low=float(q[0]),
        projected_high=float(q[2]),
        probability=None if meets is None else float(np.mean(meets)),
        fan=fan,
        fit_note=fit_note,
    )
