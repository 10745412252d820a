"""Per-source freshness as Dagster asset checks (severity WARN, never blocking).

The rule lives in dbt (marts.fct_source_freshness): the latest quarter every reporting unit has
submitted against the latest quarter whose deadline has passed. These checks read that table
after `dbt build`, one check per record source, so the Dagster UI shows which source is behind
and by how much next to the mart's other checks.
"""

from collections.abc import Iterator

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from pipelines.lib.contracts import RECORD_SOURCES

FRESHNESS_MODEL = "fct_source_freshness"


def build_source_freshness_checks(dbt_assets: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    """The checks, attached to the freshness mart of the dbt assets (`pipelines.dbt_assets`)."""
    freshness_key = get_asset_key_for_model([dbt_assets], FRESHNESS_MODEL)

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                f"freshness_{s.name}",
                asset=freshness_key,
                description=f"{s.title_zh}数据时效 / freshness of {s.title_en}: latest complete quarter "
                "vs the latest quarter due",
            )
            for s in RECORD_SOURCES
        ],
        can_subset=True,
    )
    def source_freshness_checks(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        yield from _freshness_results(context, duckdb)

    return source_freshness_checks


def _freshness_results(
    context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
) -> Iterator[dg.AssetCheckResult]:
    with duckdb.get_connection() as con:
        rows = con.execute(
            "SELECT source, status, expected_period, latest_complete_period, quarters_behind, "
            "days_overdue, reference_date FROM marts.fct_source_freshness"
        ).fetchall()
    by_source = {r[0]: r for r in rows}
    for key in context.selected_asset_check_keys:
        source = key.name.removeprefix("freshness_")
        row = by_source.get(source)
        if row is None:
            yield dg.AssetCheckResult(
                check_name=key.name,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="无报送单位或无数据 / no reporting units or no data registered for this source",
            )
            continue
        _, status, expected, complete, behind, overdue, ref = row
        yield dg.AssetCheckResult(
            check_name=key.name,
            passed=status == "fresh",
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"应报至 {expected},完整至 {complete or '—'},滞后 {behind or 0} 个季度、逾期 {overdue} 天 / "
                f"due through {expected}, complete through {complete or '—'}: "
                f"{behind or 0} quarter(s) behind, {overdue} day(s) overdue"
            ),
            metadata={
                "status": status,
                "expected_period": expected,
                "latest_complete_period": complete or "",
                "quarters_behind": int(behind or 0),
                "days_overdue": int(overdue or 0),
                "reference_date": str(ref),
            },
        )
