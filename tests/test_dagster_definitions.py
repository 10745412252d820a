"""The Dagster code location: one lineage graph from raw files to the serving copy."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs
from pipelines.lib.contracts import ALL_SOURCES


def _graph() -> dg.AssetGraph:  # type: ignore[name-defined]
    return defs.resolve_asset_graph()


def test_every_source_has_an_ingest_asset_and_record_sources_are_quarterly() -> None:
    graph = _graph()
    for source in ALL_SOURCES:
        node = graph.get(dg.AssetKey(["raw", source.name]))
        if source.kind == "record":
            assert node.partitions_def is not None
            assert node.partitions_def.get_partition_keys()[:2] == ["2011-01-01", "2011-04-01"]
        else:
            assert node.partitions_def is None


def test_dbt_sources_are_the_ingest_assets_so_lineage_is_one_graph() -> None:
    graph = _graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_raw__accidents"]))
    assert dg.AssetKey(["raw", "accidents"]) in staging.parent_keys
    publish = graph.get(dg.AssetKey(["serving", "warehouse"]))
    assert dg.AssetKey(["marts", "fct_indicator_values"]) in publish.parent_keys
    # Upstream of the serving copy: every raw source.
    upstream = graph.upstream_key_iterator(dg.AssetKey(["serving", "warehouse"]))
    assert {dg.AssetKey(["raw", s.name]) for s in ALL_SOURCES} <= set(upstream)


def test_dbt_tests_and_gx_suites_are_asset_checks() -> None:
    checks = {(k.asset_key.to_user_string(), k.name) for k in _graph().asset_check_keys}
    assert ("marts/fct_plan_progress", "unique_fct_plan_progress_target_id") in checks
    assert {("raw/" + s.name, "gx_" + s.name) for s in ALL_SOURCES} <= checks


def test_writers_share_one_pool() -> None:
    graph = _graph()
    pools = {graph.get(k).pools and next(iter(graph.get(k).pools)) for k in graph.materializable_asset_keys}  # type: ignore[union-attr]
    assert pools == {"warehouse_writer"}
