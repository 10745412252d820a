"""Which control limits a funnel plot of an indicator may draw, from the measure registry's
`dimension` of its numerator and denominator (seeds indicators.csv, measures.csv; docs/methods.md).

- 'poisson': a rate whose numerator counts events (起) or persons (人): exact Poisson limits,
  widened by a random effect when the regions are over-dispersed. Persons are clustered (one
  accident, several deaths), so the widening matters most there.
- 'binomial': a proportion, i.e. a count divided by a count of the same things that it is part
  of (denominator_from = 'measure', same dimension), e.g. hazards rectified ÷ hazards found.
- 'none': the numerator is an amount (money 万元, area 公顷), person-times (人次, one person
  counted many times), houses or anything else that is not a count of independent events;
  Poisson limits would change with the unit the amount is written in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

FunnelKind = Literal["poisson", "binomial", "none"]

POISSON_DIMENSIONS = frozenset({"events", "persons"})
CLUSTERED_DIMENSIONS = frozenset({"persons"})  # several per event: more variation than Poisson
# Discrete things a share can be taken of ('x of the y found'); not amounts or person-times.
COUNTABLE_DIMENSIONS = frozenset({"events", "persons", "items", "times", "houses", "units", "vehicles"})


def _text(value: Any) -> str:
    """'' for None and NaN (pandas gives NaN for an empty CSV cell)."""
    return "" if value is None or value != value else str(value)


def funnel_kind(
    kind: str | None,
    denominator_from: str | None,
    numerator_dimension: str | None,
    denominator_dimension: str | None,
) -> FunnelKind:
    """The funnel of an indicator of `kind` ('rate' or 'count') given its numerator's and
    denominator's dimensions (measures.dimension) and where its denominator comes from."""
    if _text(kind) != "rate":
        return "none"
    num, den = _text(numerator_dimension), _text(denominator_dimension)
    if _text(denominator_from) == "measure":  # a count over another count: a share of it
        return "binomial" if num == den and num in COUNTABLE_DIMENSIONS else "none"
    return "poisson" if num in POISSON_DIMENSIONS else "none"


def indicator_funnel_kind(indicator: Mapping[str, Any], dimensions: Mapping[str, str]) -> FunnelKind:
    """`funnel_kind` of one indicator row (seed indicators / dim_indicators) with the measure
    registry's dimensions (measure_code → dimension)."""
    return funnel_kind(
        indicator.get("kind"),
        indicator.get("denominator_from"),
        dimensions.get(_text(indicator.get("numerator_measure"))),
        dimensions.get(_text(indicator.get("denominator_measure"))),
    )


def clustered(numerator_dimension: str | None) -> bool:
    """Whether the numerator counts things that come several to an event (persons)."""
    return _text(numerator_dimension) in CLUSTERED_DIMENSIONS
