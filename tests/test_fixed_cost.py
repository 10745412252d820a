"""What a refresh skips when nothing it depends on changed, and that it still does the work when
something did.

One refresh, on a copy of the sample warehouse and its serving copy: the record files and the
reports are as loaded, one denominators file changed (a byte appended, the same rows). The
refresh must reload the denominators only, skip the reports and still publish the same numbers,
bit for bit: the publish keeps every mart of the previous serving copy. (The dbt unit tests are
never part of a refresh: tests/test_dbt_unit_tests.py.)
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.dbt_code_state import dbt_code_hash
from tests.conftest import ROOT, attached, run_cli

SAMPLE = ROOT / "raw" / "sample"
CHANGED = "denominators/000000_全国_2015-2025.csv"


@pytest.fixture(scope="module")
def rerun(sample_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("fixed_cost")
    drop, wh = tmp / "raw", tmp / "wh" / "warehouse.duckdb"
    shutil.copytree(SAMPLE, drop)
    wh.parent.mkdir()
    shutil.copyfile(sample_warehouse, wh)
    shutil.copyfile(sample_warehouse.with_name("serving.duckdb"), wh.with_name("serving.duckdb"))
    with (drop / CHANGED).open("ab") as fh:
        fh.write(b"\n")  # new sha256, same rows
    proc = run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh))
    return wh, proc.stdout + proc.stderr


def _files_loaded_since(wh: Path, since_wh: Path, source: str) -> set[str]:
    con = duckdb.connect(str(since_wh), read_only=True)
    try:
        since = con.execute("SELECT max(loaded_at) FROM raw.load_log").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return {
            r[0]
            for r in con.execute(
                "SELECT file_path FROM raw.load_log WHERE source = ? AND loaded_at > ?", [source, since]
            ).fetchall()
        }
    finally:
        con.close()


def test_unchanged_reference_source_is_skipped_and_changed_one_reloaded(
    rerun: tuple[Path, str], sample_warehouse: Path
) -> None:
    wh, log = rerun
    assert "step 1/2: no record file new, changed or removed since the last load" in log
    n_reports = len(list((SAMPLE / "reports").iterdir()))
    assert f"[reports] {n_reports} 个文件自上次导入以来未变,跳过重新导入和校验" in log
    assert not [line for line in log.splitlines() if "[denominators]" in line and "未变" in line]
    # a reference source is replaced file by file: the changed source reloads all its files
    assert _files_loaded_since(wh, sample_warehouse, "denominators") == {
        f"denominators/{p.name}" for p in (SAMPLE / "denominators").iterdir()
    }
    assert _files_loaded_since(wh, sample_warehouse, "reports") == set()
    # the reloaded rows are the rows loaded before, apart from their lineage columns
    with attached(new=wh, old=sample_warehouse) as con:
        cols = "* EXCLUDE (_file_sha256, _load_id, _loaded_at)"
        for table in ("denominators", "reports"):
            diff = con.execute(
                f"SELECT count(*) FROM ((SELECT {cols} FROM new.raw.{table} EXCEPT ALL "
                f"SELECT {cols} FROM old.raw.{table}) UNION ALL (SELECT {cols} FROM old.raw.{table} "
                f"EXCEPT ALL SELECT {cols} FROM new.raw.{table}))"
            ).fetchone()[0]  # type: ignore[index]
            assert diff == 0, table


def test_published_numbers_equal_those_of_the_full_build(
    rerun: tuple[Path, str], sample_warehouse: Path
) -> None:
    wh, _log = rerun
    with attached(
        new=wh.with_name("serving.duckdb"), old=sample_warehouse.with_name("serving.duckdb")
    ) as con:
        for table in ("fct_indicator_values", "fct_breakdowns", "fct_plan_progress"):
            n_new, n_old = (
                con.execute(f"SELECT count(*) FROM {db}.marts.{table}").fetchone()[0]  # type: ignore[index]
                for db in ("new", "old")
            )
            only = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM new.marts.{table} EXCEPT ALL SELECT * FROM old.marts.{table})"
            ).fetchone()[0]  # type: ignore[index]
            assert n_new == n_old > 0 and only == 0, table


def test_a_rebuild_from_the_same_rows_publishes_the_same_bits(rerun: tuple[Path, str]) -> None:
    """Every mart rebuilt from unchanged rows has the fingerprints of the last publish (row
    count and hash sum per year), so the publish keeps it. The one mart that changed is the
    lineage of the published figures, which names the changed file's new sha256.
    fct_standardised_rates, a table rebuilt at every refresh, summed doubles in the engine's
    order and changed its last bits from one build to the next (now ordered_sum)."""
    _wh, log = rerun
    published = re.findall(r"服务副本 serving copy: (.*)", log)
    assert len(published) == 1, published
    assert re.fullmatch(
        r"from the previous copy, (\d+) table\(s\) kept, 1 rewritten whole, 0 table-year\(s\) rewritten: "
        r"marts\.fct_published_vintages",
        published[0].strip(),
    ), published


def test_an_incremental_refresh_loads_the_seeds_and_runs_no_unit_test(rerun: tuple[Path, str]) -> None:
    _wh, log = rerun
    assert "dbt unit tests run in CI (make test), not in a refresh" in log
    assert "--exclude-resource-type unit_test" in log
    summary = [line for line in log.splitlines() if line.startswith("Finished running")]
    assert summary and all(" seeds" in line and "unit test" not in line for line in summary), summary


def test_dbt_code_hash_follows_content_not_timestamps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.dbt_code_state as state

    root = tmp_path / "project"
    shutil.copytree(
        ROOT / "dbt_project", root / "dbt_project", ignore=shutil.ignore_patterns("target", "logs")
    )
    python = [p.relative_to(ROOT) for p in state.python_files()]
    # the UDFs, the Python models and what they import, down to the statistics they call
    assert {"pipelines/lib/poisson.py", "pipelines/lib/dispersion.py", "pipelines/lib/projection.py"} <= {
        p.as_posix() for p in python
    }
    for rel in python:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, root / rel)
    base = dbt_code_hash()  # of this checkout
    monkeypatch.setattr(state, "PROJECT_ROOT", root)
    monkeypatch.setattr(state, "DBT_PROJECT_DIR", root / "dbt_project")
    assert state.dbt_code_hash() == base  # same content elsewhere: the same code
    model = next((root / "dbt_project" / "models" / "marts").glob("*.sql"))
    original = model.read_bytes()
    model.touch()
    assert state.dbt_code_hash() == base  # a new timestamp is no change
    model.write_bytes(original + b"\n-- changed\n")
    changed = state.dbt_code_hash()
    assert changed != base
    model.write_bytes(original)
    assert state.dbt_code_hash() == base
    (root / "pipelines" / "lib" / "poisson.py").write_text("# changed UDF code\n", encoding="utf-8")
    udf_changed = state.dbt_code_hash()
    assert udf_changed not in (base, changed)
    # a module only the UDFs' imports reach (the dispersed intervals): a change rebuilds too
    (root / "pipelines" / "lib" / "dispersion.py").write_text("# changed\n", encoding="utf-8")
    assert state.dbt_code_hash() not in (base, changed, udf_changed)


def test_one_gx_context_validates_every_frame(
    sample_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import great_expectations as gx

    from pipelines.quality import gx_checks

    gx_checks.gx_context.cache_clear()
    gx_checks.validation_definition.cache_clear()
    made: list[object] = []
    real_get_context = gx.get_context
    monkeypatch.setattr(gx, "get_context", lambda **kw: made.append(kw) or real_get_context(**kw))

    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        frames = {s: con.execute(f"SELECT * FROM raw.{s}").df() for s in ("denominators", "reports")}
    finally:
        con.close()
    first = {s: gx_checks.validate_frame(s, f) for s, f in frames.items()}
    assert all(r["success"] for results in first.values() for r in results)
    bad: pd.DataFrame = frames["denominators"].copy()
    bad.loc[bad.index[:3], "region_code"] = None
    failed = {
        r["expectation"]: r["unexpected_count"]
        for r in gx_checks.validate_frame("denominators", bad)
        if not r["success"]
    }
    assert failed.get("expect_column_values_to_not_be_null") == 3
    # the same definitions, after a failing batch, give the first results again
    assert {s: gx_checks.validate_frame(s, f) for s, f in frames.items()} == first
    assert len(made) == 1


def test_old_per_run_dbt_target_folders_are_pruned(tmp_path: Path) -> None:
    from pipelines.dbt_assets import RUN_TARGETS_KEEP, prune_run_targets

    now = time.time()
    made = []
    for i in range(RUN_TARGETS_KEEP + 5):
        run = tmp_path / f"warehouse_dbt_assets-{i:07d}-abc"
        run.mkdir()
        (run / "dbt.log").write_text("x", encoding="utf-8")
        age = 7200 + 60 * i if i >= 3 else 60 * i  # the three newest are minutes old
        os.utime(run, (now - age, now - age))
        made.append(run)
    (tmp_path / "partial_parse").mkdir()  # not a run folder: never touched
    other = tmp_path / "other_op-0000000-abc"
    other.mkdir()
    os.utime(other, (now - 10**6, now - 10**6))

    deleted = prune_run_targets(tmp_path, "warehouse_dbt_assets", now=now)
    # newest first by age: runs 0..2 (minutes old), then 3..14 (hours old); keep the newest 10
    assert sorted(deleted) == sorted(made[RUN_TARGETS_KEEP:])
    assert all(p.exists() for p in made[:RUN_TARGETS_KEEP])
    assert (tmp_path / "partial_parse").exists() and other.exists()
    # a run folder younger than an hour is kept however many there are
    young = tmp_path / "warehouse_dbt_assets-young-abc"
    young.mkdir()
    for p in made[:RUN_TARGETS_KEEP]:
        os.utime(p, (now - 30, now - 30))
    assert prune_run_targets(tmp_path, "warehouse_dbt_assets", now=now) == []
