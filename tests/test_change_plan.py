"""The one change planner (`pipelines.ingest.change_plan.plan_reload`): hand-made cases, and the
file-drop sensor driven end to end with a corrected file that moves a row to another quarter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.ingest.change_plan import Seen, contiguous_ranges, name_quarters, plan_reload
from tests.conftest import FIXTURES, ROOT, attached, cli_env, run_cli

Q1, Q2, Q3, Q4 = "2021-01-01", "2021-04-01", "2021-07-01", "2021-10-01"


def _quarters(table: dict[str, set[str]]):  # quarters of each file's current content
    asked: list[str] = []

    def of(rel: str) -> set[str]:
        asked.append(rel)
        return table[rel]

    return of, asked


def test_unchanged_file_reloads_nothing_and_is_not_read() -> None:
    of, asked = _quarters({})
    plan = plan_reload({"fires/a.csv": Seen("h1", frozenset({Q1}))}, {"fires/a.csv": "h1"}, of)
    assert plan.files == [] and plan.quarters == set() and asked == []


def test_new_file_reloads_the_quarters_of_its_rows() -> None:
    of, _ = _quarters({"fires/a.csv": {Q2, Q3}})
    plan = plan_reload({}, {"fires/a.csv": "h1"}, of)
    assert plan.new == ["fires/a.csv"] and plan.quarters == {Q2, Q3}


def test_changed_file_reloads_its_old_and_new_quarters() -> None:
    # a corrected date moves a row from Q1 to Q4: Q1 must lose it, Q4 gain it
    of, _ = _quarters({"accidents/x_2021.csv": {Q2, Q4}})
    plan = plan_reload(
        {"accidents/x_2021.csv": Seen("old", frozenset({Q1, Q2}))}, {"accidents/x_2021.csv": "new"}, of
    )
    assert plan.changed == ["accidents/x_2021.csv"] and plan.quarters == {Q1, Q2, Q4}


def test_removed_file_reloads_the_quarters_of_its_old_rows() -> None:
    of, asked = _quarters({})
    plan = plan_reload({"fires/b_2021.csv": Seen("h", frozenset({Q3}))}, {}, of)
    assert plan.removed == ["fires/b_2021.csv"] and plan.quarters == {Q3} and asked == []


def test_unknown_quarters_fall_back_to_the_file_name_period() -> None:
    of, _ = _quarters({"fires/c_2021Q2.csv": set(), "fires/d_2021.csv": {Q1}})
    # new unreadable file -> its name's quarter; changed file with no recorded old quarters ->
    # its name's year as old rows; removed file with no recorded quarters -> its name's quarter
    plan = plan_reload(
        {"fires/d_2021.csv": Seen("old"), "fires/e_2020Q4.csv": Seen("h")},
        {"fires/c_2021Q2.csv": "h", "fires/d_2021.csv": "new"},
        of,
    )
    assert plan.new == ["fires/c_2021Q2.csv"] and plan.changed == ["fires/d_2021.csv"]
    assert plan.removed == ["fires/e_2020Q4.csv"]
    assert plan.quarters == {Q1, Q2, Q3, Q4, "2020-10-01"}
    assert name_quarters("fires/371521_阳谷_2021.csv") == {Q1, Q2, Q3, Q4}


def test_forced_quarters_and_contiguous_ranges() -> None:
    plan = plan_reload({}, {}, lambda _rel: set(), forced=[Q3])
    assert plan.quarters == {Q3} and plan.files == []
    assert contiguous_ranges({Q1, Q2, Q4, "2030-01-01"}) == [(Q1, Q2), (Q4, Q4)]


# --- the sensor path, executed for real ------------------------------------------------------

ACCIDENTS = "accidents/331102_2021.csv"
SENSOR_SCRIPT = """
import json, sys, dagster as dg
from pipelines.automation import raw_file_sensor
from pipelines.definitions import defs

instance = dg.DagsterInstance.get()
result = raw_file_sensor(dg.build_sensor_context(cursor=sys.argv[1], definitions=defs, instance=instance))
out = {"requests": [], "cursor": result.cursor}
for request in result.run_requests or []:
    run = defs.resolve_job_def(request.job_name).execute_in_process(
        instance=instance, tags=request.tags, asset_selection=request.asset_selection
    )
    out["requests"].append([request.job_name, dict(request.tags), run.success])
# what transform_after_ingest then requests: dbt build and publish
run = defs.resolve_job_def("transform_and_publish").execute_in_process(instance=instance)
out["transform"] = run.success
print(json.dumps(out))
"""


def _move_row_to_another_quarter(path: Path) -> None:
    """Correct the date of accident T-A3 from 2021-11-20 (Q4) to 2021-08-20 (Q3): no row of the
    file is left in Q4, so only the old rows' quarters say that Q4 must be reloaded."""
    text = path.read_text(encoding="utf-8")
    assert "T-A3,2021-11-20 09:00" in text
    path.write_text(text.replace("T-A3,2021-11-20 09:00", "T-A3,2021-08-20 09:00"), encoding="utf-8")


def test_sensor_reloads_the_old_quarter_of_a_moved_row_and_matches_a_full_refresh(tmp_path: Path) -> None:
    drop = tmp_path / "raw"
    shutil.copytree(FIXTURES / "revisions", drop, ignore=shutil.ignore_patterns("gdp_revision"))
    wh = tmp_path / "inc" / "warehouse.duckdb"
    run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh))
    # the sensor saw the drop as loaded; an older cursor ({path: sha256}) keeps no quarters, so
    # the old quarters can only come from the published serving copy
    from pipelines.automation import scan

    cursor = json.dumps(scan(drop))
    _move_row_to_another_quarter(drop / ACCIDENTS)

    env = cli_env(wh) | {"SAFETY_RAW": str(drop), "DAGSTER_HOME": str(wh.parent / "dagster_home")}
    proc = subprocess.run(
        [sys.executable, "-c", SENSOR_SCRIPT, cursor],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    ranges = {
        (t["dagster/asset_partition_range_start"], t["dagster/asset_partition_range_end"])
        for _j, t, _ok in out["requests"]
    }
    # new rows in Q1 and Q3; Q4, where the moved row was, is reloaded too (it loses the row)
    assert ranges == {(Q1, Q1), (Q3, Q4)}, out["requests"]
    assert all(ok for _j, _t, ok in out["requests"]) and out["transform"]
    assert json.loads(out["cursor"])[ACCIDENTS][1] == [Q1, Q3]  # quarters of the new content

    full = tmp_path / "full" / "warehouse.duckdb"
    run_cli("refresh", "--raw", str(drop), "--warehouse", str(full), "--full")
    assert_marts_identical(wh.with_name("serving.duckdb"), full.with_name("serving.duckdb"))


# judged on file load times (receipt = first load) and today's date, which differ between an
# incremental history and a one-shot full refresh
UNCOMPARABLE = {"fct_submissions", "fct_submission_rates", "fct_source_freshness"}


def assert_marts_identical(a: Path, b: Path) -> None:
    with attached(a=a, b=b) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'a' "
                "AND table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        assert tables
        for t in tables:
            if t in UNCOMPARABLE:
                continue
            for x, y in (("a", "b"), ("b", "a")):
                n = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {x}.marts.{t} EXCEPT ALL SELECT * FROM {y}.marts.{t})"
                ).fetchone()[0]  # type: ignore[index]
                assert n == 0, f"marts.{t}: {n} row(s) in {x} not in {y}"
