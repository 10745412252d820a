"""The benchmarks' shared helpers (benchmarks/bench_common.py) and their reports: pure functions on
the committed figures, nothing measured."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_common as bc  # noqa: E402  (benchmarks/ is not a package)
import bespoke_machinery  # noqa: E402


def test_stats_summarises_runs() -> None:
    assert bc.stats([3.0, 1.0, 2.0004]) == {
        "runs": [3.0, 1.0, 2.0],
        "median": 2.0,
        "min": 1.0,
        "max": 3.0,
        "spread": 2.0,
    }
    assert bc.stats([]) == {"runs": [], "median": None, "min": None, "max": None, "spread": None}


def test_machine_line() -> None:
    m = {
        "cpu_model": "CPU",
        "cpu_cores": 2,
        "ram_gib": 23.5,
        "os": "Linux",
        "python": "3.11.7",
        "date_utc": "2026-12-02T18:35:21+00:00",
    }
    assert bc.machine_line(m) == (
        "Machine: CPU, 2 cores, 23.5 GiB RAM, Linux, Python 3.11.7; 2026-12-02T18:35:21+00:00."
    )


def test_child_env_drops_safety_settings_but_the_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETY_RAW", "/somewhere")
    monkeypatch.setenv("SAFETY_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("DAGSTER_HOME", "/dagster")
    env = bc.child_env(Path("/checkout"), SAFETY_TODAY="2026-01-01")
    assert "SAFETY_RAW" not in env and "DAGSTER_HOME" not in env
    assert env["SAFETY_DUCKDB_MEMORY"] == "1GB"
    assert env["PYTHONPATH"] == "/checkout"
    assert env["SAFETY_TODAY"] == "2026-01-01"
    assert all(env[k] == v for k, v in bc.TELEMETRY_OFF.items())
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert "PYTHONPATH" not in bc.child_env()


def test_refresh_env_points_at_the_warehouse_directory() -> None:
    env = bc.refresh_env(Path("/c"), Path("/drop"), Path("/w"))
    assert (env["SAFETY_RAW"], env["SAFETY_WAREHOUSE"], env["SAFETY_SERVING"]) == (
        "/drop",
        "/w/warehouse.duckdb",
        "/w/serving.duckdb",
    )


def test_write_report(tmp_path: Path) -> None:
    md = bc.write_report(tmp_path / "r.json", {"a": "同比", "b": [1]}, "# r\n", indent=2)
    assert md == tmp_path / "r.md"
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == '{\n  "a": "同比",\n  "b": [\n    1\n  ]\n}\n'
    assert md.read_text(encoding="utf-8") == "# r\n"


def test_phases_from_the_cli_log(tmp_path: Path) -> None:
    log = tmp_path / "refresh.log"
    log.write_text(
        "10:00:00 step 1/2 ingest\n10:00:30 step 2/2 dbt\nnoise\n10:02:00 published\n10:02:01 done in 121 s\n"
    )
    assert bc.phases(log) == {"ingest_s": 30.0, "transform_and_publish_s": 90.0}


def test_link_drop_holds_the_last_quarter(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for rel in ("fires/a_2026Q2.csv", "fires/a_2026Q3.csv", "denominators/pop_2026Q3.csv"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(rel)
    held = bc.link_drop(src, tmp_path / "dst", hold_last=True)
    assert held == [src / "fires/a_2026Q3.csv"]
    assert sorted(p.relative_to(tmp_path / "dst").as_posix() for p in (tmp_path / "dst").rglob("*.csv")) == [
        "denominators/pop_2026Q3.csv",
        "fires/a_2026Q2.csv",
    ]


# ----------------------------------------------------------------------------- bespoke_machinery


def test_mechanism_3_detected_by_its_function(tmp_path: Path) -> None:
    state = tmp_path / "pipelines" / "dbt_code_state.py"
    assert not bespoke_machinery.has_unit_test_skip(tmp_path)
    state.parent.mkdir()
    state.write_text("def dbt_code_hash() -> str:\n    return ''\n")
    assert not bespoke_machinery.has_unit_test_skip(tmp_path)
    state.write_text(
        state.read_text() + "\n\ndef unit_tests_passed(warehouse, code_hash):\n    return True\n"
    )
    assert bespoke_machinery.has_unit_test_skip(tmp_path)


def _committed(name: str) -> dict:
    return json.loads((BENCH / name).read_text(encoding="utf-8"))


def test_bespoke_report_is_what_the_script_writes() -> None:
    doc = _committed("bespoke_machinery.json")
    for r in doc["runs"]:
        bespoke_machinery.derive(r)
    assert doc == _committed("bespoke_machinery.json")
    assert bespoke_machinery.to_markdown(doc) == (BENCH / "bespoke_machinery.md").read_text(encoding="utf-8")


def test_bespoke_report_without_mechanism_3() -> None:
    """A checkout without the unit-test skip state: no refreshes with the unit tests run, no state
    lookup; mechanism 3 is recorded as removed, the others as before."""
    doc = copy.deepcopy(_committed("bespoke_machinery.json"))
    for r in doc["runs"]:
        r["refreshes"] = [x for x in r["refreshes"] if x["mode"] != "unit_tests_run"]
        r["unit_test_skip"] = bespoke_machinery.UNIT_TEST_SKIP_REMOVED
        for k in ("state_lookup_s", "check_s"):
            del r["dbt_code_hash"][k]
        bespoke_machinery.derive(r)
    md = bespoke_machinery.to_markdown(doc)
    assert bespoke_machinery.UNIT_TEST_SKIP_REMOVED == (
        "removed (replaced by --exclude-resource-type unit_test, see verdict)"
    )
    assert md.count(bespoke_machinery.UNIT_TEST_SKIP_REMOVED) == len(doc["runs"])
    assert "state lookup" not in md and "3. …" not in md
    assert md.count("1. year-incremental fingerprints") == len(doc["runs"])
    assert md.count("4. `os._exit` after the refresh") == len(doc["runs"])


def test_compare_marts_finds_changed_and_repeated_rows(tmp_path: Path) -> None:
    import duckdb
    import run_bench

    rows = (
        "(values ('110000', 1.5, 3), ('120000', 2.0, null), ('130000', 0.1, 7)) as v(region_code, value, n)"
    )
    changed = {  # the incremental copy's difference from the full one, per mart
        "fct_indicator_values": None,
        "fct_breakdowns": "update marts.fct_breakdowns set value = 2.0000001 where region_code = '130000'",
        "fct_plan_progress": "insert into marts.fct_plan_progress select * from marts.fct_plan_progress limit 1",
        "fct_reconciliation": "update marts.fct_reconciliation set n = 3 where region_code = '120000'",
    }
    for name in ("full", "inc"):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            con.execute("create schema marts")
            for mart, edit in changed.items():
                con.execute(f"create table marts.{mart} as select * from {rows}")
                if name == "inc" and edit:
                    con.execute(edit)
    out = run_bench.compare_marts(tmp_path / "full.duckdb", tmp_path / "inc.duckdb", tmp_path / "spill")
    assert {
        m: (r["identical"], r["rows_only_in_full"], r["rows_only_in_incremental"]) for m, r in out.items()
    } == {
        "fct_indicator_values": (True, 0, 0),
        "fct_breakdowns": (False, 1, 1),
        "fct_plan_progress": (False, 0, 1),  # a repeated row: EXCEPT ALL counts multiplicity
        "fct_reconciliation": (False, 1, 1),  # null → 3
    }
    assert not (tmp_path / "spill").exists()
