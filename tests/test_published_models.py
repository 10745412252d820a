"""The serving copy publishes every mart, and the list comes from the dbt manifest: a new model
in models/marts/ is published (and the serving-copy asset depends on it) without a code change."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.dbt_assets import prepare_manifest, published_models

MARTS = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"


def test_every_mart_is_a_published_model_and_a_parent_of_the_serving_copy() -> None:
    marts = {p.stem for p in MARTS.iterdir() if p.suffix in (".sql", ".py")}
    assert {"fct_plan_attainment", "fct_plan_projection"} <= marts  # read by the dashboard
    assert set(published_models(prepare_manifest())) == marts

    from pipelines.definitions import defs

    serving = defs.resolve_asset_graph().get(dg.AssetKey(["serving", "warehouse"]))
    assert {k.path[-1] for k in serving.parent_keys} == marts
