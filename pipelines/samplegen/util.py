"""Deterministic randomness, exact integer allocation and period helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from . import spec


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``keys`` (never on call order or the clock)."""
    entropy = [int(seed)]
    for key in keys:
        if isinstance(key, int):
            entropy.append(key)
        else:
            digest = hashlib.blake2b(str(key).encode("utf-8"), digest_size=8).digest()
            entropy.append(int.from_bytes(digest, "little"))
    return np.random.default_rng(np.random.SeedSequence(entropy))


def weights(values: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(values, dtype=np.float64)
    return w / w.sum()


def multinomial(rng: np.random.Generator, total: int, p: np.ndarray) -> np.ndarray:
    """Integer split of ``total`` with probabilities ``p`` (exact sum)."""
    if total <= 0:
        return np.zeros(len(p), dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    p = p / p.sum()
    return rng.multinomial(total, p).astype(np.int64)


def hypergeometric(rng: np.random.Generator, capacities: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` over bins without exceeding ``capacities`` (uniform over capacity slots)."""
    capacities = np.asarray(capacities, dtype=np.int64)
    if total < 0 or total > int(capacities.sum()):
        raise ValueError(f"cannot place {total} into capacity {int(capacities.sum())}")
    if total == 0:
        return np.zeros(len(capacities), dtype=np.int64)
    return rng.multivariate_hypergeometric(capacities, total).astype(np.int64)


def slots(rng: np.random.Generator, n: int, per_item: int, total: int) -> np.ndarray:
    """Give each of ``n`` items 0..per_item units so that they add up to ``total`` exactly."""
    if total > n * per_item:
        raise ValueError(f"{total} units do not fit into {n} items of {per_item}")
    if n == 0 or total == 0:
        return np.zeros(n, dtype=np.int64)
    chosen = rng.choice(n * per_item, size=total, replace=False)
    return np.bincount(chosen // per_item, minlength=n).astype(np.int64)


def pick(rng: np.random.Generator, choices: Mapping[str, float], size: int) -> np.ndarray:
    keys = list(choices)
    idx = rng.choice(len(keys), size=size, p=weights(list(choices.values())))
    return np.asarray(keys, dtype=object)[idx]


def lognormal_cents(
    rng: np.random.Generator, size: int, median_wan: float, sigma: float, lo: float, hi: float
):
    """Money amounts in cents of 万元 (= 100 元 units), lognormal, clipped to [lo, hi] 万元."""
    values = np.exp(rng.normal(np.log(median_wan), sigma, size))
    return np.round(np.clip(values, lo, hi) * 100).astype(np.int64)


def anchor_values(targets: spec.YearTargets, year: int, rng: np.random.Generator, factor: float) -> list[int]:
    """Yearly totals: fixed years as configured, others the anchor with multiplicative noise."""
    base = targets.values[year]
    if year in targets.fixed:
        noisy = [float(v) for v in base]
    else:
        noisy = [v * float(np.exp(rng.normal(0.0, targets.noise))) for v in base]
    return [round(v * factor) for v in noisy]


def months_of(year: int) -> list[int]:
    return list(range(1, (spec.LAST_MONTH if year == spec.LAST_YEAR else 12) + 1))


def file_period(d: dt.date | dt.datetime) -> str:
    """The record-file period a date belongs to: a year before 2025, a quarter from 2025."""
    if d.year < spec.QUARTERLY_FROM:
        return str(d.year)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def fmt_cents(values: np.ndarray) -> list[str]:
    """Integer hundredths -> exact decimal strings with two places (no float rounding)."""
    out = []
    for v in values.tolist():
        sign = "-" if v < 0 else ""
        v = abs(v)
        out.append(f"{sign}{v // 100}.{v % 100:02d}")
    return out


def round_half_up(value: float, ndigits: int = 0) -> float:
    q = 10**ndigits
    return float(np.floor(value * q + 0.5) / q)
