"""The analyst schema of a real serving copy (the sample, refreshed once per session):
documented in Chinese and English, contracts on every table, semantic names only, every table
readable through the SQL sandbox, the data dictionary built by `dbt docs generate --static`,
the workbench's example queries and the indicator registry's recomputation SQL checked."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.indicator_sql import recompute_sql
from dashboards.sql_examples import EXAMPLES
from pipelines.catalog import ANALYST_SCHEMAS, TableDoc, analyst_tables, load_manifest
from pipelines.data_dictionary import Built, build
from pipelines.sandbox import QueryRefused, run_query

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def bilingual(text: str) -> bool:
    return bool(CJK.search(text)) and bool(LATIN_WORD.search(CJK.sub(" ", text)))


@pytest.fixture(scope="module")
def serving(request: pytest.FixtureRequest) -> Path:
    """The sample's serving copy; SAFETY_DASHBOARD_SERVING=<path> reuses an existing one (as the
    dashboard tests do) for a quick edit-test loop."""
    given = os.environ.get("SAFETY_DASHBOARD_SERVING")
    if given:
        return Path(given).resolve()
    return Path(request.getfixturevalue("sample_warehouse")).with_name("serving.duckdb")


@pytest.fixture(scope="module")
def dictionary(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`dbt docs generate --static` on a private copy of the sample's serving copy."""
    out = tmp_path_factory.mktemp("dictionary")
    return build(serving, out / "data_dictionary.html", keep_artifacts_in=out / "artifacts")


@pytest.fixture(scope="module")
def manifest(dictionary: Built) -> dict[str, Any]:
    assert dictionary.manifest is not None
    return load_manifest(dictionary.manifest)


@pytest.fixture(scope="module")
def docs(manifest: dict[str, Any]) -> dict[str, TableDoc]:
    return analyst_tables(manifest)


@pytest.fixture(scope="module")
def served(serving: Path) -> dict[str, dict[str, str]]:
    """{'schema.table': {column: DuckDB type}} of the serving copy, in column order."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, {})[column] = dtype
    return out


def query(serving: Path, sql: str) -> list[dict[str, Any]]:
    r = run_query(serving, sql)
    return [dict(zip(r.columns, row, strict=True)) for row in r.rows]


# ------------------------------------------------------------------ documentation and contracts


def test_every_marts_model_is_contracted_and_every_column_bilingual(manifest: dict[str, Any]) -> None:
    models = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] == "marts"
    ]
    assert len(models) >= 12
    problems = []
    for m in models:
        if not m["config"]["contract"]["enforced"]:
            problems.append(f"{m['name']}: contract not enforced")
        if not bilingual(m["description"]):
            problems.append(f"{m['name']}: description not 中文 / English")
        if not m["columns"]:
            problems.append(f"{m['name']}: no columns")
        for c in m["columns"].values():
            if not c.get("data_type"):
                problems.append(f"{m['name']}.{c['name']}: no data_type")
            if not bilingual(c.get("description") or ""):
                problems.append(f"{m['name']}.{c['name']}: {c.get('description')!r}")
    assert not problems, "\n".join(problems)


def test_serving_copy_exposes_only_documented_analyst_tables(
    served: dict[str, dict[str, str]], docs: dict[str, TableDoc]
) -> None:
    assert {t.split(".")[0] for t in served} == set(ANALYST_SCHEMAS)
    internal = [t for t in served if re.search(r"\.(tmp_|stg_|int_|_)|__", t)]
    assert not internal, internal
    assert set(served) == set(docs), set(served) ^ set(docs)
    problems = []
    for table, columns in served.items():
        doc = docs[table]
        if not bilingual(doc.description):
            problems.append(f"{table}: table description {doc.description!r}")
        # Same columns, same order as documented, same types: the contract analysts rely on,
        # checked here also for the quality/meta tables that Python builds.
        if list(columns) != list(doc.columns):
            problems.append(f"{table}: columns {list(columns)} != documented {list(doc.columns)}")
            continue
        for name, dtype in columns.items():
            col = doc.columns[name]
            if dtype.lower() != col.data_type.lower():
                problems.append(f"{table}.{name}: {dtype} in the serving copy, documented {col.data_type}")
            if not bilingual(col.description):
                problems.append(f"{table}.{name}: {col.description!r}")
    assert not problems, "\n".join(problems)


def test_serving_copy_carries_the_descriptions_as_comments(serving: Path, docs: dict[str, TableDoc]) -> None:
    tables = query(
        serving,
        "SELECT schema_name || '.' || table_name AS t, comment FROM duckdb_tables() "
        "WHERE database_name = current_database()",
    )
    assert {r["t"]: r["comment"] for r in tables} == {t: docs[t].description for t in docs}
    columns = query(
        serving,
        "SELECT schema_name || '.' || table_name AS t, column_name AS c, comment FROM duckdb_columns() "
        "WHERE database_name = current_database()",
    )
    assert columns and all(r["comment"] == docs[r["t"]].columns[r["c"]].description for r in columns)


# --------------------------------------------------------------------------- sandbox on all tables


def test_select_star_on_every_analyst_table_through_the_sandbox(
    serving: Path, served: dict[str, dict[str, str]]
) -> None:
    counts = {}
    for table, columns in served.items():
        r = run_query(serving, f"SELECT * FROM {table} LIMIT 5", max_rows=10)
        assert r.columns == list(columns), table
        assert len(r.rows) <= 5 and not r.truncated
        counts[table] = len(r.rows)
    assert len(counts) >= 18
    # Every mart and the load log hold rows on the sample; rejects and changes may be empty.
    empty = [t for t, n in counts.items() if n == 0 and (t.startswith("marts.") or t == "quality.load_log")]
    assert not empty, empty


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM marts.fct_indicator_values",
        "CREATE TABLE marts.x AS SELECT 1",
        "COPY marts.dim_regions TO '{tmp}/leak.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD '{tmp}/evil.duckdb_extension'",
        "SET enable_external_access = true",
    ],
)
def test_sandbox_refuses_on_the_real_serving_copy(serving: Path, tmp_path: Path, sql: str) -> None:
    with pytest.raises(QueryRefused, match="Query refused"):
        run_query(serving, sql.format(tmp=tmp_path))
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ data dictionary


def test_dbt_docs_generate_builds_the_static_data_dictionary(
    dictionary: Built, served: dict[str, dict[str, str]], docs: dict[str, TableDoc]
) -> None:
    html = dictionary.html.read_text(encoding="utf-8")
    assert len(html) > 1_000_000  # one file: the docs app with manifest and catalog inlined
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", html)  # no network
    for text in ("Indicator values. Grain", json.dumps("指标值")[1:-1], "fct_plan_progress", "quality"):
        assert text in html, text
    assert dictionary.catalog is not None
    catalog = json.loads(dictionary.catalog.read_text(encoding="utf-8"))
    assert not catalog.get("errors")
    found = {}
    for entry in [*catalog["nodes"].values(), *catalog["sources"].values()]:
        meta = entry["metadata"]
        found[f"{meta['schema']}.{meta['name']}"] = {
            c["name"]: c["type"] for c in sorted(entry["columns"].values(), key=lambda c: c["index"])
        }
    # The catalogue, read from the serving copy, lists every analyst table with its types.
    assert found == served
    assert set(found) == set(docs)


# ------------------------------------------------------------------------- workbench examples


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_example_query_returns_rows_on_the_sample(serving: Path, example: Any) -> None:
    r = run_query(serving, example.sql)
    assert r.rows, example.key
    assert re.search(r"\b(?:FROM|JOIN)\s+(?:marts|quality|meta)\.", example.sql)


def test_wenzhou_example_sums_to_the_headline_deaths(serving: Path) -> None:
    """The GB 6441 example's rows add up, per county and quarter, to ps_deaths."""
    example = next(e for e in EXAMPLES if e.key == "wenzhou_deaths_by_category")
    rows = query(serving, example.sql)
    sums: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["completeness"] == "complete":
            key = (r["region_code"], r["period"])
            sums[key] = sums.get(key, 0.0) + r["deaths"]
    assert len(sums) >= 20
    headline = {
        (r["region_code"], r["period"]): r["value"]
        for r in query(
            serving,
            "SELECT v.region_code, v.period, v.value FROM marts.fct_indicator_values AS v "
            "JOIN marts.dim_regions AS r ON r.region_code = v.region_code "
            "WHERE r.parent_code = '330300' AND v.indicator_code = 'ps_deaths' AND v.period_type = 'quarter'",
        )
    }
    assert all(abs(sums[k] - headline[k]) < 1e-9 for k in sums), {
        k: (sums[k], headline.get(k)) for k in sums if abs(sums[k] - headline.get(k, -1)) >= 1e-9
    }


# ------------------------------------------------------------------- indicator recomputation SQL


def _inputs(serving: Path) -> dict[str, Any]:
    measures = query(serving, "SELECT measure_code, kind, domain FROM marts.dim_measures")
    return {
        "measure_kinds": {m["measure_code"]: m["kind"] for m in measures},
        "measure_domains": {m["measure_code"]: m["domain"] for m in measures},
        "breakdowns": {
            (r["measure_code"], r["breakdown"])
            for r in query(serving, "SELECT DISTINCT measure_code, breakdown FROM marts.fct_breakdowns")
        },
    }


@pytest.mark.parametrize(
    ("indicator", "period_type"),
    [
        ("fire_deaths_per_100k_pop", "year"),
        ("ps_deaths_per_100m_gdp", "year"),
        ("road_deaths_per_10k_vehicles", "ytd"),
        ("hazard_rectification_pct", "quarter"),
        ("ps_deaths", "quarter"),
        ("imc_deaths", "year"),
        ("ps_accidents_larger_plus", "year"),
        ("road_accidents", "ytd"),
    ],
)
def test_indicator_sql_recomputes_the_published_value(
    serving: Path, indicator: str, period_type: str
) -> None:
    """Through the sandbox, from other tables (the numerator's count indicator and the
    denominator's published release; for counts the records' breakdown), on values resting on
    complete records: equal to fct_indicator_values.value for every such region in one period."""
    ind = query(serving, f"SELECT * FROM marts.dim_indicators WHERE indicator_code = '{indicator}'")[0]
    basis = "AND denominator_basis = 'published'" if ind["denominator_from"] == "denominator" else ""
    cases = query(
        serving,
        f"""SELECT region_code, period FROM marts.fct_indicator_values
        WHERE indicator_code = '{indicator}' AND period_type = '{period_type}' AND value IS NOT NULL
          AND completeness = 'complete' AND value_source = 'records' {basis}
        QUALIFY row_number() OVER (PARTITION BY region_level ORDER BY value DESC, region_code, period) = 1""",
    )
    assert cases, indicator
    inputs = _inputs(serving)
    for case in cases:
        sql = recompute_sql(ind, case["region_code"], period_type, case["period"], **inputs)
        (row,) = query(serving, sql)
        assert row["recomputed_value"] is not None, (case, sql)
        assert row["recomputed_value"] == pytest.approx(row["value"], rel=1e-12), (case, row)
        if ind["denominator_from"] == "denominator":
            # the denominator used is the current published release of its year
            assert row["denominator_released"] == pytest.approx(row["denominator"], rel=1e-12), (case, row)


def test_indicator_sql_shows_when_a_value_is_not_from_records(serving: Path) -> None:
    """A region's published total (report) is not the sum of its partial records: the SQL's
    recomputation differs and value_source says why, rather than matching by construction."""
    (case,) = query(
        serving,
        """SELECT region_code, period FROM marts.fct_indicator_values
        WHERE indicator_code = 'nd_deaths_missing' AND period_type = 'year' AND value_source = 'report'
        ORDER BY value DESC LIMIT 1""",
    )
    ind = query(serving, "SELECT * FROM marts.dim_indicators WHERE indicator_code = 'nd_deaths_missing'")[0]
    (row,) = query(
        serving, recompute_sql(ind, case["region_code"], "year", case["period"], **_inputs(serving))
    )
    assert row["value_source"] == "report"
    assert row["recomputed_value"] != pytest.approx(row["value"])
