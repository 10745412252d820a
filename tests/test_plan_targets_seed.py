"""Checks on the plan-target registry seed (dbt_project/seeds/plan_targets.csv).

The registry is typed by hand from the published plans, so these tests guard the things a typo
breaks: quotes that no longer match the source text, vocabularies, codes and numbers.

The plan texts the quotes come from (`../shared/seeds/*.txt`, beside the repository) are not part
of it. What the quote checks need travels with it instead: tests/fixtures/plan_quotes.json holds
each quote, verified against its source text, with the source's file name and SHA-256. The checks
compare the registry with that file everywhere; where ../shared/seeds exists they also verify
that the source is the one hashed and that the quote still occurs in it. After an edit of a quote
or a new source text, write the file again (only with the texts beside the repository):

    .venv/bin/python -m tests.test_plan_targets_seed
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_CSV = REPO / "dbt_project" / "seeds" / "plan_targets.csv"
SEED_TEXTS = REPO.parent / "shared" / "seeds"
QUOTES_FILE = REPO / "tests" / "fixtures" / "plan_quotes.json"

COLUMNS = [
    "target_id",
    "region_code",
    "jurisdiction_zh",
    "plan_zh",
    "plan_period",
    "category_zh",
    "indicator_zh",
    "indicator_en",
    "indicator_code",
    "unit",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "target_kind",
    "aggregation",
    "binding",
    "responsible_dept_zh",
    "source_file",
    "source_quote",
    "registry_note",
]
TARGET_KINDS = {
    "reduce_pct",
    "absolute_max",
    "absolute_min",
    "zero",
    "cumulative_cap",
    "direction_down",
    "other",
}
AGGREGATIONS = {"final_year", "annual_mean", "period_total", "each_year"}
BINDINGS = {"约束性", "预期性", ""}
INDICATOR_CODES = {
    # counts
    "ps_accidents",
    "ps_deaths",
    "ps_injuries",
    "ps_accidents_larger",
    "ps_accidents_major",
    "ps_accidents_extraordinary",
    "ps_accidents_larger_plus",
    "ps_accidents_major_plus",
    "imc_deaths",
    "se_deaths",
    "road_accidents",
    "road_deaths",
    "fire_count",
    "fire_deaths",
    "nd_deaths",
    "nd_deaths_missing",
    "nd_direct_loss",
    "nd_affected_person_times",
    "forest_fire_count",
    "forest_damaged_area",
    "enf_inspections",
    "enf_penalties",
    "enf_fines",
    "hazards_found",
    "hazards_rectified",
    # rates
    "ps_deaths_per_100m_gdp",
    "imc_deaths_per_100k_workers",
    "road_deaths_per_10k_vehicles",
    "fire_deaths_per_100k_pop",
    "se_deaths_per_10k_units",
    "nd_deaths_missing_per_1m_pop",
    "nd_loss_pct_gdp",
    "nd_affected_per_100k_pop",
    "forest_fire_damage_permille",
    "hazard_rectification_pct",
}
REGIONS = {
    "331102": "莲都区",
    "371521": "阳谷县",
    "500109": "重庆市北碚区",
    "330300": "温州市",
    "450000": "广西壮族自治区",
    "000000": "全国",
}
YEAR = re.compile(r"^(19|20)\d\d$")
YEAR_OR_RANGE = re.compile(r"^(19|20)\d\d(-(19|20)\d\d)?$")
SLUG = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def _load() -> list[dict[str, str]]:
    with SEED_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


ROWS = _load()


def _ids(rows: list[dict[str, str]]) -> list[str]:
    return [r["target_id"] for r in rows]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_registry_is_not_empty_and_ids_are_unique_slugs() -> None:
    ids = _ids(ROWS)
    assert len(ROWS) > 50
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates
    assert all(SLUG.match(i) for i in ids), [i for i in ids if not SLUG.match(i)]


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_vocabularies(row: dict[str, str]) -> None:
    assert row["target_kind"] in TARGET_KINDS
    assert row["aggregation"] in AGGREGATIONS
    assert row["binding"] in BINDINGS
    assert row["indicator_code"] == "" or row["indicator_code"] in INDICATOR_CODES
    assert REGIONS.get(row["region_code"]) == row["jurisdiction_zh"]


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_numeric_columns_parse(row: dict[str, str]) -> None:
    assert YEAR.match(row["target_year"]), row["target_year"]
    assert YEAR_OR_RANGE.match(row["plan_period"]), row["plan_period"]
    # baseline_year is one year, or a span whose annual values are averaged (e.g. 2016-2020, 2020-2022)
    assert row["baseline_year"] == "" or YEAR_OR_RANGE.match(row["baseline_year"]), row["baseline_year"]
    for column in ("baseline_value", "target_value"):
        assert row[column] == "" or _is_number(row[column]), (column, row[column])
    if row["baseline_value"]:
        assert row["baseline_year"], "a baseline value needs its year or period"
    start, _, end = row["plan_period"].partition("-")
    assert int(start) <= int(row["target_year"]) <= int(end or start)


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_target_kind_matches_value(row: dict[str, str]) -> None:
    kind, value = row["target_kind"], row["target_value"]
    if kind in {"reduce_pct", "absolute_max", "absolute_min", "cumulative_cap"}:
        assert value != "", f"{kind} needs a target_value"
    if kind == "zero":
        assert value == "0"
    if kind == "direction_down":
        assert value == ""
    if kind == "reduce_pct":
        assert 0 <= float(value) < 100
        assert row["baseline_year"], "reduce_pct needs a baseline year (2020 by convention)"
    if kind == "cumulative_cap":
        assert row["aggregation"] == "period_total"


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_text_columns_filled(row: dict[str, str]) -> None:
    for column in ("plan_zh", "category_zh", "indicator_zh", "indicator_en", "source_file", "source_quote"):
        assert row[column].strip(), column
    if row["indicator_code"] == "":
        # rows the warehouse cannot compute stay in the registry with the reason
        assert row["registry_note"].startswith("Not tracked: ")
    else:
        assert not row["registry_note"].startswith("Not tracked")


SEED_ROWS = [r for r in ROWS if r["source_file"].endswith(".txt")]
REGENERATE = "write it again: .venv/bin/python -m tests.test_plan_targets_seed (with ../shared/seeds)"


def _carried() -> dict[str, dict[str, str]]:
    """{target_id: {source_file, source_sha256, quote}} of tests/fixtures/plan_quotes.json."""
    entries = json.loads(QUOTES_FILE.read_text(encoding="utf-8"))["quotes"]
    return {e["target_id"]: e for e in entries}


CARRIED = _carried()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("row", SEED_ROWS, ids=_ids(SEED_ROWS))
def test_source_quote_occurs_in_seed_text(row: dict[str, str]) -> None:
    carried = CARRIED.get(row["target_id"])
    assert carried is not None, f"{row['target_id']} is not in {QUOTES_FILE.name}; {REGENERATE}"
    assert (row["source_file"], row["source_quote"]) == (carried["source_file"], carried["quote"]), (
        f"the registry's quote differs from the one verified against the source; {REGENERATE}"
    )
    if SEED_TEXTS.is_dir():  # the source texts beside the repository: verify against them too
        path = SEED_TEXTS / row["source_file"]
        assert path.is_file(), f"unknown seed file {row['source_file']}"
        assert row["source_quote"] in path.read_text(encoding="utf-8")
        assert _sha256(path) == carried["source_sha256"], (
            f"{path.name} changed since it was hashed; {REGENERATE}"
        )


def test_carried_quotes_are_the_registry_quotes() -> None:
    assert sorted(CARRIED) == sorted(_ids(SEED_ROWS)), f"{QUOTES_FILE.name} is stale; {REGENERATE}"
    hashes: dict[str, set[str]] = {}
    for entry in CARRIED.values():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["source_sha256"]), entry
        hashes.setdefault(entry["source_file"], set()).add(entry["source_sha256"])
    assert all(len(h) == 1 for h in hashes.values()), hashes  # one hash per source file


def write_quotes() -> None:
    """Verify every registry quote against its source text and write tests/fixtures/plan_quotes.json."""
    if not SEED_TEXTS.is_dir():
        raise SystemExit(f"the plan texts are not at {SEED_TEXTS}")
    missing = [
        r["target_id"]
        for r in SEED_ROWS
        if r["source_quote"] not in (SEED_TEXTS / r["source_file"]).read_text(encoding="utf-8")
    ]
    if missing:
        raise SystemExit(f"quotes not found in their source text: {missing}")
    lines = [
        json.dumps(
            {
                "target_id": r["target_id"],
                "source_file": r["source_file"],
                "source_sha256": _sha256(SEED_TEXTS / r["source_file"]),
                "quote": r["source_quote"],
            },
            ensure_ascii=False,
        )
        for r in SEED_ROWS
    ]
    about = (
        "Each source_quote of dbt_project/seeds/plan_targets.csv quoting a plan text, as verified against "
        "../shared/seeds/<source_file> (SHA-256 source_sha256). Written by python -m tests.test_plan_targets_seed."
    )
    text = "{\n" + f' "about": {json.dumps(about)},\n "quotes": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    QUOTES_FILE.write_text(text, encoding="utf-8")
    print(f"{QUOTES_FILE.relative_to(REPO)}: {len(lines)} quotes", file=sys.stderr)


def test_non_seed_rows_are_national_and_cite_a_document() -> None:
    others = [r for r in ROWS if not r["source_file"].endswith(".txt")]
    assert others, "expected the national targets"
    for row in others:
        assert row["region_code"] == "000000", row["target_id"]
        assert "《" in row["source_file"], row["target_id"]
        assert "http" in row["registry_note"], row["target_id"]


if __name__ == "__main__":
    write_quotes()
