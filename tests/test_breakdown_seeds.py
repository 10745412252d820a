"""The domain / breakdown / measure list is stated once, in seeds that dbt and the dashboard read;
the windowed record sources once, in the var.

Seeds: dbt_project/seeds/domains.csv (domain, record source, page, title), breakdowns.csv (the
breakdowns each domain publishes) and breakdown_measures.csv (the measures each shows).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.conftest import ROOT, attached, run_dbt

SEEDS = ROOT / "dbt_project" / "seeds"
ALL_SOURCES = ["accidents", "road_traffic", "fires", "disasters", "enforcement"]


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_breakdown_measures_are_record_measures_of_their_domain_source() -> None:
    """Every measure a domain's breakdowns show is a measure of the measure seed whose record
    source is the domain's, and every domain with breakdowns is a seeded domain."""
    source = {d["domain"]: d["record_source"] for d in _seed("domains")}
    measures = {m["measure_code"]: m for m in _seed("measures")}
    for row in _seed("breakdown_measures"):
        assert measures[row["measure_code"]]["record_source"] == source[row["domain"]], row
    assert {b["domain"] for b in _seed("breakdowns")} <= set(source)
    assert sorted(source.values()) == sorted(ALL_SOURCES)


def test_dashboard_pages_derive_from_the_seeds() -> None:
    from dashboards.domain import DOMAINS, GRADE_ORDER, PS_MEASURES

    pages = {d["page"]: d for d in _seed("domains")}
    assert set(DOMAINS) == set(pages)
    for key, dom in DOMAINS.items():
        seeded = sorted(
            (b for b in _seed("breakdowns") if b["domain"] == pages[key]["domain"]),
            key=lambda b: int(b["display_order"]),
        )
        measures = tuple(
            m["measure_code"]
            for m in sorted(_seed("breakdown_measures"), key=lambda m: int(m["display_order"]))
            if m["domain"] == pages[key]["domain"]
        )
        assert dom.mart_domain == pages[key]["domain"] and dom.title_key == pages[key]["title_key"]
        assert [b.key for b in dom.breakdowns] == [b["breakdown"] for b in seeded]
        assert all(b.measures == measures for b in dom.breakdowns)
        assert [b.adds_up for b in dom.breakdowns] == [b["adds_up"] == "true" for b in seeded]
        # months are published for production safety only; the other pages list them as pending
        assert dom.pending == (() if any(b["breakdown"] == "month" for b in seeded) else ("bd_month",))
    assert PS_MEASURES == ("ps_accidents", "ps_deaths")
    assert GRADE_ORDER == ("ordinary", "larger", "major", "extraordinary")


def test_a_source_added_to_the_windowed_var_alone_is_not_counted_twice(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    """With every record source in var windowed_record_sources, an incremental build of the
    record aggregates recomputes only replaced windows of each (none here) and keeps every row
    once: the grain tests pass and the tables are unchanged. (Before, the accidents and
    disasters aggregates were recomputed whole and inserted again beside the kept rows.)"""
    wh = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, wh)
    models = ["int_breakdowns__quarterly", "int_record_measures__quarterly"]
    columns = "region_code, year, quarter, record_source, measure_code, value, n_records, released_on"
    with attached(before=sample_warehouse) as con:
        before = {m: con.execute(f"select {columns} from before.intermediate.{m}").fetchall() for m in models}
    proc = run_dbt(
        "build",
        "--select",
        *models,
        "--exclude",
        "resource_type:unit_test",
        "--vars",
        "{windowed_record_sources: [" + ", ".join(ALL_SOURCES) + "]}",
        warehouse=wh,
        tmp_path=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "unique_combination_of_columns_int_breakdowns__quarterly" in proc.stdout
    with attached(after=wh) as con:
        for m in models:
            after = con.execute(f"select {columns} from after.intermediate.{m}").fetchall()
            assert sorted(after, key=repr) == sorted(before[m], key=repr), m
