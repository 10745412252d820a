"""Every intermediate model declares its grain as a unique-key test, so a double count (a source
listed twice, a join that fans out) fails the build instead of reaching a mart."""

from __future__ import annotations

import json

from pipelines.dbt_assets import prepare_manifest

GRAIN_TESTS = ("unique", "unique_combination_of_columns")


def test_every_intermediate_model_has_a_unique_key_test() -> None:
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))
    models = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "intermediate"
    }
    tested = {
        parent
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") in GRAIN_TESTS
        for parent in node["depends_on"]["nodes"]
    }
    assert len(models) > 20  # the manifest lists the project's intermediate models
    assert sorted(models - tested) == []
