"""分析表目录 / The analyst schema's catalogue: what the serving copy exposes, described once.

The descriptions and types live in dbt YAML: the marts models (contracts enforced) and the
quality/meta tables that publish.py builds, declared as dbt sources
(dbt_project/models/serving/_serving__sources.yml). This module reads them from the dbt
manifest and writes them into the serving copy as DuckDB comments, so the DuckDB CLI, the SQL
workbench's schema browser and any client see the same bilingual descriptions as the data
dictionary (`make docs`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.duck import quote_identifier
from pipelines.settings import DBT_PROJECT_DIR

log = logging.getLogger("safety_stats.catalog")

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
ANALYST_SCHEMAS = ("marts", "quality", "meta")
SERVING_SOURCES = ("quality", "meta")  # dbt source names = serving-copy schema names


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    data_type: str
    description: str


@dataclass(frozen=True)
class TableDoc:
    schema: str
    name: str
    description: str
    origin: str  # dbt file that defines it (the model's SQL, or the sources YAML)
    columns: dict[str, ColumnDoc] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


# Contracts spell text `string`, which every engine of the project parses (Spark has no
# `varchar` without a length); DuckDB, which analysts query, calls it VARCHAR.
_DUCKDB_NAMES = {"string": "varchar"}


def _duckdb_type(data_type: str) -> str:
    return _DUCKDB_NAMES.get(data_type.lower(), data_type)


def _columns(node: dict[str, Any]) -> dict[str, ColumnDoc]:
    return {
        name: ColumnDoc(
            name,
            _duckdb_type(str(c.get("data_type") or "")),
            " ".join(str(c.get("description") or "").split()),
        )
        for name, c in node.get("columns", {}).items()
    }


def analyst_tables(manifest: dict[str, Any]) -> dict[str, TableDoc]:
    """Every table of the serving copy's analyst schemas, keyed 'schema.table': the models of
    the marts folder and the sources named after the quality/meta schemas."""
    docs: dict[str, TableDoc] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]:
            doc = TableDoc(
                "marts",
                node["name"],
                " ".join(str(node.get("description") or "").split()),
                f"dbt_project/{node['original_file_path']}",
                _columns(node),
            )
            docs[doc.qualified] = doc
    for src in manifest["sources"].values():
        if src["source_name"] in SERVING_SOURCES:
            doc = TableDoc(
                src["source_name"],
                src["name"],
                " ".join(str(src.get("description") or "").split()),
                f"dbt_project/{src['original_file_path']}",
                _columns(src),
            )
            docs[doc.qualified] = doc
    return dict(sorted(docs.items()))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_comments(con: duckdb.DuckDBPyConnection, docs: dict[str, TableDoc]) -> int:
    """COMMENT ON every documented table and column present in `con`; returns how many."""
    present = {
        (s, t, c)
        for s, t, c in con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
        ).fetchall()
    }
    tables = {(s, t) for s, t, _ in present}
    n = 0
    for doc in docs.values():
        if (doc.schema, doc.name) not in tables:
            continue
        con.execute(f"COMMENT ON TABLE {doc.schema}.{doc.name} IS {_quote(doc.description)}")
        n += 1
        for col in doc.columns.values():
            if (doc.schema, doc.name, col.name) in present and col.description:
                con.execute(
                    f'COMMENT ON COLUMN {doc.schema}.{doc.name}."{col.name}" IS {_quote(col.description)}'
                )
                n += 1
    return n


def clear_comments(con: duckdb.DuckDBPyConnection) -> int:
    """Remove every table and column comment in `con`'s database; returns how many."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND comment IS NOT NULL"
    ).fetchall()
    columns = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND comment IS NOT NULL"
    ).fetchall()
    for s, t in tables:
        con.execute(f"COMMENT ON TABLE {quote_identifier(s)}.{quote_identifier(t)} IS NULL")
    for s, t, c in columns:
        con.execute(
            f"COMMENT ON COLUMN {quote_identifier(s)}.{quote_identifier(t)}.{quote_identifier(c)} IS NULL"
        )
    return len(tables) + len(columns)


def comment_serving_copy(con: duckdb.DuckDBPyConnection, manifest: Path = MANIFEST) -> int:
    """Describe the serving copy being built. Without a manifest (never expected: Dagster
    parses the project before any run) the copy is published undescribed, with a warning."""
    if not manifest.exists():
        log.warning(
            "没有 dbt manifest,服务副本不含字段说明 / no dbt manifest at %s: no column comments", manifest
        )
        return 0
    return write_comments(con, analyst_tables(load_manifest(manifest)))
