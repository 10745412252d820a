"""Signal or noise: is a change in a count larger than chance would make it? Pure functions.

Event counts (deaths, accidents) are roughly Poisson. For this period's count x and last
year's y, the difference x − y has variance ≈ x + y, so |x − y| > 2·√(x + y) is called a
signal (≈95 %); anything smaller is within noise. Rates on small counts inherit the noise of
their numerator, which is why the drill-down judges a rate's change on its counts.
"""

from __future__ import annotations

import math
from typing import Any

from dashboards.formatting import is_missing

SMALL_COUNT = 10  # below this many events, rates and percent changes are mostly chance
Z = 2.0


def poisson_z(current: Any, base: Any) -> float | None:
    """(x − y) / √(x + y), or None when either count is missing or both are zero."""
    if is_missing(current) or is_missing(base):
        return None
    x, y = float(current), float(base)
    if x < 0 or y < 0 or x + y == 0:
        return None
    return (x - y) / math.sqrt(x + y)


def poisson_signal(current: Any, base: Any, z: float = Z) -> bool | None:
    """True when the change is beyond chance, False when within noise, None when unknown."""
    score = poisson_z(current, base)
    if score is None:
        return None
    return abs(score) > z
