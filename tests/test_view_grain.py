"""The grain tests of the views behind marts.fct_indicator_values (dbt tag `view_grain`) run here, in
CI, and not in a refresh (`pipelines.dbt_assets.REFRESH_EXCLUDES`): each one recomputes the whole
view chain over every year, which at a national drop is where the build ran out of memory
(docs/scale.md). A refresh relies on the mart's own grain test instead. These tests check the
claim that makes that safe: each tagged test is on a view whose rows reach the mart, the mart's
grain test runs in every refresh, and a fan-out in the views fails it. The monthly values and the
two statistics models are year-incremental tables, and the plan-period values and the missing
submissions per value small tables rebuilt at every build: their grain tests scan a table, not
the view chain, and run in every refresh.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines.dbt_assets import dbt_build_args
from tests.conftest import ROOT, refresh_log, run_dbt

MODELS = ROOT / "dbt_project" / "models"
MART = "model.safety_stats.fct_indicator_values"
MART_KEY = ["region_code", "indicator_code", "period_type", "period"]
CHAIN_TABLES = (  # year-incremental tables of the chain
    "int_indicator_values__months",
    "int_indicator_values__statistics",
    "int_indicator_values__months_statistics",
)
# tables rebuilt whole at every build, which each batch of the statistics read several times
# (as views they were recomputed over every year each time): small, their grain tests run in
# every refresh
WHOLE_TABLES = ("int_indicator_values__plan_periods", "int_indicator_values__missing")


def declared_view_grain_models() -> set[str]:
    """The models whose grain test the project's YAML tags view_grain."""
    names: set[str] = set()
    for path in MODELS.rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in doc.get("models") or []:
            for test in model.get("data_tests") or []:
                spec = next(iter(test.values())) if isinstance(test, dict) else {}
                if "view_grain" in ((spec or {}).get("config") or {}).get("tags", []):
                    names.add(model["name"])
    return names


def downstream(manifest: dict[str, Any], node: str) -> set[str]:
    seen: set[str] = set()
    todo = [node]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def copy_warehouse(sample_warehouse: Path, tmp_path: Path) -> Path:
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, wh)  # dbt writes (on-run-start): never the shared warehouse
    return wh


def test_view_grain_tests_pass_here_and_a_refresh_runs_the_marts_instead(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    wh = copy_warehouse(sample_warehouse, tmp_path)
    proc = run_dbt("test", "--select", "tag:view_grain", warehouse=wh, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]

    target = tmp_path / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    results = [r for r in results if r["unique_id"].startswith("test.")]  # not the on-run-start hook
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    assert results and {r["status"] for r in results} == {"pass"}, results
    tested = {nodes[r["unique_id"]]["attached_node"] for r in results}
    # the selector ran exactly the tests the YAML tags, one per view (nothing silently dropped)
    assert {t.split(".")[-1] for t in tested} == declared_view_grain_models()
    assert len(results) == len(tested) == 7, sorted(tested)

    mart_tests = [
        n
        for n in nodes.values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == MART
        and n["test_metadata"]["name"] == "unique_combination_of_columns"
    ]
    assert [t["test_metadata"]["kwargs"]["columns"] for t in mart_tests] == [MART_KEY]
    assert "view_grain" not in mart_tests[0]["tags"]  # the mart's grain test runs in every refresh
    for model in tested:
        assert nodes[model]["config"]["materialized"] == "view", model
        assert MART in downstream(manifest, model), f"{model} does not reach {MART}"

    log = refresh_log(sample_warehouse)
    commands = re.findall(r"Running dbt command: `(.*?)`", log)
    assert commands and all("--exclude tag:view_grain" in c for c in commands), commands
    assert f"PASS {mart_tests[0]['name']}" in log
    ran_in_refresh = set(re.findall(r"PASS (unique_combination_of_columns_\S+)", log))
    assert not {nodes[r["unique_id"]]["name"] for r in results} & ran_in_refresh
    for table in CHAIN_TABLES:  # tables now: their grain tests run in the refresh
        assert nodes[f"model.safety_stats.{table}"]["config"]["materialized"] == "incremental"
        assert any(t.startswith(f"unique_combination_of_columns_{table}_") for t in ran_in_refresh), table
    for table in WHOLE_TABLES:
        assert nodes[f"model.safety_stats.{table}"]["config"]["materialized"] == "table"
        assert any(t.startswith(f"unique_combination_of_columns_{table}_") for t in ran_in_refresh), table


def test_a_fan_out_in_the_views_fails_their_test_and_a_grain_test_of_the_refresh(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    """One base value doubled (a join fan-out, as bad code or a duplicated input would make it):
    the view test finds it, and so does the refresh's build of the chain without the view tests."""
    wh = copy_warehouse(sample_warehouse, tmp_path)
    with duckdb.connect(str(wh)) as con:
        con.execute(
            "INSERT INTO intermediate.int_indicator_values__base "
            "SELECT * FROM intermediate.int_indicator_values__base "
            "WHERE period_type = 'quarter' AND value > 0 LIMIT 1"
        )
    views = run_dbt("test", "--select", "tag:view_grain", warehouse=wh, tmp_path=tmp_path / "views")
    assert views.returncode != 0, views.stdout[-4000:]
    assert "FAIL 1 unique_combination_of_columns_int_indicator_values__periods_" in views.stdout

    # the refresh's own dbt arguments, narrowed to the chain after the views (the base table is
    # not rebuilt, so the doubled row stays); its year-incremental build sees the changed year
    chain = ["int_indicator_values__input_fingerprints", *CHAIN_TABLES, "fct_indicator_values"]
    build = run_dbt(*dbt_build_args(False), "--select", *chain, warehouse=wh, tmp_path=tmp_path / "mart")
    assert build.returncode != 0, build.stdout[-4000:]
    # the doubled quarter, and the values that take it as their 同比 or 环比 base: the first
    # table of the chain fails its grain test in the refresh, and nothing after it is built
    assert re.search(
        r"FAIL \d+ unique_combination_of_columns_int_indicator_values__statistics_", build.stdout
    ), build.stdout[-4000:]
    assert re.search(r"SKIP relation \S*fct_indicator_values", build.stdout), build.stdout[-4000:]
