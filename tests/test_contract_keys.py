"""Natural keys are declared once, in the input contract (`Source.key_columns`), and the loader,
the Great Expectations suites and dbt's unique_record_key tests all check that key."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import yaml  # type: ignore[import-untyped]

from pipelines.ingest import loader
from pipelines.lib.contracts import ALL_SOURCES, Source
from pipelines.quality import gx_checks

ROOT = Path(__file__).resolve().parents[1]
SOURCES_YML = ROOT / "dbt_project" / "models" / "staging" / "_raw__sources.yml"
UNIQUE = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


def dbt_record_keys() -> dict[str, list[list[str]]]:
    """Per raw table, the `columns` of each of its unique_record_key tests in the dbt sources."""
    (raw,) = [
        s for s in yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))["sources"] if s["name"] == "raw"
    ]
    out: dict[str, list[list[str]]] = {}
    for table in raw["tables"]:
        keys = out.setdefault(table["name"], [])
        for test in table.get("data_tests", []):
            if isinstance(test, dict) and "unique_record_key" in test:
                keys.append(list(test["unique_record_key"]["arguments"]["columns"]))
        for column in table.get("columns", []):
            tests = column.get("data_tests", [])
            assert "unique_record_key" not in tests, (
                f"{table['name']}.{column['name']}: declare the key at table level"
            )
    return out


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda s: s.name)
def test_every_source_declares_a_key_of_its_own_columns(source: Source) -> None:
    assert source.key_columns, f"{source.name}: no natural key in the input contract"
    assert set(source.key_columns) <= set(source.column_names)


def test_dbt_unique_record_key_tests_are_the_contract_keys() -> None:
    declared = dbt_record_keys()
    assert {s.name: [list(s.key_columns)] for s in ALL_SOURCES} == {
        s.name: declared.get(s.name, []) for s in ALL_SOURCES
    }


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda s: s.name)
def test_gx_suites_check_the_contract_key_and_state_no_other(source: Source) -> None:
    written = json.loads(
        (gx_checks.EXPECTATIONS_DIR / f"raw__{source.name}.json").read_text(encoding="utf-8")
    )
    assert not [e for e in written["expectations"] if e["type"] in UNIQUE], "the key comes from the contract"
    used = [e for e in gx_checks.load_suite_spec(source.name)["expectations"] if e["type"] in UNIQUE]
    assert used == [gx_checks.key_expectation(source)]
    kwargs = used[0]["kwargs"]
    assert kwargs.get("column_list", [kwargs.get("column")]) == list(source.key_columns)


def test_the_loader_rejects_a_second_row_with_the_contract_key() -> None:
    source = next(s for s in ALL_SOURCES if len(s.key_columns) > 1)
    row = {c: "x" for c in source.key_columns}
    frame = pl.DataFrame(
        [
            {**row, "_file_path": "a.csv", "_row_number": 2},
            {**row, "_file_path": "b.csv", "_row_number": 2},  # same key: a duplicate submission
            {**row, source.key_columns[-1]: "y", "_file_path": "b.csv", "_row_number": 3},
        ]
    )
    kept, rejects = loader._duplicates(frame, source)
    assert kept.height == 2
    assert rejects.select("file_path", "row_number", "column_name").rows() == [
        ("b.csv", 2, ",".join(source.key_columns))
    ]
