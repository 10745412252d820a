"""SQL workbench (views/workbench.py) and indicator registry (views/indicators.py) with
AppTest against the published sample serving copy: examples return the rows DuckDB returns,
writes / file access / extensions / ATTACH are refused on screen and leave no file, the row
and time limits hold, the schema browser shows the bilingual descriptions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import analyst
from dashboards.sql_examples import EXAMPLES

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TIMEOUT = 60


def open_page(view: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def workbench() -> AppTest:
    at = open_page("views/workbench.py")
    assert not at.error, [e.value for e in at.error]
    return at


def run_sql(at: AppTest, sql: str) -> AppTest:
    at.text_area(key="wb_sql").input(sql)
    at.button(key="wb_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def result_frame(at: AppTest) -> object:
    # the schema browser's column list comes first, the results last
    return at.dataframe[-1].value


def test_first_example_returns_the_rows_duckdb_returns(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    at = workbench()
    assert at.text_area(key="wb_sql").value == EXAMPLES[0].sql
    at.button(key="wb_run").click().run()
    assert not at.error, [e.value for e in at.error]
    shown = result_frame(at)
    expected = serving_db.cursor().execute(EXAMPLES[0].sql).df()
    assert len(shown) == len(expected) > 0  # type: ignore[arg-type]
    assert list(shown.columns) == list(expected.columns)  # type: ignore[attr-defined]
    assert shown["deaths"].sum() == expected["deaths"].sum()  # type: ignore[index]
    assert [b.label for b in at.get("download_button")] == ["下载 CSV", "下载 Excel"]


def test_choosing_an_example_puts_its_sql_in_the_editor(serving_copy: Path) -> None:
    at = workbench()
    example = EXAMPLES[1]
    at.selectbox(key="wb_example").select(example.key).run()
    assert at.text_area(key="wb_sql").value == example.sql
    at.button(key="wb_run").click().run()
    assert not at.error and len(result_frame(at)) > 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "sql",
    [
        "COPY marts.dim_regions TO '{tmp}/leak.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "INSTALL httpfs",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "CREATE TABLE marts.x AS SELECT 1",
        "SET enable_external_access = true",
    ],
)
def test_refusals_are_shown_and_create_no_file(serving_copy: Path, tmp_path: Path, sql: str) -> None:
    before = serving_copy.stat().st_mtime_ns
    at = run_sql(workbench(), sql.format(tmp=tmp_path))
    assert len(at.error) == 1
    message = at.error[0].value
    assert "查询被拒绝" in message and "Query refused" in message
    assert list(tmp_path.iterdir()) == []
    assert serving_copy.stat().st_mtime_ns == before


def test_row_limit_truncates_and_says_so(serving_copy: Path) -> None:
    at = run_sql(workbench(), "SELECT range AS n FROM range(25000)")
    assert len(result_frame(at)) == analyst.MAX_ROWS  # type: ignore[arg-type]
    assert any("10,000" in w.value and "LIMIT" in w.value for w in at.warning)


def test_time_limit_stops_a_long_query(serving_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyst, "TIMEOUT_S", 1.0)
    at = run_sql(workbench(), "SELECT count(*) FROM range(100000000000) AS a")
    assert any("时间限制" in e.value and "1 s limit" in e.value for e in at.error)


def test_schema_browser_lists_every_table_with_descriptions(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    at = workbench()
    browse = at.selectbox(key="wb_browse_table")
    tables = {
        f"{s}.{t}"
        for s, t in serving_db.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    assert set(browse.options) == tables
    browse.select("marts.fct_breakdowns").run()
    columns = at.dataframe[0].value
    assert "category_code" in set(columns["column_name"])
    assert any(d.startswith("分类维度 / sector") for d in columns["description"])
    assert any(c.value.startswith("分类构成 / Breakdowns") for c in at.caption)
    at.button(key="wb_preview").click().run()
    assert at.text_area(key="wb_sql").value == "SELECT *\nFROM marts.fct_breakdowns\nLIMIT 100"


def test_indicator_registry_recomputes_the_selected_value(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    at = open_page("views/indicators.py", region="330300", period="year:2023")
    registry = at.dataframe[0].value
    n = serving_db.execute("SELECT count(*) FROM marts.dim_indicators").fetchone()[0]  # type: ignore[index]
    assert len(registry) == n
    scope = dict(zip(registry["code"], registry["分子行业范围"], strict=True))
    assert scope["imc_deaths"].startswith("in_imc: 煤矿") and "道路运输" not in scope["imc_deaths"]
    assert scope["road_deaths"] == "不分行业"
    at.selectbox(key="ind_code").select("ps_deaths_per_100m_gdp").run()
    code = at.code[0].value
    assert "marts.fct_published_vintages" in code and "'330300'" in code and "'2023'" in code
    at.button(key="ind_run").click().run()
    assert not at.exception and not at.error
    row = at.dataframe[-1].value.iloc[0]
    published = serving_db.execute(
        "SELECT value FROM marts.fct_indicator_values WHERE region_code = '330300' "
        "AND indicator_code = 'ps_deaths_per_100m_gdp' AND period_type = 'year' AND period = '2023'"
    ).fetchone()[0]  # type: ignore[index]
    assert row["value"] == pytest.approx(published) and row["recomputed_value"] == pytest.approx(published)
    assert [s.value for s in at.success] == ["重算值与发布值一致。"]


@pytest.mark.parametrize(
    ("view", "title"),
    [("views/workbench.py", "SQL workbench"), ("views/indicators.py", "Indicator registry and how")],
)
def test_pages_in_english(serving_copy: Path, view: str, title: str) -> None:
    at = open_page(view, lang="en", region="450000", period="ytd:2021Q4")
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.startswith(title)
    assert any("本页生成用时" in c.value or "Page built in" in c.value for c in at.caption)
