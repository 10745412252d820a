"""Great Expectations 1.x suites (expectations/*.json) run as blocking Dagster asset checks
on the rows each run loaded, as in-memory pandas frames (GX's SQL path is not used with DuckDB).

GX and pandas are imported on first use only (importing GX costs ~2 s): a refresh that loads
nothing never pays for them. One ephemeral GX context per process, and one validation definition
per source in it, serve every check and every run of that process.
"""

import json
import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster import AssetCheckExecutionContext
from dagster_duckdb import DuckDBResource

from pipelines.faults import fault_point
from pipelines.lib.contracts import ALL_SOURCES, SOURCES_BY_NAME, Source
from pipelines.lib.parse import seed_rows
from pipelines.settings import PROJECT_ROOT, gx_max_rows

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.validation_definition import ValidationDefinition
    from great_expectations.data_context import AbstractDataContext

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def _seed_values(spec: str) -> list[str]:
    values: list[str] = []
    for part in spec.split("|"):
        table, column = part.split(".")
        values += [r[column] for r in seed_rows(table) if r[column]]
    return sorted(set(values))


def _resolve(kwargs: dict[str, Any]) -> dict[str, Any]:
    vs = kwargs.get("value_set")
    if isinstance(vs, dict) and "$seed" in vs:
        return {**kwargs, "value_set": _seed_values(vs["$seed"])}
    return kwargs


def key_expectation(source: Source) -> dict[str, Any]:
    """The uniqueness of the source's natural key, as the input contract declares it."""
    key = list(source.key_columns)
    if len(key) == 1:
        return {"type": "expect_column_values_to_be_unique", "kwargs": {"column": key[0]}}
    return {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": key}}


@cache
def load_suite_spec(source_name: str) -> dict[str, Any]:
    """The source's suite (expectations/raw__<source>.json) plus its natural key's uniqueness."""
    spec = json.loads((EXPECTATIONS_DIR / f"raw__{source_name}.json").read_text(encoding="utf-8"))
    source = SOURCES_BY_NAME[source_name]
    extra = [key_expectation(source)] if source.key_columns else []
    return {**spec, "expectations": [*spec["expectations"], *extra]}


@cache
def gx_context() -> "AbstractDataContext":
    """The process's one ephemeral GX context (nothing written to disk, no analytics)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # read by GX when it is imported
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    return context


@cache
def validation_definition(source_name: str) -> "ValidationDefinition":
    """The source's suite bound to a whole-dataframe batch, built once per process."""
    context = gx_context()  # first: it switches GX analytics off before GX is imported
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite_spec(source_name)
    batch = (
        context.data_sources.add_pandas(f"raw_{source_name}")
        .add_dataframe_asset(name=source_name)
        .add_batch_definition_whole_dataframe("loaded_rows")
    )
    suite = gx.ExpectationSuite(name=spec["name"])
    for exp in spec["expectations"]:
        cfg = ExpectationConfiguration(type=exp["type"], kwargs=_resolve(exp["kwargs"]), meta=exp.get("meta"))
        suite.add_expectation(cfg.to_domain_obj())
    suite = context.suites.add(suite)
    return context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name=spec["name"])
    )


def validate_frame(source_name: str, frame: "pd.DataFrame") -> list[dict[str, Any]]:
    """Run the source's suite on a frame; one result dict per expectation."""
    vd = validation_definition(source_name)
    result = vd.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "SUMMARY"})
    out = []
    for r in result.results:
        done = r.expectation_config
        assert done is not None
        kw = {k: v for k, v in done.kwargs.items() if k not in ("value_set", "batch_id")}
        out.append(
            {
                "expectation": done.type,
                "kwargs": kw,
                "success": bool(r.success),
                "unexpected_count": r.result.get("unexpected_count"),
                "partial_unexpected": [str(v) for v in (r.result.get("partial_unexpected_list") or [])[:5]],
            }
        )
    return out


# Rows validated per pass: a 10M-record load is checked in pieces, so pandas never holds it whole
# (uniqueness expectations then hold per piece; the loader already rejects duplicate keys in a load).
CHUNK_ROWS = 2048 * 250  # DuckDB hands pandas chunks in vectors of 2048 rows


def merge_results(done: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Combine the results of two pieces: an expectation passes only if it passed on both."""
    if not done:
        return new
    merged = []
    for a, b in zip(done, new, strict=True):
        merged.append(
            {
                **a,
                "success": a["success"] and b["success"],
                "unexpected_count": None
                if a["unexpected_count"] is None and b["unexpected_count"] is None
                else (a["unexpected_count"] or 0) + (b["unexpected_count"] or 0),
                "partial_unexpected": (a["partial_unexpected"] + b["partial_unexpected"])[:5],
            }
        )
    return merged


def rows_to_validate(con: Any, source: Source, load_id: str, max_rows: int) -> tuple[Any, int]:
    """(cursor over the rows to validate, rows the run loaded). Every row the run loaded, up to
    `max_rows`; above it a seeded uniform sample of `max_rows` of them. The loader has already
    applied the contract's row rules to every row (and the duplicate check, in SQL): this gate is
    the independent second look, and at 10M records re-checking every row in pandas cost more than
    the load itself. A fault hitting a share p of the rows escapes a sample of n with probability
    (1-p)^n: 0.7% for p = 1e-5 and n = 512k. A quarterly refresh loads far fewer rows, all checked."""
    table = f"raw.{source.name}"
    n_loaded = con.execute(f"SELECT count(*) FROM {table} WHERE _load_id = ?", [load_id]).fetchone()[0]
    if n_loaded <= max_rows:
        return con.execute(f"SELECT * FROM {table} WHERE _load_id = ?", [load_id]), n_loaded
    sample = f"USING SAMPLE reservoir({int(max_rows)} ROWS) REPEATABLE (2026)"
    return con.execute(
        f"SELECT * FROM (SELECT * FROM {table} WHERE _load_id = ?) {sample}", [load_id]
    ), n_loaded


def build_gx_check(source: Source) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", source.name]),
        name=f"gx_{source.name}",
        blocking=True,
        description=f"Great Expectations suite expectations/raw__{source.name}.json on the rows this run loaded",
    )
    def _check(context: AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        fault_point("gx_check")  # crash tests (pipelines.faults)
        results: list[dict[str, Any]] = []
        n_rows = 0
        with duckdb.get_connection() as con:
            cur, n_loaded = rows_to_validate(con, source, context.run.run_id, gx_max_rows())
            while len(frame := cur.fetch_df_chunk(CHUNK_ROWS // 2048)):
                n_rows += len(frame)
                results = merge_results(results, validate_frame(source.name, frame))
        failed = [r for r in results if not r["success"]]
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None
            if n_rows
            else "本次运行未导入行(文件未变或无数据),无需校验 / no row loaded by this run "
            "(files unchanged or empty): nothing to validate",
            metadata={
                "rows_loaded": dg.MetadataValue.int(n_loaded),
                "rows_validated": dg.MetadataValue.int(n_rows),
                "sampled": dg.MetadataValue.bool(n_rows < n_loaded),
                "chunks": dg.MetadataValue.int(-(-n_rows // CHUNK_ROWS)),
                "expectations": dg.MetadataValue.int(len(results)),
                "failed": dg.MetadataValue.json(failed),
            },
        )

    return _check


gx_checks = [build_gx_check(s) for s in ALL_SOURCES]
