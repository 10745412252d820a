"""Run the refresh: ingest (one run per contiguous quarter range to reload), then dbt build and
publish.

All runs are recorded in the Dagster instance beside the warehouse, so `dagster dev`
pointed at the same DAGSTER_HOME shows them. One writer at a time: a lock file beside
the warehouse refuses a second refresh with a clear message.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.duck import database_problem, is_spill_cap_error
from pipelines.lib.writer import RefreshBusy, writer_lock
from pipelines.settings import duckdb_max_spill, raw_root, serving_path, warehouse_path

if TYPE_CHECKING:
    import dagster as dg

log = logging.getLogger("safety_stats.refresh")

DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""


def dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or warehouse_path().parent / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


CLI_TAG, PID_TAG = "safety_stats/launched_by", "safety_stats/pid"


def release_dead_cli_runs(instance: dg.DagsterInstance) -> None:
    """A refresh killed mid-run leaves its Dagster run 'started' and its writer-pool slot taken,
    which would make the next run wait forever. Called under the writer lock, so any CLI run
    still marked running whose process is gone is dead: mark it failed and free its slots."""
    import dagster as dg

    running = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.NOT_STARTED,
            ],
            tags={CLI_TAG: "cli"},
        )
    )
    for run in running:
        pid = int(run.tags.get(PID_TAG, "0"))
        try:
            os.kill(pid, 0)
            alive = pid != 0
        except ProcessLookupError:
            alive = False
        if alive:
            continue
        log.warning(
            "run %s of a killed refresh (pid %s) marked failed; its writer slot freed", run.run_id, pid
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        instance.report_run_failed(run)


def release_memory() -> None:
    """Return freed heap pages to the OS (glibc keeps them otherwise), so the peak memory of a
    refresh is the larger of ingest and dbt, not their sum."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def full_refresh_config(full: bool) -> dict:
    """Run config of transform_and_publish: `dbt build --full-refresh` rebuilds incremental models,
    the reference sources are loaded even when their files are as last loaded, and the serving copy
    is written from nothing."""
    from pipelines.lib.contracts import ALL_SOURCES

    reference = {
        f"raw__{s.name}": {"config": {"reload_unchanged": full}} for s in ALL_SOURCES if s.kind == "reference"
    }
    return {
        "ops": {
            "warehouse_dbt_assets": {"config": {"full_refresh": full}},
            "serving__warehouse": {"config": {"full_copy": full}},
            **reference,
        }
    }


def move_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL) out of the way, keeping it for inspection."""
    import datetime as dt

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.broken-{stamp}")
    path.rename(aside)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        wal.rename(aside.with_name(aside.name + ".wal"))
    return aside


def run_error_texts(result: dg.ExecuteInProcessResult) -> list[str]:
    """The error texts of a failed Dagster run's steps, each with the errors that caused it (an
    ingest step's DuckDB error; dbt's errors, which dagster-dbt copies into its own)."""
    texts: list[str] = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        error = data.error if data else None
        while error is not None:
            texts.append(error.message)
            error = error.cause or error.context
    return texts


# dbt's error of one node, as dbt logs it: "Runtime Error in model fct_breakdowns (models/…)".
_DBT_NODE = re.compile(r"\w+ Error in (model|test|seed|snapshot) (\w+)")
_NODE_KIND_ZH = {"model": "模型", "test": "测试", "seed": "种子表", "snapshot": "快照"}


def _capped_dbt_nodes(errors: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, name) of the dbt nodes whose own error is the spill cap's, in order, each once."""
    nodes: dict[tuple[str, str], None] = {}
    for text in errors:
        found = list(_DBT_NODE.finditer(text))
        for i, m in enumerate(found):  # each node's error runs up to the next node's
            end = found[i + 1].start() if i + 1 < len(found) else len(text)
            if is_spill_cap_error(text[m.end() : end]):
                nodes[(m[1], m[2])] = None
    return list(nodes)


def spill_cap_message(errors: Iterable[str], cap: str | None = None) -> str | None:
    """The statistician's message when DuckDB stopped at the spill cap (SAFETY_DUCKDB_MAX_SPILL),
    Chinese first, then English, naming the setting and the dbt models (or tests) it stopped,
    never a path; None when none of `errors` is the cap's."""
    errors = list(errors)
    if not any(is_spill_cap_error(e) for e in errors):
        return None
    cap = cap or duckdb_max_spill()
    nodes = _capped_dbt_nodes(errors)
    where_zh = "(运行 dbt " + "、".join(f"{_NODE_KIND_ZH[k]} {n}" for k, n in nodes) + " 时)" if nodes else ""
    where_en = " (dbt " + ", ".join(f"{k} {n}" for k, n in nodes) + ")" if nodes else ""
    return (
        f"临时磁盘空间超出上限 SAFETY_DUCKDB_MAX_SPILL(现为 {cap}){where_zh}:DuckDB 写到磁盘的临时"
        "溢写文件达到上限,本次刷新已停止,已发布的数据未改变。请管理员在磁盘空间允许时调高 "
        "SAFETY_DUCKDB_MAX_SPILL,或调高 SAFETY_DUCKDB_MEMORY、设 SAFETY_DBT_THREADS=1 以减少溢写,然后重新刷新。\n"
        f"Spill exceeded the temporary-disk cap SAFETY_DUCKDB_MAX_SPILL (now {cap}){where_en}: "
        "DuckDB's spill files reached the cap and this refresh stopped; the published data is "
        "unchanged. Ask the administrator to raise SAFETY_DUCKDB_MAX_SPILL if the disk has room, or "
        "to spill less with a larger SAFETY_DUCKDB_MEMORY or SAFETY_DBT_THREADS=1, then refresh again."
    )


def log_run_failure(result: dg.ExecuteInProcessResult) -> None:
    """After a failed run's generic line: the cause in the statistician's words, when known."""
    message = spill_cap_message(run_error_texts(result))
    if message:
        log.error("%s", message)


def run_refresh(
    first: str | None = None, last: str | None = None, full: bool = False, rebuild: bool = False
) -> int:
    """Ingest, then dbt build and publish.

    Default (incremental): reload only the quarters of record files that are new, changed or
    removed since the last load (`pipelines.ingest.changes`), one ingest run per contiguous
    quarter range, covering every source that reloads that range; dbt's incremental models then
    rebuild only those quarters. A
    warehouse with no load yet gets a full load. `first`/`last`: reload that quarter range for
    every source (a backfill). `full`: reload every quarter and rebuild every dbt model.
    `rebuild`: a damaged warehouse file is moved aside and rebuilt from the raw drop (a full
    refresh; the published history is taken back from the serving copy).
    """
    dagster_home()
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.ingest.change_plan import contiguous_ranges
    from pipelines.ingest.changes import has_loaded, plan_changes
    from pipelines.lib.partitions import partition_range_tags, quarterly_partitions
    from pipelines.lib.quarters import partition_key_for, quarter_label

    keys = quarterly_partitions.get_partition_keys()
    start = partition_key_for(first) if first else keys[0]
    end = partition_key_for(last) if last else keys[-1]
    if start not in keys or end not in keys or start > end:
        log.error(
            "季度范围无效 / invalid quarter range: %s..%s (available %s..%s)", first, last, keys[0], keys[-1]
        )
        return 2
    log.info("raw drop: %s", raw_root())
    log.info("warehouse: %s", warehouse_path())
    try:
        with writer_lock():
            problem = database_problem(warehouse_path())
            if problem and rebuild:
                aside = move_aside(warehouse_path())
                log.warning(
                    "数据仓库文件已损坏,已移至 %s,将从原始数据重建 / the warehouse file is damaged: "
                    "moved to %s, rebuilding from the raw drop (%s)",
                    aside,
                    aside,
                    problem,
                )
                full = True
            elif problem:
                log.error(
                    "数据仓库文件 %s 已损坏或不完整(%s)。已发布的数据(%s)未受影响,读者可继续查询。"
                    "恢复:运行 safety-stats refresh --rebuild(将损坏文件移到一旁,并从原始数据 raw/ 全量重建)。\n"
                    "The warehouse file %s is damaged or incomplete (%s). The published serving copy (%s) "
                    "is not affected and readers keep working. To recover run `safety-stats refresh "
                    "--rebuild`: it moves the damaged file aside and rebuilds everything from the raw drop.",
                    warehouse_path(),
                    problem,
                    serving_path(),
                    warehouse_path(),
                    problem,
                    serving_path(),
                )
                return 4
            if serving_path().exists() and database_problem(serving_path()):
                log.warning(
                    "发布库 %s 已损坏,本次刷新将重新发布 / the serving copy %s is damaged: this refresh "
                    "publishes a new one",
                    serving_path(),
                    serving_path(),
                )
            instance = dg.DagsterInstance.get()
            release_dead_cli_runs(instance)
            cli_tags = {CLI_TAG: "cli", PID_TAG: str(os.getpid())}
            incremental = not (first or last or full) and has_loaded(warehouse_path())
            # (asset selection or None for all record sources, first key, last key)
            runs: list[tuple[list[dg.AssetKey] | None, str, str]] = []
            # Quarters planned but not yet loaded: a refresh killed or failed between two of its
            # ingest runs has recorded the new sha256 of a file after the first run, so without
            # this the next refresh would see the file as loaded and skip the other quarters.
            pending_file = warehouse_path().with_name(warehouse_path().name + ".pending-reload.json")
            pending: dict[str, list[str]] = (
                json.loads(pending_file.read_text(encoding="utf-8")) if pending_file.exists() else {}
            )
            if incremental:
                by_range: dict[tuple[str, str], list[dg.AssetKey]] = {}
                planned: dict[str, list[str]] = {}
                for source, ch in plan_changes(warehouse_path(), raw_root(), pending).items():
                    if not ch.files and not ch.quarters:
                        continue
                    planned[source] = sorted(ch.quarters)
                    log.info(
                        "[%s] %d new, %d changed, %d removed file(s): quarters %s",
                        source,
                        len(ch.new),
                        len(ch.changed),
                        len(ch.removed),
                        ", ".join(quarter_label(k) for k in sorted(ch.quarters)) or "-",
                    )
                    for a, b in contiguous_ranges(ch.quarters):
                        by_range.setdefault((a, b), []).append(dg.AssetKey(["raw", source]))
                # one ingest run per quarter range, for all the sources that need that range
                runs = [(keys_, a, b) for (a, b), keys_ in sorted(by_range.items())]
                if planned:
                    tmp = pending_file.with_name(pending_file.name + ".tmp")
                    tmp.write_text(json.dumps(planned), encoding="utf-8")
                    os.replace(tmp, pending_file)  # forgotten only once every run has loaded
                if not runs:
                    log.info("step 1/2: no record file new, changed or removed since the last load")
            else:
                runs = [(None, start, end)]
            for n, (selection, a, b) in enumerate(runs, 1):
                what = ", ".join(k.path[-1] for k in selection) if selection else "all record sources"
                log.info(
                    "step 1/2 (%d/%d): ingest %s for %s..%s",
                    n,
                    len(runs),
                    what,
                    quarter_label(a),
                    quarter_label(b),
                )
                ingest = defs.resolve_job_def("ingest_records").execute_in_process(
                    instance=instance,
                    tags={**partition_range_tags(a, b), **cli_tags},
                    asset_selection=selection,
                    raise_on_error=False,
                )
                if not ingest.success:
                    log.error("ingest failed; the serving copy was not touched / 导入失败,已发布数据未改变")
                    log_run_failure(ingest)
                    return 1
            if incremental or full or not (first or last):  # every planned quarter is loaded
                pending_file.unlink(missing_ok=True)
            if not incremental:
                # a full load's frames are gone: hand their pages back before dbt runs (an
                # incremental load's frames hold a few quarters: not worth its 0.4 s)
                release_memory()
            log.info(
                "step 2/2: reference sources, dbt build%s (seeds, models, data tests; dbt unit tests run in make test), publish",
                " --full-refresh" if full else "",
            )
            transform = defs.resolve_job_def("transform_and_publish").execute_in_process(
                instance=instance,
                tags=cli_tags,
                run_config=full_refresh_config(full),
                raise_on_error=False,
            )
            if not transform.success:
                log.error(
                    "dbt build or publish failed; the serving copy was not touched / 构建失败,已发布数据未改变"
                )
                log_run_failure(transform)
                return 1
    except RefreshBusy as exc:
        log.error("%s", exc)
        return 3
    log.info("published %s", serving_path())
    from pipelines.publish import latest_report

    report = latest_report(serving_path())
    if report:
        print(report, flush=True)
    return 0
