"""Automation: a file-drop sensor, a follow-up sensor and a quarterly schedule.

raw_file_sensor
    Scans every source folder under raw_root() and keys files by content (sha256); the cursor
    is JSON {relative path: [sha256, [quarters of its rows]]}. Which quarters a new, changed or
    removed record file reloads is decided by the planner shared with the CLI
    (`pipelines.ingest.change_plan.plan_reload`): a new file its rows' quarters (read with the
    ingest reader and parser; the period in its file name if no row date can be read), a
    changed file those of its new rows and of its old rows, a removed file those of its old
    rows. Old rows' quarters: those the cursor kept for the content last seen, united with those
    recorded at the last publish (the serving copy's `quality.file_quarters`, read-only: the
    sensor never opens the warehouse, so it neither blocks nor waits for a running refresh).
    One RunRequest of the `ingest_records` job per source and contiguous quarter range, with
    `asset_selection` = that source's ingest asset and the Dagster partition-range tags
    (the ingest assets have a single-run backfill policy). A new or changed reference file
    (denominators, reports) requests the unpartitioned `transform_and_publish` job directly.
    An unchanged file never requests anything.

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

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.ingest.change_plan import (
    Seen,
    contiguous_ranges,
    file_quarters,
    name_quarters,
    plan_reload,
)
from pipelines.lib.contracts import ALL_SOURCES, REFERENCE_SOURCES, Source
from pipelines.lib.duck import table_exists
from pipelines.lib.partitions import partition_range_tags
from pipelines.lib.quarters import last_complete_quarter
from pipelines.lib.readers import list_files, sha256_of
from pipelines.settings import raw_root, serving_path

INGEST_JOB, TRANSFORM_JOB = "ingest_records", "transform_and_publish"

_REFERENCE = dg.AssetSelection.assets(*(["raw", s.name] for s in REFERENCE_SOURCES))
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


def published_quarters(serving: Path) -> dict[str, frozenset[str]]:
    """Per record file, the quarters its loaded rows cover as of the last publish: the serving
    copy's `quality.file_quarters`, opened read-only. The sensor never opens the warehouse, so it
    neither waits for a running refresh nor makes one wait. Empty when there is no readable
    serving copy (the planner then falls back to the cursor and the file-name period)."""
    if not serving.exists():
        return {}
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.Error:
        return {}
    try:
        if not table_exists(con, "quality", "file_quarters"):
            return {}
        out: dict[str, set[str]] = {}
        for path, q in con.execute(
            "SELECT file_path, quarter_start FROM quality.file_quarters WHERE quarter_start IS NOT NULL"
        ).fetchall():  # file_path is relative to the drop: '<source>/<file>', as in the cursor
            out.setdefault(path, set()).add(q.isoformat())
        return {p: frozenset(q) for p, q in out.items()}
    except duckdb.Error:
        return {}
    finally:
        con.close()


def read_cursor(cursor: str | None) -> dict[str, Seen]:
    """The cursor {path: [sha256, [quarter, …]]} (or the older {path: sha256}) as planner input."""
    out: dict[str, Seen] = {}
    for path, value in (json.loads(cursor) if cursor else {}).items():
        if isinstance(value, str):
            out[path] = Seen(value)
        else:
            out[path] = Seen(value[0], frozenset(value[1]))
    return out


def scan(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every loadable file under the raw drop."""
    return {
        p.relative_to(root).as_posix(): sha256_of(p)
        for source in ALL_SOURCES
        for p in list_files(root, source)
    }


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]


def plan_requests(
    root: Path,
    previous: dict[str, Seen],
    current: dict[str, str],
    published: dict[str, frozenset[str]] | None = None,
) -> tuple[list[dg.RunRequest], dict[str, Seen]]:
    """Run requests for the files that are new, changed or removed between two scans, and the
    state to keep as the next cursor. What a record source reloads is decided by the shared
    planner (`plan_reload`): the quarters of a changed file's new rows and of its old rows, as
    the sensor last saw them (cursor) and as they were last published (`published`)."""
    published = published or {}
    requests: list[dg.RunRequest] = []
    reference_files: list[str] = []
    state: dict[str, Seen] = {}
    for source in ALL_SOURCES:
        prefix = f"{source.name}/"
        prev = {
            p: Seen(s.sha256, s.quarters | published.get(p, frozenset()))
            for p, s in previous.items()
            if p.startswith(prefix)
        }
        cur = {p: h for p, h in current.items() if p.startswith(prefix)}
        seen_quarters: dict[str, set[str]] = {}

        def quarters_of(
            rel: str, source: Source = source, seen: dict[str, set[str]] = seen_quarters
        ) -> set[str]:
            seen[rel] = file_quarters(root / rel, root, source) if source.kind == "record" else set()
            return seen[rel]

        plan = plan_reload(
            prev, cur, quarters_of, fallback=name_quarters if source.kind == "record" else _none
        )
        for p, h in cur.items():
            q = seen_quarters.get(p)
            state[p] = Seen(h, frozenset(q) if q is not None else previous[p].quarters)
        mine = plan.files
        if not mine:
            continue
        if source.kind == "reference":
            reference_files += mine
            continue
        for start, end in contiguous_ranges(plan.quarters):
            tags = {
                TRIGGER_TAG: "file_sensor",
                FILES_TAG: ", ".join(mine)[:1000],
                **partition_range_tags(start, end),
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
    return requests, state


def _none(_rel: str) -> set[str]:
    return set()


def write_cursor(state: dict[str, Seen]) -> str:
    return json.dumps(
        {p: [s.sha256, sorted(s.quarters)] for p, s in sorted(state.items())}, ensure_ascii=False
    )


@dg.sensor(
    name="raw_file_sensor",
    jobs=[ingest_job, transform_job],
    minimum_interval_seconds=300,
    description="New or changed files under raw/ (by sha256) -> reload exactly their quarters, then rebuild.",
)
def raw_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    root = raw_root()
    current = scan(root)
    requests, state = plan_requests(
        root, read_cursor(context.cursor), current, published_quarters(serving_path())
    )
    if not requests:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"no new or changed files under {root}"), cursor=write_cursor(state)
        )
    return dg.SensorResult(run_requests=requests, cursor=write_cursor(state))


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


@dg.schedule(
    name="quarterly_check",
    cron_schedule="0 6 15 1,4,7,10 *",
    job_name=INGEST_JOB,
    execution_timezone="Asia/Shanghai",
    description="15th day after each quarter end: reload the quarter just ended, rebuild, re-check.",
)
def quarterly_check(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.date()
    # no file changed: the shared planner's forced quarter, the one just ended
    plan = plan_reload({}, {}, _none, forced=[last_complete_quarter(today)])
    ((key, _end),) = contiguous_ranges(plan.quarters)
    return dg.RunRequest(
        run_key=f"quarterly:{key}",
        partition_key=key,
        tags={TRIGGER_TAG: "quarterly_schedule"},
    )
