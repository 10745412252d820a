"""Page logic with streamlit.testing.v1.AppTest against the published sample serving copy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.formatting import format_pct_change, format_value
from pipelines.lib.plan_statuses import status_label
from tests.conftest import DownloadStore

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
VIEWS = [
    "views/plan.py",
    "views/regions.py",
    "views/production_safety.py",
    "views/road_traffic.py",
    "views/fires.py",
    "views/disasters.py",
    "views/enforcement.py",
    "views/quality.py",
    "views/sources.py",
    "views/exports.py",
    "views/workbench.py",
    "views/indicators.py",
    "views/methods.py",
]
TIMEOUT = 60


def run_app(region: str | None = None, period: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if region:
        at.query_params["region"] = region
    if period:
        at.query_params["period"] = period
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert_no_exception(at)
    return at


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> Any:
    found = [m for m in at.metric if m.label == label]
    assert found, f"no card {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any]:
    cur = con.cursor()
    rows = cur.execute(sql, params).fetchall()
    cols = [d[0] for d in cur.description]
    assert len(rows) == 1, (sql, params, rows)
    return dict(zip(cols, rows[0], strict=True))


def indicator_row(
    con: duckdb.DuckDBPyConnection, region: str, code: str, pt: str, period: str
) -> dict[str, Any]:
    return one(
        con,
        "SELECT * FROM marts.fct_indicator_values WHERE region_code=? AND indicator_code=? AND period_type=? AND period=?",
        [region, code, pt, period],
    )


@pytest.fixture(scope="module")
def latest_national_quarter(serving_db: duckdb.DuckDBPyConnection) -> str:
    row = one(
        serving_db,
        "SELECT max(period) AS p FROM marts.fct_indicator_values WHERE region_code='000000' AND period_type='ytd'",
        [],
    )
    return str(row["p"])


def test_national_overview_defaults_to_the_latest_quarter_with_sample_banner(
    serving_copy: Path, latest_national_quarter: str
) -> None:
    # the app opens at the home region (tests/dashboard/test_home_region.py); 全国 named in the
    # URL has no complete period on the sample, so it opens at its latest 1–N月累计
    at = run_app(region="000000")
    assert at.selectbox(key="region_l1").value == "000000"
    assert at.selectbox(key="period_key").value == f"ytd:{latest_national_quarter}"
    assert at.title[0].value.startswith("全国")
    assert any("合成样例数据" in w.value and "SYNTHETIC SAMPLE" in w.value for w in at.warning)
    assert len(at.metric) >= 6


def test_guangxi_2021_deaths_and_yoy(serving_copy: Path, serving_db: duckdb.DuckDBPyConnection) -> None:
    """The issue's acceptance example: 广西 2021 deaths 1526 with 同比 −17.9%, chosen via the widgets."""
    at = run_app()
    at.selectbox(key="region_l1").set_value("450000").run()
    assert_no_exception(at)
    at.selectbox(key="period_key").set_value("ytd:2021Q4").run()
    assert_no_exception(at)
    assert at.title[0].value == "广西壮族自治区 · 2021年1-12月(累计)"
    card = metric(at, "生产安全事故死亡人数")
    assert card.value == "1526人"
    assert card.delta.startswith("−17.9%")
    row = indicator_row(serving_db, "450000", "ps_deaths", "ytd", "2021Q4")
    assert card.value == format_value(row["value"], row["unit"])
    assert format_pct_change(row["yoy_pct"]) == "−17.9%"
    # the full year gives the same figures
    at.selectbox(key="period_key").set_value("year:2021").run()
    card = metric(at, "生产安全事故死亡人数")
    assert (card.value, card.delta[:6]) == ("1526人", "−17.9%")


def test_switching_period_and_region_changes_the_numbers(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    at = run_app(region="450000", period="ytd:2021Q4")
    before = metric(at, "生产安全事故死亡人数").value
    at.selectbox(key="period_key").set_value("ytd:2022Q2").run()
    row = indicator_row(serving_db, "450000", "ps_deaths", "ytd", "2022Q2")
    after = metric(at, "生产安全事故死亡人数").value
    assert after == format_value(row["value"], row["unit"]) and after != before
    # down one level: a city of Guangxi
    at.selectbox(key="region_l2").set_value("450100").run()
    assert_no_exception(at)
    assert at.title[0].value.startswith("南宁市")
    city = indicator_row(serving_db, "450100", "ps_deaths", "ytd", "2022Q2")
    assert metric(at, "生产安全事故死亡人数").value == format_value(city["value"], city["unit"])
    # changing the province resets the city level
    at.selectbox(key="region_l1").set_value("500000").run()
    assert at.selectbox(key="region_l2").value == ""
    assert at.title[0].value.startswith("重庆市")


@pytest.mark.parametrize("region", ["500109", "331102", "371521"])
def test_plan_targets_and_statuses(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection, region: str
) -> None:
    """北碚区, 莲都区 and 阳谷县 show their tracked plan targets with their statuses."""
    at = run_app(region=region)
    assert at.selectbox(key="region_l1").value != "000000"
    table = at.dataframe[0].value
    cur = serving_db.cursor()
    expected = cur.execute(
        "SELECT indicator_zh, status FROM marts.fct_plan_progress WHERE region_code=? AND status <> 'not_tracked'",
        [region],
    ).fetchall()
    assert expected, region
    shown = set(zip(table["指标"], table["进度"], strict=True))
    assert shown == {(ind, status_label(st)) for ind, st in expected}
    # cards: binding (约束性) targets come first, each with a status badge whose tooltip is the rule
    rank = {"约束性": 0, "预期性": 1, "未注明": 2}
    bindings = [m.value.rsplit(" · ", 1)[-1] for m in at.markdown if m.value.startswith("**规划目标**")]
    assert bindings and bindings == sorted(bindings, key=rank.__getitem__), bindings
    badges = [m for m in at.markdown if "-badge[" in m.value]
    assert len(badges) == len(bindings)
    assert all(b.help and b.help.startswith("判定规则") for b in badges)
    # the untracked targets are one toggle away
    n_untracked = int(
        cur.execute(
            "SELECT count(*) FROM marts.fct_plan_progress WHERE region_code=? AND status='not_tracked'",
            [region],
        ).fetchone()[0]  # type: ignore[index]
    )
    at.toggle(key="overview_show_untracked").set_value(True).run()
    assert len(at.dataframe[0].value) == len(expected) + n_untracked


def test_partial_values_say_partial(serving_copy: Path, serving_db: duckdb.DuckDBPyConnection) -> None:
    cur = serving_db.cursor()
    found = cur.execute(
        """
        SELECT region_code, period, coverage_k, coverage_n FROM marts.fct_indicator_values
        WHERE indicator_code = 'ps_deaths' AND period_type = 'ytd' AND completeness = 'partial'
        ORDER BY period DESC, region_code LIMIT 1
        """
    ).fetchone()
    assert found is not None, "the sample has partial ps_deaths values (parents of uncovered regions)"
    region, period, k, n = found
    at = run_app(region=region, period=f"ytd:{period}")
    card = metric(at, "生产安全事故死亡人数")
    assert card.value.startswith(f"部分({k}/{n})"), card.value
    rate = cur.execute(
        "SELECT value FROM marts.fct_indicator_values WHERE region_code=? AND indicator_code='ps_deaths_per_100m_gdp' "
        "AND period_type='ytd' AND period=?",
        [region, period],
    ).fetchone()
    if rate is not None:
        assert rate[0] is None  # rates are null for partial regions …
        assert metric(at, "亿元GDP生产安全事故死亡率").value.endswith("—")  # … and shown as a dash


def test_language_switch(serving_copy: Path) -> None:
    at = run_app(region="450000", period="ytd:2021Q4")
    at.toggle(key="lang_en").set_value(True).run()
    assert_no_exception(at)
    assert at.title[0].value.startswith("Guangxi")
    card = metric(at, "Production-safety deaths (incl. missing)")
    assert card.value == "1,526 persons"
    assert "YoY" in (card.proto.delta_description or "")
    at.toggle(key="lang_en").set_value(False).run()
    assert at.title[0].value.startswith("广西")
    # ?lang=en opens in English
    assert run_app(region="000000", lang="en").title[0].value.startswith("China")


@pytest.mark.parametrize("view", VIEWS)
def test_every_page_runs(serving_copy: Path, view: str) -> None:
    at = run_app(region="450000", period="ytd:2021Q4")
    at.switch_page(view).run()
    assert_no_exception(at)
    assert at.title, view
    # every page ends with the render-time line the browser tests wait for
    assert any("本页生成用时" in c.value for c in at.caption)


def test_domain_page_shows_mart_values(serving_copy: Path, serving_db: duckdb.DuckDBPyConnection) -> None:
    at = run_app(region="450000", period="ytd:2021Q4")
    at.switch_page("views/production_safety.py").run()
    assert metric(at, "生产安全事故死亡人数").value == "1526人"
    table = at.dataframe[0].value
    assert "1526人" in set(table["数值"])
    # production safety has all its breakdowns; the other domains still wait for months
    assert not any("待补充的分解" in i.value for i in at.info)
    at.switch_page("views/fires.py").run()
    assert any("待补充的分解" in i.value for i in at.info)


def breakdown_rows(
    con: duckdb.DuckDBPyConnection,
    region: str,
    pt: str,
    period: str,
    domain: str,
    breakdown: str,
    measure: str,
) -> list[dict[str, Any]]:
    cur = con.cursor()
    rows = cur.execute(
        """SELECT b.category_name_zh, b.value, b.unit, b.released_on, m.name_zh AS measure_name_zh
           FROM marts.fct_breakdowns AS b JOIN marts.dim_measures AS m USING (measure_code)
           WHERE b.region_code=? AND b.period_type=? AND b.period=? AND b.domain=? AND b.breakdown=?
             AND b.measure_code=?""",
        [region, pt, period, domain, breakdown, measure],
    ).fetchall()
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in rows]


def breakdown_table(at: AppTest, column: str) -> Any:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no breakdown table with column {column!r}"
    return found[0]


# (page, fct_breakdowns.domain, breakdown, category column on the page, measure checked); the sample
# has production-safety records for 广西 450000 and the other domains for 温州市 330300 (complete).
BREAKDOWN_PAGES = [
    ("450000", "production_safety", "production_safety", "grade", "事故等级", "ps_accidents"),
    ("450000", "production_safety", "production_safety", "sector", "行业领域", "ps_deaths"),
    ("450000", "production_safety", "production_safety", "category", "事故类别(GB 6441)", "ps_accidents"),
    ("450000", "production_safety", "production_safety", "month", "月份", "ps_accidents"),
    ("330300", "road_traffic", "road_traffic", "operating_vehicle", "是否涉及营运车辆", "road_deaths"),
    ("330300", "road_traffic", "road_traffic", "vehicle_kind", "车辆类型", "road_accidents"),
    ("330300", "fires", "fire", "place_type", "起火场所", "fire_count"),
    ("330300", "fires", "fire", "cause", "起火原因", "fire_deaths"),
    ("330300", "disasters", "natural_disaster", "hazard", "灾种", "nd_direct_loss"),
    ("330300", "disasters", "natural_disaster", "hazard", "灾种", "nd_relocated"),
    ("330300", "enforcement", "enforcement", "sector", "行业领域", "enf_fines"),
    ("330300", "enforcement", "enforcement", "inspection_kind", "检查方式", "hazards_rectified"),
]


@pytest.mark.parametrize(("region", "page", "domain", "breakdown", "column", "measure"), BREAKDOWN_PAGES)
def test_domain_breakdowns_equal_the_mart(
    serving_copy: Path,
    serving_db: duckdb.DuckDBPyConnection,
    region: str,
    page: str,
    domain: str,
    breakdown: str,
    column: str,
    measure: str,
) -> None:
    """2021: every category of the breakdown shows the fct_breakdowns value, with its source line."""
    at = run_app(region=region, period="year:2021")
    at.switch_page(f"views/{page}.py").run()
    assert_no_exception(at)
    expected = breakdown_rows(serving_db, region, "year", "2021", domain, breakdown, measure)
    assert expected
    table = breakdown_table(at, column)
    name = expected[0]["measure_name_zh"]
    shown = dict(zip(table[column], table[name], strict=True))
    assert shown == {r["category_name_zh"]: format_value(r["value"], r["unit"]) for r in expected}
    captions = [c.value for c in at.caption]
    assert any(f"marts.fct_breakdowns (breakdown = {breakdown}" in c for c in captions), captions
    released = [r["released_on"] for r in expected if r["released_on"] is not None]
    if released:  # the vintage is stated when the records carry release dates
        assert any("数据版本" in c and "fct_breakdowns" in c for c in captions), captions


def test_guangxi_2021_accidents_by_grade_sum_to_1986(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    rows = breakdown_rows(serving_db, "450000", "year", "2021", "production_safety", "grade", "ps_accidents")
    assert sum(r["value"] for r in rows) == 1986
    at = run_app(region="450000", period="year:2021")
    at.switch_page("views/production_safety.py").run()
    table = breakdown_table(at, "事故等级")
    assert list(table["事故等级"])[:2] == ["一般", "较大"]  # grades in order, not by size
    assert sum(int(v.removesuffix("起")) for v in table["生产安全事故起数"]) == 1986
    # vehicle kinds: an accident listing several kinds counts under each, and the page says so
    at = run_app(region="330300", period="year:2021")
    at.switch_page("views/road_traffic.py").run()
    assert any("在每种车辆下各计一次" in c.value for c in at.caption)


def test_fire_breakdowns_mark_the_2021_series_break(serving_copy: Path) -> None:
    """dim_series_breaks: fires were re-scoped in 2021, so 2021 同比 by place is blank and noted."""
    at = run_app(region="330300", period="year:2021")
    at.switch_page("views/fires.py").run()
    assert any("口径变化" in c.value and "2021年起火灾统计口径调整" in c.value for c in at.caption)
    table = breakdown_table(at, "起火场所")
    assert set(table["火灾起数 · 同比%"]) == {"—"}


def test_drill_down_selects_the_child(serving_copy: Path) -> None:
    at = run_app(region="450000", period="ytd:2021Q4")
    at.switch_page("views/regions.py").run()
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert "南宁市" in set(table["地区"])
    at.selectbox(key="regions_drill_target").set_value("450100")
    at.button(key="regions_drill_button").click().run()
    assert_no_exception(at)
    assert at.selectbox(key="region_l2").value == "450100"
    assert at.title[0].value.startswith("分地区:南宁市")


def test_missing_serving_copy_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETY_SERVING", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "尚未发布数据" in at.error[0].value


def test_queries_read_only_published_tables() -> None:
    """No query touches raw record tables: only marts, quality and meta of the serving copy."""
    source = Path(data.__file__).read_text(encoding="utf-8")
    referenced = set(
        re.findall(r"\b(?:FROM|JOIN)\s+((?:raw|marts|quality|meta|main)\.\w+)", source, re.IGNORECASE)
    )
    assert referenced, "no table references found"
    assert referenced <= set(data.READ_TABLES), referenced - set(data.READ_TABLES)
    assert set(data.EXPORT_TABLES.values()) <= set(data.READ_TABLES)


def test_exports_are_valid_csv_and_excel(serving_copy: Path) -> None:
    import io

    import pandas as pd

    from pipelines.lib import safe_cells

    token = data.db_token(serving_copy)
    assert token is not None
    df = data.export_table(token, "fct_plan_progress", "331102")
    assert not df.empty and set(df["region_code"]) <= {"331102"}
    csv = safe_cells.csv_bytes(df)  # what components.download_buttons delivers
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text as UTF-8
    back = pd.read_excel(io.BytesIO(safe_cells.xlsx_bytes(df, "plan")))
    assert len(back) == len(df) and "莲都区" in set(back["jurisdiction_zh"])


def test_exports_page_downloads_the_workbook_and_the_brief(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection, download_store: DownloadStore
) -> None:
    """数据导出 offers the 综合报表 workbook and the quarterly brief of the sidebar's region and
    quarter; the buttons' deferred builders (run as a click would) return a workbook with the
    mart's figures and a PDF (or HTML without Chromium)."""
    import io

    import openpyxl

    at = run_app(region="450000", period="ytd:2021Q4")
    at.switch_page("views/exports.py").run()
    assert_no_exception(at)

    def download(key: str) -> tuple[str, bytes, str]:
        label, content, name, _mime = download_store.fetch(at, key)
        return label, content, name

    label, content, name = download("official_workbook")
    assert label == "下载综合报表(Excel)" and name == "综合报表_450000_2021Q4.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(content))["综合报表"]
    assert ws["A1"].value == "广西壮族自治区 2021年第4季度 安全生产统计综合报表"
    total = next(r for r in ws.iter_rows() if r[0].value == "450000")
    deaths = indicator_row(serving_db, "450000", "ps_deaths", "year", "2021")
    assert deaths["value"] in [c.value for c in total]  # 1526, the 1–12月 figure
    from pipelines.exports.brief import find_chromium

    label, content, name = download("official_brief")
    if find_chromium() is not None:
        assert label == "下载季度简报(PDF)" and name == "季度简报_450000_2021Q4.pdf"
        assert content.startswith(b"%PDF")
    else:
        assert label == "下载季度简报(HTML)" and name == "季度简报_450000_2021Q4.html"
        assert "广西壮族自治区安全生产形势季度简报" in content.decode("utf-8")
    # a year known only from annual report tables (莲都区 2015): no quarter, a message, no buttons
    at = run_app(region="331102", period="year:2015")
    at.switch_page("views/exports.py").run()
    assert_no_exception(at)
    assert not [b for b in at.download_button if b.key in ("official_workbook", "official_brief")]
    assert any("没有季度数据" in i.value for i in at.info)


def test_quality_page_lists_values_changed_since_the_last_refresh(
    serving_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second publication with two moved values (written into a copy of the serving file)."""
    import shutil

    copy = tmp_path / "serving.duckdb"
    shutil.copy(serving_copy, copy)
    con = duckdb.connect(str(copy))
    try:
        present = {
            r[0]
            for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
        }
        assert "quality.indicator_changes" in present, "every published serving copy carries the change log"
        con.execute("UPDATE meta.refresh SET run_id = 'second-run'")
        con.execute(
            "INSERT INTO quality.refreshes (run_id, published_at, raw_root, is_sample, values_changed, is_first) "
            "VALUES ('second-run', TIMESTAMP '2030-01-01 00:00:00', 'raw', true, 2, false)"
        )
        con.execute(
            """INSERT INTO quality.indicator_changes (run_id, published_at, region_code, indicator_code,
                   period_type, period, change_kind, old_value, new_value, old_released_on, new_released_on)
               VALUES ('second-run', TIMESTAMP '2030-01-01 00:00:00', '450000', 'ps_deaths', 'year', '2021',
                       'changed', 1500, 1526, DATE '2022-01-01', DATE '2022-02-01'),
                      ('second-run', TIMESTAMP '2030-01-01 00:00:00', '450100', 'ps_deaths', 'year', '2021',
                       'added', NULL, 10, NULL, DATE '2022-02-01')"""
        )
    finally:
        con.close()
    monkeypatch.setenv("SAFETY_SERVING", str(copy))
    at = run_app(region="450000")
    at.switch_page("views/quality.py").run()
    assert_no_exception(at)
    assert metric(at, "较上次发布变动的指标值").value == "2"
    detail = next(d.value for d in at.dataframe if "旧值" in d.value.columns)
    assert list(detail["旧值"]) == ["1500人", "—"] or list(detail["旧值"]) == ["—", "1500人"]
    assert set(detail["新值"]) == {"1526人", "10人"}
    assert set(detail["变化"]) == {"修订", "新增"}


def _figures(at: AppTest) -> list[dict[str, Any]]:
    import json

    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_rate_drill_down_is_a_funnel_with_the_warehouse_signal(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    at = run_app(region="450000", period="year:2021")
    at.switch_page("views/regions.py").run()
    at.selectbox(key="regions_indicator").set_value("ps_deaths_per_100m_gdp").run()
    assert_no_exception(at)
    names = {tr.get("name") for fig in _figures(at) for tr in fig["data"]}
    assert {"95% 控制限", "99.8% 控制限"} <= names  # the funnel replaces the ranking of rates
    assert any(str(n).startswith("广西壮族自治区 比率") for n in names)
    table = at.dataframe[0].value
    signals = dict(zip(table["区划代码"], table["变化是否显著"], strict=True))
    expected = {
        "significant": "显著",
        "within_noise": "无明显变化证据",
        "partial_coverage": "数据不全,不判断显著性",
    }
    rows = serving_db.execute(
        "SELECT v.region_code, v.yoy_signal FROM marts.fct_indicator_values v JOIN marts.dim_regions r "
        "USING (region_code) WHERE r.parent_code = '450000' AND indicator_code = 'ps_deaths_per_100m_gdp' "
        "AND period_type = 'year' AND period = '2021'"
    ).fetchall()
    assert rows and {c: signals[c] for c, _ in rows} == {c: expected.get(s, "") for c, s in rows}
    assert "95%置信区间" in table.columns


def test_plan_page_gives_probabilities_and_a_projection_fan(serving_copy: Path) -> None:
    at = run_app(region="331102", period="year:2025")
    at.switch_page("views/plan.py").run()
    assert_no_exception(at)
    texts = " ".join(m.value for m in at.markdown)
    assert "实现概率" in texts and "按2024年及以前数据预测" in texts
    names = {tr.get("name") for fig in _figures(at) for tr in fig["data"]}
    assert {"预测90%区间", "预测50%区间", "预测区间(据2024年及以前数据)"} <= names


def test_methods_page_shows_the_methods_note(serving_copy: Path) -> None:
    at = run_app(lang="en")
    at.switch_page("views/methods.py").run()
    assert_no_exception(at)
    assert at.title[0].value.startswith("Methods")
    text = " ".join(m.value for m in at.markdown)
    for ref in ("Garwood", "Przyborowski", "Spiegelhalter", "Clopper", "Breslow"):
        assert ref in text
