"""Funnel-plot control limits for proportions (a count out of a count it is part of, e.g.
隐患整改率 = hazards rectified ÷ hazards found), the binomial counterpart of
`pipelines.lib.poisson.funnel_limits`. References and explanations: docs/methods.md.

- `funnel_limits`: exact binomial limits around the target proportion p0 for a unit of size n,
  with Spiegelhalter's (2005, appendix A.1.1) interpolation between the integer steps: with r_p
  the p-quantile of Binomial(n, p0) and a = (F(r_p) − p) / (F(r_p) − F(r_p − 1)), the limit is
  (r_p − a) / n. Poisson limits would be too wide (a proportion cannot pass 100%) and would not
  shrink towards 100% as p0 nears it.
- `overdispersion`, `funnel_limits_overdispersed`: Spiegelhalter (2005) §3.2 on the proportion
  scale, s² = p0(1 − p0)/n: winsorised φ, additive random effect τ², limits p0 ± z·√(s² + τ²)
  clipped to [0, 1].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from pipelines.lib.poisson import Overdispersion, dispersion_of

Float = NDArray[np.float64]


def funnel_limits(p0: float, n: ArrayLike, coverage: float) -> tuple[Float, Float]:
    """Exact binomial funnel limits (proportions in [0, 1]) around p0 for units of size n.

    n is rounded to an integer (counts loaded as doubles). p0 of 0 or 1 gives p0 itself:
    the distribution is a point there and the interpolation would move the limits off it.
    """
    size = np.maximum(np.round(np.asarray(n, dtype=np.float64)), 1.0)
    if p0 <= 0.0 or p0 >= 1.0:
        edge = np.full(size.shape, min(max(p0, 0.0), 1.0))
        return edge, edge.copy()
    out = []
    for p in ((1 - coverage) / 2, 1 - (1 - coverage) / 2):
        r = stats.binom.ppf(p, size, p0)
        f_r = stats.binom.cdf(r, size, p0)
        f_prev = stats.binom.cdf(r - 1, size, p0)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(f_r > f_prev, (f_r - p) / (f_r - f_prev), 0.0)
        out.append(np.clip((r - a) / size, 0.0, 1.0))
    return out[0], out[1]


def overdispersion(
    successes: ArrayLike, n: ArrayLike, p0: float, winsor: float = 0.10, level: float = 0.95
) -> Overdispersion:
    """z_i = (y_i/n_i − p0)/√(p0(1 − p0)/n_i), winsorised at the 10th/90th percentiles;
    φ = Σz²/I; over-dispersed when I·φ exceeds the `level` quantile of χ²(I − 1), then
    τ² = (I·φ − (I − 1)) / (Σw − Σw²/Σw) with w = 1/s² (Spiegelhalter 2005, eq. 5)."""
    y, size = np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64)
    keep = np.isfinite(y) & np.isfinite(size) & (size > 0)
    y, size = y[keep], size[keep]
    if len(y) < 3 or not 0.0 < p0 < 1.0:
        return Overdispersion(phi=float("nan"), tau2=0.0, overdispersed=False, n_units=len(y))
    return dispersion_of(y / size, p0, p0 * (1 - p0) / size, winsor, level)


def funnel_limits_overdispersed(p0: float, n: ArrayLike, coverage: float, tau2: float) -> tuple[Float, Float]:
    """Normal-approximation limits p0 ± z·√(p0(1 − p0)/n + τ²), clipped to [0, 1]."""
    size = np.asarray(n, dtype=np.float64)
    z = stats.norm.ppf(1 - (1 - coverage) / 2)
    half = z * np.sqrt(p0 * (1 - p0) / size + tau2)
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)
