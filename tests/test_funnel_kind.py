"""Which funnel limits each indicator of the registry gets, derived from the seeds' columns
(indicators.csv kind / denominator_from, measures.csv dimension), and the classifier's rules."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from pipelines.lib.funnel_kind import clustered, funnel_kind, indicator_funnel_kind

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"

# Every rate of the registry, decided by hand from what its numerator counts. A new rate must be
# added here: its funnel (or the absence of one) is a statistical decision, not a default.
RATES = {
    "ps_deaths_per_100m_gdp": "poisson",  # persons per money: the numerator is a count of deaths
    "imc_deaths_per_100k_workers": "poisson",
    "road_deaths_per_10k_vehicles": "poisson",
    "fire_deaths_per_100k_pop": "poisson",
    "se_deaths_per_10k_units": "poisson",
    "nd_deaths_missing_per_1m_pop": "poisson",
    "nd_loss_pct_gdp": "none",  # 万元 of loss: an amount, not events
    "nd_affected_per_100k_pop": "none",  # 人次: one person counted many times
    "forest_fire_damage_permille": "none",  # 公顷 of forest: an area
    "hazard_rectification_pct": "binomial",  # rectified hazards are part of those found
}


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_indicator_of_the_registry_gets_its_funnel() -> None:
    dimensions = {m["measure_code"]: m["dimension"] for m in _seed("measures.csv")}
    indicators = _seed("indicators.csv")
    rates = {i["indicator_code"] for i in indicators if i["kind"] == "rate"}
    assert rates == set(RATES)  # a rate added or removed: decide its funnel above
    got = {i["indicator_code"]: indicator_funnel_kind(i, dimensions) for i in indicators}
    for code, kind in got.items():
        assert kind == RATES.get(code, "none"), code  # counts: ranked by value, no funnel
    assert sum(k == "none" for k in got.values()) == len(indicators) - 7


def test_classifier_rules() -> None:
    # a rate of events or persons over any exposure (money, persons, vehicles …): Poisson
    assert funnel_kind("rate", "denominator", "events", "money") == "poisson"
    assert funnel_kind("rate", "denominator", "persons", "persons") == "poisson"
    # amounts and person-times, houses, inspections: no limits
    for dim in ("money", "area", "person_times", "houses", "times", "items", None, ""):
        assert funnel_kind("rate", "denominator", dim, "persons") == "none", dim
    # a count over a count of the same things: a proportion; of other things: no limits
    assert funnel_kind("rate", "measure", "items", "items") == "binomial"
    assert funnel_kind("rate", "measure", "persons", "persons") == "binomial"
    assert funnel_kind("rate", "measure", "persons", "events") == "none"  # deaths per accident
    assert funnel_kind("rate", "measure", "money", "money") == "none"  # loss share: an amount
    # counts have no funnel; NaN (an empty CSV cell read by pandas) is treated as empty
    assert funnel_kind("count", math.nan, "events", math.nan) == "none"  # type: ignore[arg-type]
    assert (
        indicator_funnel_kind(
            {"kind": "rate", "denominator_from": math.nan, "numerator_measure": "x"}, {"x": "events"}
        )
        == "poisson"
    )


@pytest.mark.parametrize(("dim", "expected"), [("persons", True), ("events", False), (None, False)])
def test_persons_are_clustered(dim: str | None, expected: bool) -> None:
    assert clustered(dim) is expected
