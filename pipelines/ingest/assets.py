"""One Dagster ingest asset per raw source: key raw/<source>, matching dbt's source('raw', <source>)."""

import dagster as dg
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from pipelines.faults import fault_point
from pipelines.ingest.changes import unchanged_reference_files
from pipelines.ingest.loader import LoadResult, load_source, migrate_load_log
from pipelines.lib.contracts import ALL_SOURCES, Source
from pipelines.lib.partitions import quarterly_partitions, statistical_range
from pipelines.lib.quarters import quarter_label
from pipelines.lib.writer import WRITER_POOL
from pipelines.settings import raw_root


def _metadata(result: LoadResult) -> dict[str, dg.MetadataValue]:
    rows = [
        {
            "file": f.file_path,
            "status": f.status,
            "accepted": f.rows_accepted,
            "rejected": f.rows_rejected,
            "message": f.message_zh or "",
        }
        for f in result.files
    ]
    table = "\n".join(
        ["| file | status | accepted | rejected | message |", "|---|---|---|---|---|"]
        + [
            f"| {r['file']} | {r['status']} | {r['accepted']} | {r['rejected']} | {r['message']} |"
            for r in rows
        ]
    )
    return {
        "rows_inserted": dg.MetadataValue.int(result.rows_inserted),
        "rows_replaced": dg.MetadataValue.int(result.rows_deleted),
        "rows_rejected": dg.MetadataValue.int(result.rows_rejected),
        "files": dg.MetadataValue.int(len(result.files)),
        "files_rejected": dg.MetadataValue.int(len(result.files_rejected)),
        "load_report": dg.MetadataValue.md(table or "no files"),
    }


class IngestConfig(dg.Config):
    # Reference sources only: load even when every file is as last loaded (`refresh --full`).
    # Record sources reload exactly the quarters of their run's partition range either way.
    reload_unchanged: bool = False


def _unchanged_result(source: Source, files: list[str]) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "unchanged": dg.MetadataValue.bool(True),
            "rows_inserted": dg.MetadataValue.int(0),
            "files": dg.MetadataValue.int(len(files)),
            "load_report": dg.MetadataValue.md(
                f"{len(files)} 个文件与上次导入相同(sha256),未重新导入;raw.{source.name} 保持不变 / "
                f"{len(files)} file(s) as last loaded (sha256): not reloaded; raw.{source.name} unchanged"
            ),
        }
    )


def build_ingest_asset(source: Source) -> dg.AssetsDefinition:
    partitioned = source.kind == "record"

    @dg.asset(
        key=["raw", source.name],
        group_name="ingest",
        partitions_def=quarterly_partitions if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        description=f"{source.title_zh} / {source.title_en}: files under raw/{source.name}/ loaded into "
        f"raw.{source.name}"
        + (" (quarterly partitions, delete + insert per partition)" if partitioned else ""),
        kinds={"polars", "duckdb"},
        pool=WRITER_POOL,
    )
    def _ingest(
        context: AssetExecutionContext, duckdb: DuckDBResource, config: IngestConfig
    ) -> dg.MaterializeResult:
        fault_point(f"ingest_start_{source.name}")  # crash tests (pipelines.faults)
        if not partitioned and not config.reload_unchanged:
            with duckdb.get_connection() as con:
                # An old warehouse gets the load log's new columns even when nothing is loaded:
                # the dbt build after this reads them.
                migrate_load_log(con)
                unchanged = unchanged_reference_files(con, source, raw_root())
            if unchanged is not None:
                # The same files would write the same rows: skip the load and, as no row is
                # loaded by this run, the GX check has nothing to validate.
                context.log.info(
                    f"[{source.name}] {len(unchanged)} 个文件自上次导入以来未变,跳过重新导入和校验 / "
                    f"{len(unchanged)} file(s) unchanged since the last load: reload and validation skipped"
                )
                return _unchanged_result(source, unchanged)
        window = None
        if partitioned:
            tw = context.partition_time_window
            window = (tw.start.date(), tw.end.date())
            keys = context.partition_keys
            context.log.info(f"Loading {source.name} for {quarter_label(keys[0])}..{quarter_label(keys[-1])}")
        with duckdb.get_connection() as con:
            result = load_source(
                con,
                source,
                raw_root(),
                load_id=context.run_id,
                window=window,
                date_range=statistical_range(),
                progress=context.log.info,
            )
        return dg.MaterializeResult(metadata=_metadata(result))

    return _ingest


ingest_assets = [build_ingest_asset(s) for s in ALL_SOURCES]
