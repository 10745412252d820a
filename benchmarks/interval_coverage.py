"""Coverage of the dispersed 95% intervals and false positives of the dispersed tests (issue 16).

Simulates series of annual counts of persons (docs/methods.md §3, pipelines/lib/dispersion.py):
events Poisson with mean λ·G a year, G ~ Gamma(mean 1, variance (φ − 1)/λ) (φ = 1: no
over-dispersion; a negative binomial with variance φ × mean in events), and k persons per event
from a size mix. For the current year with n persons the warehouse's method (variant
`t_pairs_prior`) is

    D = max(1, c, φ̂),  c = Σk²/Σk of the year's events,
    φ̂ = successive-difference dispersion of the series' annual values before the year (own when
        it has ≥ 5 year pairs, else pooled: the estimate over 20 independent series × 6 years),
        × (t(0.975; pairs)/1.96)² (dispersion.calibrated_dispersion),
    interval for the mean: gamma_limits(n, D·n, max(D, largest k)),
    同比: dispersed_rate_ratio_test(n_t, 1, D_t, n_{t−1}, 1, D_{t−1}),
    five-year: dispersed_rate_ratio_test(n_t, 1, D_t, Σ5 previous, 5, max(1, c of the 5 years, φ̂_t)).

Reported per scenario × mean × history length: coverage of the interval for the series mean,
the 同比 false-positive rate at 5% (equal true means; the interval for the ratio covers 1
exactly when p ≥ 5%), coverage of the 同比 ratio interval when the current year's true mean is
1.25 × the previous, the five-year false-positive rate, and the same for the plain Poisson
limits and test (pipelines/lib/poisson.py). Candidate calibrations of φ̂ (`--variants`) are
applied to the own and the pooled φ̂ alike:

- `as_built`: φ̂ as is;
- `ucb50_pairs`: φ̂ · m / χ²(0.5; m), m = pairs (a median-unbiased upper bound, df = pairs);
- `t_satt`: φ̂ · (t(0.975; ν)/z(0.975))², ν = 2m²/(3m − 1), the Satterthwaite degrees of freedom
  of a mean of m successive squared differences (neighbouring differences share a year, so
  ν < m: 6.2 for m = 9, 3.6 for m = 5, ≈ 71 pooled over 20 × 5 independent pairs);
- `t_pairs`: the same with ν = m;
- `as_built_prior`, `t_pairs_prior`: φ̂ from the years before the current one only (the current
  year's difference from the previous one, the very thing the 同比 test measures, then does not
  inflate its own D);
- `pooled_only`: always the pooled φ̂ (as if the minimum number of pairs were never reached).

Two diagnostics of φ̂ itself: its bias from 10 years (as built, and with the pair's own mean
replaced by the series mean λ̄), and its growth under a steady trend of −5% or −10% a year.

    .venv/bin/python benchmarks/interval_coverage.py [--reps 4000] [--seed 16] [--markdown-only]

writes benchmarks/interval_coverage.json and .md next to this file (about 3 minutes on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from pipelines.lib import dispersion, poisson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_common import machine, machine_line, write_report  # noqa: E402  (benchmarks/ is not a package)

Arr = NDArray[np.float64]
YEARS = 10  # simulated years; the current year is the last
POOL_SERIES, POOL_YEARS = 20, 6
MIN_PAIRS = 5
TRENDS = (-0.05, -0.10)  # yearly relative trends for trend_check
STEP = 1.25  # true 同比 ratio for the coverage of the ratio interval
ALPHA = 0.05
TARGET = 0.94  # issue 16: coverage of the 95% intervals at least 94%
MEANS = (5, 20, 100, 1000)  # persons per year
HISTORIES = (10, 6, 3)  # years of history up to and including the current one
SIZES_REALISTIC = (
    [1, 2, 3, 4, 5, *range(10, 31)],
    [0.8] + [0.17 / 4] * 4 + [0.03 / 21] * 21,
)
MIXES: dict[str, tuple[list[int], list[float]]] = {
    "poisson": ([1], [1.0]),
    "realistic": SIZES_REALISTIC,
    "extreme": ([1, 10], [0.9, 0.1]),  # half the persons in events of 10
}
SCENARIOS = [  # (name, size mix, φ of events)
    ("1 Poisson events", "poisson", 1.0),
    ("2a clustered, realistic mix", "realistic", 1.0),
    ("2b clustered, extreme mix (1 or 10)", "extreme", 1.0),
    ("3a over-dispersed φ=2", "poisson", 2.0),
    ("3b over-dispersed φ=5", "poisson", 5.0),
    ("4a realistic mix + φ=2", "realistic", 2.0),
    ("4b extreme mix + φ=5", "extreme", 5.0),
]


def _satt(m: Arr) -> Arr:
    return 2 * m**2 / np.maximum(3 * m - 1, 1e-9)


Z = float(stats.norm.ppf(1 - ALPHA / 2))
VARIANTS: dict[str, Callable[[Arr, Arr], Arr]] = {
    "as_built": lambda phi, m: phi,
    "ucb50_pairs": lambda phi, m: phi * m / stats.chi2.ppf(0.5, np.maximum(m, 1)),
    "t_satt": lambda phi, m: phi * (stats.t.ppf(1 - ALPHA / 2, _satt(np.maximum(m, 1))) / Z) ** 2,
    "t_pairs": lambda phi, m: phi * (stats.t.ppf(1 - ALPHA / 2, np.maximum(m, 1)) / Z) ** 2,
}


PRIOR, POOLED = "_prior", "pooled_only"
VARIANT_NAMES = [*VARIANTS, "as_built" + PRIOR, "t_pairs" + PRIOR, POOLED]


class Years(NamedTuple):
    """Simulated years, arrays (reps, years): persons n, Σk², largest k (0 without events)."""

    n: Arr
    ssq: Arr
    kmax: Arr


def simulate(
    rng: np.random.Generator,
    mix: str,
    phi: float,
    mean: float,
    shape: tuple[int, int],
    scale: Arr | None = None,
) -> Years:
    sizes, probs = (np.asarray(a, dtype=np.float64) for a in MIXES[mix])
    lam = mean / float(sizes @ probs)  # events a year
    g = np.ones(shape)
    if phi > 1:
        a = lam / (phi - 1)
        g = rng.gamma(a, 1 / a, size=shape)
    if scale is not None:
        g = g * scale
    counts = rng.poisson(lam * g[..., None] * probs).astype(np.float64)  # (reps, years, sizes)
    kmax = np.where(counts > 0, sizes, 0.0).max(axis=-1)
    return Years(counts @ sizes, counts @ sizes**2, kmax)


def sd_dispersion(n: Arr) -> tuple[Arr, Arr]:
    """dispersion.successive_difference_dispersion (unit exposures) along the last axis, vectorised:
    (φ̂, pairs); φ̂ NaN without pairs."""
    y0, y1 = n[..., :-1], n[..., 1:]
    keep = (y0 + y1) > 0
    stat = np.where(keep, (y1 - y0) ** 2 / np.where(keep, y0 + y1, 1.0), 0.0)
    pairs = keep.sum(axis=-1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return stat.sum(axis=-1) / pairs, pairs


def pooled_dispersion(
    rng: np.random.Generator, mix: str, phi: float, mean: float, reps: int
) -> tuple[Arr, Arr]:
    """Pooled φ̂ per replicate: the successive-difference statistic averaged over all pairs of
    20 independent series × 6 years of the same kind."""
    total, pairs = np.zeros(reps), np.zeros(reps)
    for _ in range(POOL_SERIES):
        est, m = sd_dispersion(simulate(rng, mix, phi, mean, (reps, POOL_YEARS)).n)
        total += np.nan_to_num(est) * m
        pairs += m
    with np.errstate(invalid="ignore"):
        return total / pairs, pairs


def common_lambda_dispersion(n: Arr) -> Arr:
    """Candidate: the same squared differences over 2·λ̄, λ̄ the series mean of the history (not the
    pair's own mean, whose correlation with the difference biases φ̂ low at small counts)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.diff(n, axis=-1) ** 2).mean(axis=-1) / (2 * n.mean(axis=-1))


def phi_bias(seed: int, reps: int) -> list[dict[str, Any]]:
    """Mean and median of φ̂ from 10 years, as built and with a common λ̄, against the true Var/mean."""
    out = []
    for i, (name, mix, phi) in enumerate(SCENARIOS):
        for j, mean in enumerate(MEANS):
            n = simulate(np.random.default_rng([seed, 99, i, j]), mix, phi, mean, (reps, YEARS)).n
            built, common = sd_dispersion(n)[0], common_lambda_dispersion(n)
            out.append({
                "scenario": name, "mean": mean, "true": round(true_dispersion(mix, phi), 3),
                "as_built_mean": round(float(np.nanmean(built)), 3),
                "as_built_median": round(float(np.nanmedian(built)), 3),
                "common_lambda_mean": round(float(np.nanmean(common)), 3),
                "common_lambda_median": round(float(np.nanmedian(common)), 3),
            })  # fmt: skip
    return out


def trend_check(seed: int, reps: int) -> list[dict[str, Any]]:
    """Poisson events with a steady trend (the current year's mean = `mean`): how much φ̂ from 10
    years grows (a trend g adds about g²·mean/2) and what that does to the as-built interval."""
    out = []
    for i, g in enumerate(TRENDS):
        scale = np.power(1.0 + g, np.arange(YEARS, dtype=np.float64) - (YEARS - 1))
        for j, mean in enumerate(MEANS):
            rng = np.random.default_rng([seed, 77, i, j])
            n = simulate(rng, "poisson", 1.0, mean, (reps, YEARS), scale=scale).n
            d = np.maximum(1.0, phi_used(n, (np.ones(reps), np.full(reps, 100.0)), "as_built"))
            low, high = dispersion.gamma_limits(n[:, -1], d * n[:, -1], d)
            p_low, p_high = poisson.poisson_limits(n[:, -1])
            out.append({
                "trend": g, "mean": mean, "median_phi": round(float(np.median(d)), 3),
                "cover": round(float(np.mean((low <= mean) & (mean <= high))), 4),
                "cover_poisson": round(float(np.mean((p_low <= mean) & (mean <= p_high))), 4),
                "width_over_poisson": round(float(np.median((high - low) / (p_high - p_low))), 3),
            })  # fmt: skip
    return out


def cluster_ratio(ssq: Arr, n: Arr) -> Arr:
    return np.where(n > 0, ssq / np.where(n > 0, n, 1.0), 1.0)


def phi_used(n_hist: Arr, pooled: tuple[Arr, Arr], variant: str) -> Arr:
    """φ̂ of the last year of n_hist, calibrated by `variant` (a `_prior` suffix: from the years
    before it, so that a year's own difference does not inflate its D)."""
    if variant.endswith(PRIOR):
        n_hist, variant = n_hist[:, :-1], variant.removesuffix(PRIOR)
    if variant == POOLED:  # a minimum number of pairs that own series never reach
        return np.nan_to_num(pooled[0], nan=1.0)
    own, m = sd_dispersion(n_hist)
    use_own = m >= MIN_PAIRS
    phi = np.where(use_own, own, pooled[0])
    pairs = np.where(use_own, m, pooled[1])
    return np.nan_to_num(VARIANTS[variant](phi, pairs), nan=1.0)


def evaluate(
    yrs: Years, alt: Years, pooled: tuple[Arr, Arr], mean: float, history: int, variant: str
) -> dict[str, float]:
    """Figures for one cell; yrs has the history in its last `history` years, alt the current year
    drawn at STEP × the mean (for the ratio coverage)."""
    n, ssq, kmax = (a[:, -history:] for a in yrs)
    t = history - 1
    phi_t = phi_used(n, pooled, variant)
    phi_p = phi_used(n[:, :-1], pooled, variant)
    d_t = np.maximum.reduce([np.ones_like(phi_t), cluster_ratio(ssq[:, t], n[:, t]), phi_t])
    d_p = np.maximum.reduce([np.ones_like(phi_p), cluster_ratio(ssq[:, t - 1], n[:, t - 1]), phi_p])
    low, high = dispersion.gamma_limits(n[:, t], d_t * n[:, t], np.maximum(d_t, kmax[:, t]))
    p_low, p_high = poisson.poisson_limits(n[:, t])
    yoy = dispersion.dispersed_rate_ratio_test(n[:, t], 1.0, d_t, n[:, t - 1], 1.0, d_p)
    yoy_p = poisson.rate_ratio_test(n[:, t], 1.0, n[:, t - 1], 1.0)
    excl = (yoy.low > 1) | (yoy.high < 1)  # NaN high (infinite) never excludes 1
    out = {
        "mean_cover": float(np.mean((low <= mean) & (mean <= high))),
        "median_width": float(np.median((high - low) / mean)),
        "median_width_poisson": float(np.median((p_high - p_low) / mean)),
        "mean_cover_poisson": float(np.mean((p_low <= mean) & (mean <= p_high))),
        "yoy_fpr": float(np.mean(yoy.p_value < ALPHA)),
        "yoy_fpr_poisson": float(np.mean(yoy_p.p_value < ALPHA)),
        "yoy_p_interval_disagree": float(np.mean(excl != (yoy.p_value < ALPHA))),
        "median_D": float(np.median(d_t)),
    }
    # ratio coverage: the current year replaced by one at STEP × the mean
    n_alt = np.concatenate([n[:, :-1], alt.n[:, None]], axis=1)
    phi_a = phi_used(n_alt, pooled, variant)
    d_a = np.maximum.reduce([np.ones_like(phi_a), cluster_ratio(alt.ssq, alt.n), phi_a])
    rr = dispersion.dispersed_rate_ratio_test(alt.n, 1.0, d_a, n[:, t - 1], 1.0, d_p)
    rr_p = poisson.rate_ratio_test(alt.n, 1.0, n[:, t - 1], 1.0)
    out["ratio_cover"] = _ratio_cover(rr.low, rr.high)
    out["ratio_cover_poisson"] = _ratio_cover(rr_p.low, rr_p.high)
    out["step_power"] = float(np.mean(rr.p_value < ALPHA))
    out["step_power_poisson"] = float(np.mean(rr_p.p_value < ALPHA))
    if history >= 6:  # the five-year comparison needs five previous years
        n0 = n[:, t - 5 : t].sum(axis=1)
        d0 = np.maximum.reduce([np.ones_like(phi_t), cluster_ratio(ssq[:, t - 5 : t].sum(axis=1), n0), phi_t])
        five = dispersion.dispersed_rate_ratio_test(n[:, t], 1.0, d_t, n0, 5.0, d0)
        five_p = poisson.rate_ratio_test(n[:, t], 1.0, n0, 5.0)
        out["five_fpr"] = float(np.mean(five.p_value < ALPHA))
        out["five_fpr_poisson"] = float(np.mean(five_p.p_value < ALPHA))
    return out


def _ratio_cover(low: Arr, high: Arr) -> float:
    hi = np.where(np.isnan(high), np.inf, high)
    return float(np.mean((np.nan_to_num(low, nan=0.0) <= STEP) & (hi >= STEP)))


def check_vectorised(rng: np.random.Generator) -> int:
    """sd_dispersion agrees with dispersion.successive_difference_dispersion; rows checked."""
    y = simulate(rng, "extreme", 2.0, 5.0, (200, 8)).n
    est, m = sd_dispersion(y)
    for i in range(len(y)):
        ref, pairs = dispersion.successive_difference_dispersion(y[i])
        assert pairs == m[i] and ((np.isnan(ref) and np.isnan(est[i])) or abs(ref - est[i]) < 1e-12)
    return len(y)


def true_dispersion(mix: str, phi: float) -> float:
    """Var/mean of the annual persons: E[k²]/E[k] + (φ − 1)·E[k]."""
    sizes, probs = (np.asarray(a, dtype=np.float64) for a in MIXES[mix])
    ek = float(sizes @ probs)
    return float((sizes**2) @ probs) / ek + (phi - 1) * ek


def run(reps: int, seed: int, variants: list[str]) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    checked = check_vectorised(rng)
    rows: list[dict[str, Any]] = []
    t0 = time.monotonic()
    cells = len(SCENARIOS) * len(MEANS)
    for i, (name, mix, phi) in enumerate(SCENARIOS):
        for j, mean in enumerate(MEANS):
            cell_rng = np.random.default_rng([seed, i, j])  # each cell reproducible on its own
            yrs = simulate(cell_rng, mix, phi, mean, (reps, YEARS))
            alt_1 = simulate(cell_rng, mix, phi, STEP * mean, (reps, 1))
            alt = Years(alt_1.n[:, 0], alt_1.ssq[:, 0], alt_1.kmax[:, 0])
            pooled = pooled_dispersion(cell_rng, mix, phi, mean, reps)
            for history in HISTORIES:
                for variant in variants:
                    figs = evaluate(yrs, alt, pooled, mean, history, variant)
                    rows.append(
                        {
                            "scenario": name,
                            "mix": mix,
                            "phi": phi,
                            "mean": mean,
                            "history_years": history,
                            "variant": variant,
                            **figs,
                        }
                    )
            done = i * len(MEANS) + j + 1
            print(f"[{done:2d}/{cells}] {name}, mean {mean}: {time.monotonic() - t0:.0f} s", flush=True)
    return {
        "machine": machine(),
        "settings": {
            "reps": reps,
            "seed": seed,
            "alpha": ALPHA,
            "years_simulated": YEARS,
            "histories": list(HISTORIES),
            "means": list(MEANS),
            "min_pairs": MIN_PAIRS,
            "pooled": f"{POOL_SERIES} series x {POOL_YEARS} years",
            "step_ratio": STEP,
            "mixes": {
                k: {
                    "sizes": v[0],
                    "probs": [round(p, 5) for p in v[1]],
                    "true_cluster_ratio": round(true_dispersion(k, 1.0), 3),
                }
                for k, v in MIXES.items()
            },
            "scenarios": [
                {"name": s, "mix": m, "phi_events": p, "true_var_over_mean": round(true_dispersion(m, p), 3)}
                for s, m, p in SCENARIOS
            ],
            "variants": variants,
            "vectorised_phi_checked_rows": checked,
        },
        "phi_bias": phi_bias(seed, reps),
        "trend": trend_check(seed, reps),
        "runtime_s": round(time.monotonic() - t0, 1),
        "rows": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows],
    }


GROUPS = [("1", "1 Poisson"), ("2", "2 clustered"), ("3", "3 over-dispersed"), ("4", "4 both")]


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}"


def markdown(doc: dict[str, Any]) -> str:
    s = doc["settings"]
    lines = [
        "# Coverage of the dispersed intervals (issue 16)",
        "",
        machine_line(doc["machine"]) + f" Runtime {doc['runtime_s']} s.",
        "",
        f"Settings: {s['reps']} replicates per cell, seed {s['seed']}, α = {s['alpha']}; "
        f"φ̂ from the last 10, 6 or 3 years (own φ̂ with ≥ {s['min_pairs']} pairs, else pooled over "
        f"{s['pooled']}); 同比 ratio coverage at a true ratio of {s['step_ratio']}. Monte Carlo "
        f"standard error of a 95% coverage: {100 * (0.95 * 0.05 / s['reps']) ** 0.5:.2f} points.",
        "",
        "Scenarios (true Var/mean of the annual persons): "
        + "; ".join(f"{x['name']} ({x['true_var_over_mean']})" for x in s["scenarios"])
        + ".",
        "",
        "Columns: cover = % of 95% intervals for the series mean holding it; 同比 FP = % of 同比 "
        "tests with p < 5% under equal true means (the ratio interval's coverage of 1 is 100 − FP); "
        "RR cover = % of 同比 ratio intervals holding the true ratio 1.25; 5y FP = five-year test; "
        "power = % of 同比 tests with p < 5% at the true ratio 1.25; width = median interval width / "
        "true mean; P = the plain Poisson interval/test; D = median dispersion factor of the current year.",
        "",
        "Variants (calibrations of φ̂ with m pairs; the own and the pooled φ̂ alike): `as_built` φ̂; "
        "`ucb50_pairs` φ̂·m/χ²(0.5; m); `t_satt` φ̂·(t(0.975; ν)/z)², ν = 2m²/(3m − 1) (Satterthwaite "
        "degrees of freedom of a mean of m successive squared differences: 6.2 for 9 pairs, 3.6 for 5); "
        "`t_pairs` the same with ν = m (×1.33 for 9 pairs, ×1.72 for 5, ×1.03 for 100 pooled); `_prior`: "
        "φ̂ from the years before the current one (as dbt_project/models/intermediate/"
        "int_measure_values__dispersion.sql does); `t_pairs_prior` is the warehouse's method "
        "(pipelines/lib/dispersion.calibrated_dispersion; `as_built_prior` was its first draft); "
        "`pooled_only`: always the pooled φ̂.",
        "",
    ]
    lines += [
        "## Summary: worst cell per scenario group (over means 5–1000 and 3/6/10 years)",
        "",
        "| variant | scenarios | min cover | max 同比 FP | max 5y FP | min RR cover | mean power at 1.25 | median width / Poisson |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    below = []
    for variant in s["variants"]:
        rows = [r for r in doc["rows"] if r["variant"] == variant]
        worst = min(rows, key=lambda r: r["mean_cover"])
        n_below = sum(r["mean_cover"] < TARGET for r in rows)
        below.append(
            f"- `{variant}`: {n_below} of {len(rows)} cells below {100 * TARGET:.0f}%; lowest "
            f"{_pct(worst['mean_cover'])}% ({worst['scenario']}, mean {worst['mean']}, "
            f"{worst['history_years']} years)."
        )
    for variant in s["variants"]:
        for group, label in GROUPS:
            rows = [r for r in doc["rows"] if r["variant"] == variant and r["scenario"][0] in group]
            five = [r["five_fpr"] for r in rows if "five_fpr" in r]
            width = float(np.median([r["median_width"] / r["median_width_poisson"] for r in rows]))
            lines.append(
                f"| {variant} | {label} | {_pct(min(r['mean_cover'] for r in rows))} | "
                f"{_pct(max(r['yoy_fpr'] for r in rows))} | {_pct(max(five))} | "
                f"{_pct(min(r['ratio_cover'] for r in rows))} | "
                f"{_pct(float(np.mean([r['step_power'] for r in rows])))} | {width:.2f} |"
            )
        poisson_rows = [r for r in doc["rows"] if r["variant"] == variant]
    lines += [
        f"| plain Poisson | all | {_pct(min(r['mean_cover_poisson'] for r in poisson_rows))} | "
        f"{_pct(max(r['yoy_fpr_poisson'] for r in poisson_rows))} | "
        f"{_pct(max(r['five_fpr_poisson'] for r in poisson_rows if 'five_fpr_poisson' in r))} | "
        f"{_pct(min(r['ratio_cover_poisson'] for r in poisson_rows))} | "
        f"{_pct(float(np.mean([r['step_power_poisson'] for r in poisson_rows])))} | 1.00 |",
        "",
        f"Against the issue's target (interval coverage ≥ {100 * TARGET:.0f}%):",
        "",
        *below,
        "",
    ]
    lines += [
        "## Bias of φ̂ from 10 years: as built (pair's own λ) and with a common λ̄ (series mean)",
        "",
        "| scenario | mean | true Var/mean | as built: mean | median | common λ̄: mean | median |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {b['scenario']} | {b['mean']} | {b['true']:.2f} | {b['as_built_mean']:.2f} | "
        f"{b['as_built_median']:.2f} | {b['common_lambda_mean']:.2f} | {b['common_lambda_median']:.2f} |"
        for b in doc["phi_bias"]
    ]
    lines += [
        "",
        "## A steady trend inflates φ̂ (Poisson events, as built, 10 years; about g²·mean/2 is added)",
        "",
        "| trend a year | mean | median D | cover | P cover | width / Poisson width |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {100 * t['trend']:.0f}% | {t['mean']} | {t['median_phi']:.2f} | {_pct(t['cover'])} | "
        f"{_pct(t['cover_poisson'])} | {t['width_over_poisson']:.2f} |"
        for t in doc["trend"]
    ]
    lines.append("")
    for variant in s["variants"]:
        lines += [f"## Variant `{variant}`", ""]  # the cells
        lines += [
            "| scenario | mean | years | cover | P cover | width | P width | 同比 FP | P 同比 FP | RR cover | "
            "P RR cover | power | P power | 5y FP | P 5y FP | D |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in doc["rows"]:
            if r["variant"] != variant:
                continue
            lines.append(
                f"| {r['scenario']} | {r['mean']} | {r['history_years']} | {_pct(r['mean_cover'])} | "
                f"{_pct(r['mean_cover_poisson'])} | {r['median_width']:.2f} | {r['median_width_poisson']:.2f} | "
                f"{_pct(r['yoy_fpr'])} | {_pct(r['yoy_fpr_poisson'])} | "
                f"{_pct(r['ratio_cover'])} | {_pct(r['ratio_cover_poisson'])} | {_pct(r['step_power'])} | "
                f"{_pct(r['step_power_poisson'])} | {_pct(r.get('five_fpr'))} | "
                f"{_pct(r.get('five_fpr_poisson'))} | {r['median_D']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=4000)  # SE of a 95% coverage 0.34 points
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument(
        "--variants", default=",".join(VARIANT_NAMES), help="comma-separated: " + ", ".join(VARIANT_NAMES)
    )
    ap.add_argument("--out", type=Path, default=HERE / "interval_coverage.json")
    ap.add_argument(
        "--markdown-only", action="store_true", help="re-render the .md from the existing --out JSON"
    )
    args = ap.parse_args()
    if args.markdown_only:
        doc = json.loads(args.out.read_text(encoding="utf-8"))
        print(f"wrote {write_report(args.out, doc, markdown(doc))}")
        return
    doc = run(args.reps, args.seed, args.variants.split(","))
    md = write_report(args.out, doc, markdown(doc))
    print(f"wrote {args.out} and {md}")


if __name__ == "__main__":
    main()
