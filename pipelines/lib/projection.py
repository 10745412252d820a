"""Projection of annual values to the end of a plan, and the probability of meeting a target.

Model (docs/methods.md §4): annual events y_t with exposure E_t (denominator ÷ scale for a
rate, 1 for a count), log E[y_t] = log E_t + b0 + b1·(t − t̄), fitted by a Poisson GLM
(statsmodels). Pearson χ²/df > 1 ⇒ quasi-Poisson: the parameter covariance is scaled by it and
future years are drawn from a gamma–Poisson mixture with the same variance-to-mean ratio.
Numerators that are amounts (money, area, person-times) get the same log-linear mean with a
quasi-likelihood variance φ·μ (φ estimated, gamma draws). With fewer than `MIN_TREND_YEARS`
years or fewer than `MIN_TREND_EVENTS` events the trend is not identifiable: the rate is held
constant at its Jeffreys posterior, Gamma(N + ½, ΣE). Future exposure follows a log-linear
trend of the observed exposure. Parameter and sampling uncertainty are both simulated, with a
seed derived from the target id, so a re-run gives identical numbers.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray

MIN_TREND_YEARS = 3
MIN_TREND_EVENTS = 10
LOOKBACK_YEARS = 5  # years before the plan's first year used to fit the trend
N_SIMS = 20_000
QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)


@dataclass(frozen=True)
class History:
    """Observed annual values: value = events / exposure (exposure = denominator ÷ scale)."""

    years: Sequence[int]
    events: Sequence[float]
    exposure: Sequence[float]
    is_count_data: bool = True  # events are counts (Poisson); False for amounts


@dataclass(frozen=True)
class TrendFit:
    method: str  # poisson_trend | quasi_poisson_trend | quasi_likelihood_trend | constant_rate
    years_used: tuple[int, ...]
    dispersion: float
    coef: NDArray[np.float64] = field(repr=False)
    cov: NDArray[np.float64] = field(repr=False)
    centre_year: float
    events_total: float
    exposure_total: float
    is_count_data: bool


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
            )
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
    if fit.method == "constant_rate":
        if fit.is_count_data:
            rate = rng.gamma(fit.events_total + 0.5, 1.0 / fit.exposure_total, size=N_SIMS)
            mu = rate[:, None] * future_exposure[None, :]
            return np.asarray(rng.poisson(mu), dtype=float)
        rate = np.full(N_SIMS, fit.events_total / fit.exposure_total)
        return np.asarray(rate[:, None] * future_exposure[None, :], dtype=float)
    beta = rng.multivariate_normal(fit.coef, fit.cov, size=N_SIMS, method="cholesky")
    design = np.column_stack([np.ones_like(future), future - fit.centre_year])
    mu = np.exp(beta @ design.T) * future_exposure[None, :]
    if not fit.is_count_data:
        return np.asarray(rng.gamma(mu / fit.dispersion, fit.dispersion), dtype=float)
    if fit.dispersion > 1:
        # Gamma–Poisson mixture: mean mu, variance phi·mu.
        k = fit.dispersion - 1
        mu = rng.gamma(mu / k, k)
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
        if values.shape[1] >= 2:
            return np.asarray(values[:, -1] < values[:, -2])
        return None
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
) -> Assessment:
    """Projects the plan years after `data_through` from the history up to it (fitted from
    `lookback` years before the plan's first year; `constant_only` is for the backtest)."""
    years = np.asarray(history.years, dtype=int)
    events = np.asarray(history.events, dtype=float)
    exposure = np.asarray(history.exposure, dtype=float)
    window = (years >= target.first_year - lookback) & (years <= data_through)
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
    if any(t not in observed for t in past) or len(fit_history.years) == 0:
        return Assessment(
            target.target_id,
            data_through,
            "insufficient_data",
            fit.years_used,
            None,
            None,
            None,
            None,
            None,
            [],
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
    )
