"""Automation: a file-drop sensor, a follow-up sensor and a quarterly schedule.

raw_file_sensor
    Scans every source folder under raw_root() and keys files by content (sha256); the cursor
    is JSON {relative path: sha256}. A new or changed record file (accidents, road_traffic, …)
    is read with the ingest reader and parser, and the quarters of its valid rows' dates are
    the partitions to reload (if no row date can be read, the period in its file name is
    used). One RunRequest of the `ingest_records` job per source and contiguous quarter range,
    with `asset_selection` = that source's ingest asset and the Dagster partition-range tags
    (the ingest assets have a single-run backfill policy). A new or changed reference file
    (denominators, reports) requests the unpartitioned `transform_and_publish` job directly.
    An unchanged file never requests anything; a removed record file reloads the quarters
    named in its file name (its rows are then deleted by the partition replace).

transform_after_ingest
    Run-status sensor: when an `ingest_records` run launched by the file sensor or the
    schedule succeeds, request `transform_and_publish` (reference sources, dbt build with its
    tests, the serving copy) — "everything downstream". Runs share the writer pool (limit 1),
    so they never write the warehouse at the same time.

quarterly_check
    Schedule, 06:00 on the 15th of January, April, July and October (after the usual 10–15 day
    reporting deadlines): reloads the quarter that has just ended for every record source; the
    follow-up sensor then rebuilds and republishes, which refreshes the submission tracker
    (late / missing units) and the freshness checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import polars as pl
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.ingest.loader import file_period
from pipelines.lib.contracts import ALL_SOURCES, Source
from pipelines.lib.parse import parse_frame
from pipelines.lib.readers import FileRejected, list_files, read_raw_file, sha256_of
from pipelines.partitions import quarterly_partitions
from pipelines.settings import raw_root

INGEST_JOB, TRANSFORM_JOB = "ingest_records", "transform_and_publish"

_REFERENCE = dg.AssetSelection.assets(["raw", "denominators"], ["raw", "reports"])
ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=dg.AssetSelection.groups("ingest") - _REFERENCE,
    executor_def=dg.in_process_executor,
)
transform_job = dg.define_asset_job(
    TRANSFORM_JOB,
    selection=dg.AssetSelection.all() - (dg.AssetSelection.groups("ingest") - _REFERENCE),
    executor_def=dg.in_process_executor,
)
TRIGGER_TAG = "safety_stats/trigger"
FILES_TAG = "safety_stats/files"


def quarter_start(d: dt.date) -> str:
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1).isoformat()


def _name_quarters(relpath: str) -> set[str]:
    period = file_period(relpath)
    if period is None:
        return set()
    start, end, _label = period
    keys, d = set(), start
    while d < end:
        keys.add(d.isoformat())
        d = dt.date(d.year + (d.month == 10), (d.month + 3 - 1) % 12 + 1, 1)
    return keys


def file_quarters(path: Path, root: Path, source: Source) -> set[str]:
    """Partition keys ('2021-01-01', …) a record file's rows fall in.

    Decided as the loader decides it: by the parsed date of each valid row. A file that cannot
    be read (rejected whole) or has no valid dated row falls back to its file-name period.
    """
    rel = path.relative_to(root).as_posix()
    try:
        raw = read_raw_file(path, root, source)
        good = parse_frame(raw.frame, source, raw.relpath, raw.scale_factors).good
        dates = good.get_column(source.date_column).cast(pl.Date).drop_nulls().unique()  # type: ignore[arg-type]
        keys = {quarter_start(d) for d in dates.to_list()}
    except (FileRejected, pl.exceptions.PolarsError):
        keys = set()
    return keys or _name_quarters(rel)


def contiguous_ranges(keys: Iterable[str]) -> list[tuple[str, str]]:
    """Valid partition keys grouped into [first, last] runs of consecutive quarters."""
    valid = quarterly_partitions.get_partition_keys()
    index = {k: i for i, k in enumerate(valid)}
    positions = sorted({index[k] for k in keys if k in index})
    ranges: list[tuple[str, str]] = []
    for pos in positions:
        if ranges and index[ranges[-1][1]] == pos - 1:
            ranges[-1] = (ranges[-1][0], valid[pos])
        else:
            ranges.append((valid[pos], valid[pos]))
    return ranges


def scan(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every loadable file under the raw drop."""
    return {
        p.relative_to(root).as_posix(): sha256_of(p)
        for source in ALL_SOURCES
        for p in list_files(root, source)
    }


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def plan_requests(root: Path, previous: dict[str, str], current: dict[str, str]) -> list[dg.RunRequest]:
    """Run requests for the files that are new, changed or removed between two scans."""
    changed = {p for p, h in current.items() if previous.get(p) != h}
    removed = set(previous) - set(current)
    requests: list[dg.RunRequest] = []
    reference_files: list[str] = []
    for source in ALL_SOURCES:
        prefix = f"{source.name}/"
        mine = sorted(p for p in changed | removed if p.startswith(prefix))
        if not mine:
            continue
        if source.kind == "reference":
            reference_files += mine
            continue
        keys: set[str] = set()
        for rel in mine:
            keys |= file_quarters(root / rel, root, source) if rel in current else _name_quarters(rel)
        for start, end in contiguous_ranges(keys):
            tags = {
                TRIGGER_TAG: "file_sensor",
                FILES_TAG: ", ".join(mine)[:1000],
                ASSET_PARTITION_RANGE_START_TAG: start,
                ASSET_PARTITION_RANGE_END_TAG: end,
            }
            requests.append(
                dg.RunRequest(
                    run_key=f"{source.name}:{start}..{end}:{_digest(current.get(p, 'removed') for p in mine)}",
                    job_name=INGEST_JOB,
                    asset_selection=[dg.AssetKey(["raw", source.name])],
                    tags=tags,
                )
            )
    if reference_files:
        requests.append(
            dg.RunRequest(
                run_key=f"reference:{_digest(current.get(p, 'removed') for p in reference_files)}",
                job_name=TRANSFORM_JOB,
                tags={TRIGGER_TAG: "file_sensor", FILES_TAG: ", ".join(reference_files)[:1000]},
            )
        )
    return requests


@dg.sensor(
    name="raw_file_sensor",
    jobs=[ingest_job, transform_job],
    minimum_interval_seconds=300,
    description="New or changed files under raw/ (by sha256) -> reload exactly their quarters, then rebuild.",
)
def raw_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    root = raw_root()
    previous: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = scan(root)
    requests = plan_requests(root, previous, current)
    if not requests:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"no new or changed files under {root}"), cursor=json.dumps(current)
        )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current, ensure_ascii=False))


@dg.run_status_sensor(
    name="transform_after_ingest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=transform_job,
    description="After an automated ingest run succeeds: dbt build (with tests) and publish.",
)
def transform_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    run = context.dagster_run
    trigger = run.tags.get(TRIGGER_TAG)
    if trigger is None:  # the CLI refresh runs the transform itself
        return dg.SkipReason(f"run {run.run_id} was not started by the sensor or schedule")
    return dg.RunRequest(
        run_key=f"after:{run.run_id}",
        tags={TRIGGER_TAG: f"after_{trigger}", "safety_stats/ingest_run": run.run_id},
    )


def last_complete_quarter(today: dt.date) -> str:
    this_quarter = dt.date.fromisoformat(quarter_start(today))
    prev = this_quarter - dt.timedelta(days=1)
    return quarter_start(prev)


@dg.schedule(
    name="quarterly_check",
    cron_schedule="0 6 15 1,4,7,10 *",
    job_name=INGEST_JOB,
    execution_timezone="Asia/Shanghai",
    description="15th day after each quarter end: reload the quarter just ended, rebuild, re-check.",
)
def quarterly_check(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.date()
    key = last_complete_quarter(today)
    return dg.RunRequest(
        run_key=f"quarterly:{key}",
        partition_key=key,
        tags={TRIGGER_TAG: "quarterly_schedule"},
    )
