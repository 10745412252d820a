"""Direct standardisation of 工矿商贸 death rates by sector mix (ESAW-style) and the Fay–Feuer
gamma interval of a directly standardised rate.

Eurostat's European Statistics on Accidents at Work (ESAW) standardise incidence rates by
branch: the standardised rate is ``y = Σ_s w_s · d_s / n_s`` with ``w_s`` the standard
population's share of sector s (Σ w_s = 1), ``d_s`` the deaths and ``n_s`` the workers of the
sector in the region. Fay & Feuer (1997, Stat Med 16:791–801) give a gamma interval for ``y``
that needs no normal approximation and stays valid with few deaths:

    v   = Σ (w_s / n_s)² d_s            variance of y under Poisson deaths
    w_M = max_s (w_s / n_s)             the largest weight per death
    low  = v / (2y) · χ²(α/2;   2y² / v)                            (0 when y = 0)
    high = (v + w_M²) / (2(y + w_M)) · χ²(1 − α/2; 2(y + w_M)² / (v + w_M²))

The interval scales with the rate, so it can be computed per worker and multiplied by 10^5. It is
`pipelines.lib.dispersion.gamma_limits`, the interval of every clustered count; the dbt mart
calls it as the UDFs ``dispersed_ci_low`` / ``dispersed_ci_high`` (pipelines/dbt_udfs.py) on the
sums and maxima the SQL computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipelines.lib.dispersion import gamma_limits

ALPHA = 0.05  # 95% intervals, as every other interval of the warehouse


@dataclass(frozen=True)
class Standardised:
    rate: float  # per worker: × 10^5 for the published rate
    low: float
    high: float
    share_covered: float  # Σ weights of the sectors present in the region


def standardise(
    deaths: Mapping[str, float],
    workers: Mapping[str, float | None],
    weights: Mapping[str, float],
    alpha: float = ALPHA,
) -> Standardised | None:
    """The directly standardised rate (per worker) and its Fay–Feuer interval, by the rules of
    fct_standardised_rates:

    - a sector of the standard with no worker figure: None (not standardised; dropping it would
      silently change the standard);
    - a sector with 0 workers but deaths: None (its rate is undefined);
    - a sector with 0 workers and 0 deaths does not exist in the region: left out, the other
      weights rescaled to sum to 1 (``share_covered`` says how much of the standard is kept).

    Deaths in a sector outside the standard are not counted (the standard defines the scope).
    """
    d = {s: float(deaths.get(s, 0.0)) for s in weights}
    present: dict[str, float] = {}
    for sector in weights:
        n = workers.get(sector)
        if n is None or (n == 0 and d[sector] > 0):
            return None
        if n > 0:
            present[sector] = float(n)
    if not present:  # no sector of the standard has workers: no rate
        return None
    covered = sum(weights[s] for s in present)
    per_death = {s: weights[s] / covered / n for s, n in present.items()}
    y = sum(per_death[s] * d[s] for s in present)
    v = sum(per_death[s] ** 2 * d[s] for s in present)
    wm = max(per_death.values())
    low, high = (float(x) for x in gamma_limits(y, v, wm, alpha))
    return Standardised(y, low, high, covered)


def crude(deaths: Sequence[float], workers: Sequence[float]) -> float:
    """Σ deaths / Σ workers: the rate the standardised one is compared with."""
    return float(sum(deaths)) / float(sum(workers))
