"""File-drop sensor: content-hash cursor, exactly the affected quarterly partitions."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.automation import quarterly_check, raw_file_sensor
from pipelines.definitions import defs
from pipelines.lib.partitions import PARTITION_RANGE_END_TAG as ASSET_PARTITION_RANGE_END_TAG
from pipelines.lib.partitions import PARTITION_RANGE_START_TAG as ASSET_PARTITION_RANGE_START_TAG
from pipelines.lib.quarters import last_complete_quarter
from pipelines.settings import SAMPLE_RAW

FILES = ["accidents/330300_温州_2025Q2.xlsx", "fires/371521_阳谷_2021.csv"]


def _evaluate(cursor: str | None) -> dg.SensorResult:
    ctx = dg.build_sensor_context(cursor=cursor, definitions=defs)
    result = raw_file_sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    return result


def _ranges(result: dg.SensorResult) -> set[tuple[str, str, str, str | None]]:
    return {
        (
            r.job_name or "",
            "/".join(r.asset_selection[0].path) if r.asset_selection else "",
            r.tags.get(ASSET_PARTITION_RANGE_START_TAG, ""),
            r.tags.get(ASSET_PARTITION_RANGE_END_TAG),
        )
        for r in result.run_requests or []
    }


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "raw"
    monkeypatch.setenv("SAFETY_RAW", str(root))
    # no serving copy: the sensor reads the quarters last published there, not the repo's own
    monkeypatch.setenv("SAFETY_WAREHOUSE", str(tmp_path / "wh" / "warehouse.duckdb"))
    monkeypatch.delenv("SAFETY_SERVING", raising=False)
    return root


def _copy(root: Path, rel: str) -> Path:
    dest = root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SAMPLE_RAW / rel, dest)
    return dest


def test_new_files_request_exactly_their_quarters_then_nothing(drop: Path) -> None:
    for rel in FILES:
        _copy(drop, rel)
    first = _evaluate(None)
    assert _ranges(first) == {
        ("ingest_records", "raw/accidents", "2025-04-01", "2025-04-01"),
        ("ingest_records", "raw/fires", "2021-01-01", "2021-10-01"),
    }
    assert set(json.loads(first.cursor or "{}")) == set(FILES)

    second = _evaluate(first.cursor)
    assert not second.run_requests
    assert json.loads(second.cursor or "{}") == json.loads(first.cursor or "{}")


def test_changed_file_requests_its_partition_again(drop: Path) -> None:
    for rel in FILES:
        _copy(drop, rel)
    cursor = _evaluate(None).cursor
    # A corrected resubmission of the 阳谷 fires file: same name, new content (a row removed).
    path = drop / FILES[1]
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    again = _evaluate(cursor)
    assert _ranges(again) == {("ingest_records", "raw/fires", "2021-01-01", "2021-10-01")}
    assert {r.tags["safety_stats/files"] for r in again.run_requests or []} == {FILES[1]}
    # Touching a file without changing its bytes requests nothing.
    assert not _evaluate(again.cursor).run_requests


def test_reference_file_requests_the_transform_job(drop: Path) -> None:
    rel = next(p.relative_to(SAMPLE_RAW).as_posix() for p in sorted((SAMPLE_RAW / "denominators").iterdir()))
    _copy(drop, rel)
    result = _evaluate(None)
    assert [(r.job_name, r.asset_selection) for r in result.run_requests or []] == [
        ("transform_and_publish", None)
    ]


def test_quarterly_schedule_reloads_the_quarter_just_ended() -> None:
    assert last_complete_quarter(dt.date(2025, 7, 15)) == "2025-04-01"
    assert last_complete_quarter(dt.date(2026, 1, 15)) == "2025-10-01"
    ctx = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2025, 10, 15, 6))
    request = quarterly_check(ctx)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2025-07-01"


HANDOFF_SCRIPT = """
import json, dagster as dg
from pipelines.automation import raw_file_sensor, transform_after_ingest, TRANSFORM_JOB
from pipelines.definitions import defs

instance = dg.DagsterInstance.get()
requests = raw_file_sensor(dg.build_sensor_context(definitions=defs, instance=instance)).run_requests
out = {"requests": len(requests), "results": []}
for request in requests:
    run = defs.resolve_job_def(request.job_name).execute_in_process(
        instance=instance, tags=request.tags, asset_selection=request.asset_selection
    )
    handed = transform_after_ingest(
        dg.build_run_status_sensor_context(
            sensor_name="transform_after_ingest",
            dagster_instance=instance,
            dagster_run=run.dagster_run,
            dagster_event=run.get_run_success_event(),
        )
    )
    out["results"].append({"success": run.success, "tags": dict(handed.tags) if handed else None,
                           "ingest_run": run.run_id, "kind": type(handed).__name__})
# A run started by hand (CLI) is not handed on: the CLI runs the transform itself.
tags = {k: v for k, v in requests[0].tags.items() if k != "safety_stats/trigger"}
manual = defs.resolve_job_def("ingest_records").execute_in_process(
    instance=instance, tags=tags, asset_selection=requests[0].asset_selection
)
skipped = transform_after_ingest(
    dg.build_run_status_sensor_context(
        sensor_name="transform_after_ingest", dagster_instance=instance,
        dagster_run=manual.dagster_run, dagster_event=manual.get_run_success_event(),
    )
)
out["manual"] = type(skipped).__name__
print(json.dumps(out))
"""


def test_sensor_ingest_run_hands_over_to_the_transform_job(tmp_path: Path) -> None:
    """The file sensor's request, executed for real against a temporary warehouse, succeeds; the
    run-status sensor then requests `transform_and_publish` keyed to that ingest run."""
    import subprocess
    import sys

    from tests.conftest import ROOT, cli_env

    root = tmp_path / "raw"
    _copy(root, FILES[0])
    env = cli_env(tmp_path / "wh" / "warehouse.duckdb") | {
        "SAFETY_RAW": str(root),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "wh").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", HANDOFF_SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["requests"] == 1
    (result,) = out["results"]
    assert result["success"] and result["kind"] == "RunRequest"
    assert result["tags"]["safety_stats/trigger"] == "after_file_sensor"
    assert result["tags"]["safety_stats/ingest_run"] == result["ingest_run"]
    assert out["manual"] == "SkipReason"
