"""The dbt unit tests (`dbt_project/models/*/_*unit_tests.yml`) run here, in the fast tier of
`make test`, and never in a refresh: they test the SQL against fixed inputs, not the data, so a
refresh runs `dbt build --exclude-resource-type unit_test` (pipelines/dbt_assets.py).

They run on a copy of the warehouse of the fast tier's refresh (`national_warehouse`): a unit
test needs the relations its model reads to exist, and that refresh built every model.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from pipelines.dbt_assets import dbt_build_args
from tests.conftest import ROOT, refresh_log, run_dbt

MODELS = ROOT / "dbt_project" / "models"


def declared_unit_tests() -> set[str]:
    """The names of the unit tests the project's YAML declares."""
    names: set[str] = set()
    for path in MODELS.rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= {t["name"] for t in doc.get("unit_tests") or []}
    return names


def test_every_dbt_unit_test_runs_and_passes(national_warehouse: Path, tmp_path: Path) -> None:
    wh = tmp_path / "warehouse.duckdb"
    shutil.copyfile(national_warehouse, wh)  # dbt writes (on-run-start): never the shared warehouse
    proc = run_dbt("test", "--select", "test_type:unit", warehouse=wh, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]

    target = tmp_path / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    in_project = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["unit_tests"]
    # a selector that selects nothing (or fewer) must fail here, not pass with 0 tests
    assert sorted(ran) == sorted(in_project), "dbt ran other unit tests than the project's"
    assert set(ran.values()) == {"pass"}, ran
    assert {u["name"] for u in in_project.values()} == declared_unit_tests(), (
        "a unit test declared in YAML is not in the manifest (disabled?)"
    )
    assert len(ran) >= 10, ran


def test_a_refresh_excludes_the_unit_tests_and_loads_the_seeds(national_warehouse: Path) -> None:
    for full in (False, True):
        args = dbt_build_args(full)
        assert args[0] == "build" and ("--full-refresh" in args) == full
        assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
        assert args.count("--exclude-resource-type") == 1  # nothing else: the seeds load every refresh
        # and the view-grain tests (tests/test_view_grain.py), by tag, not by resource type
        assert args[args.index("--exclude") + 1 :] == ["tag:view_grain"]

    log = refresh_log(national_warehouse)
    command = re.findall(r"Running dbt command: `(.*?)`", log)
    assert command and all("--exclude-resource-type unit_test" in c for c in command), command
    assert "dbt unit tests run in CI (make test), not in a refresh" in log
    # dbt's own summary of what the build ran: seeds, and not one unit test
    summary = [line for line in log.splitlines() if line.startswith("Finished running")]
    assert summary and all(" seeds" in line and "unit test" not in line for line in summary), summary
    assert "OK loaded seed file" in log
