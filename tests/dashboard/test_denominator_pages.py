"""Issue 16 items 4, 9, 10 on the pages (AppTest against the published sample serving copy):
the GDP rate's 同比 split under the production-safety table, a rate on the previous year's
denominator marked ‡ on its card and in the table, and the indicator page's quality note."""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from dashboards.formatting import format_pct_change
from dashboards.rate_decomposition import format_pp
from pipelines.exports.denominators import status_text_zh

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TIMEOUT = 60


def open_page(view: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_production_safety_prints_the_gdp_rate_split(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    found = serving_db.execute(
        "SELECT region_code, period, rate_change_pct, numerator_contribution_pp, denominator_contribution_pp "
        "FROM marts.fct_rate_decomposition WHERE indicator_code = 'ps_deaths_per_100m_gdp' AND period_type = 'ytd' "
        "AND rate_change_pct IS NOT NULL ORDER BY period DESC, region_code LIMIT 1"
    ).fetchone()
    assert found is not None, "the sample has GDP rates with a 同比"
    region, period, pct, num, den = found
    assert abs(num + den - pct) < 1e-9  # the split adds up
    at = open_page("views/production_safety.py", region=region, period=f"ytd:{period}")
    expected = (
        f"同比 {format_pct_change(pct)}:死亡人数 {format_pp(num)} 个百分点,GDP增长 {format_pp(den)} 个百分点"
    )
    captions = [c.value for c in at.caption]
    assert any(c.endswith(expected) and c.startswith("亿元GDP生产安全事故死亡率") for c in captions), captions
    assert any("价格和增长效应" in c for c in captions)


def test_a_rate_on_last_years_denominator_is_marked(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    found = serving_db.execute(
        "SELECT region_code, period, denominator_year, denominator_basis FROM marts.fct_indicator_values "
        "WHERE indicator_code = 'road_deaths_per_10k_vehicles' AND period_type = 'ytd' AND value IS NOT NULL "
        "AND denominator_year < year ORDER BY period DESC, region_code LIMIT 1"
    ).fetchone()
    assert found is not None, "the sample's latest year has no vehicle stock of its own yet"
    region, period, den_year, basis = found
    at = open_page("views/road_traffic.py", region=region, period=f"ytd:{period}")
    card = [m for m in at.metric if m.label == "道路交通万车死亡率"]
    assert card and str(card[0].value).endswith("‡")
    note = status_text_zh(
        {"period_type": "ytd", "period": period, "denominator_year": den_year, "denominator_basis": basis}
    )
    assert note == f"分母为{den_year}年数(当年数未发布)"
    assert any(f"‡ {note}" in c.value for c in at.caption)
    table = at.dataframe[0].value
    row = table[table["指标"] == "道路交通万车死亡率"].iloc[0]
    assert row["分母年份"] == str(den_year) and row["分母说明"] == f"‡ {note}"


def test_indicator_page_shows_the_quality_note(serving_copy: Path) -> None:
    at = open_page("views/indicators.py", region="330300", period="year:2023")
    at.selectbox(key="ind_code").select("ps_deaths_per_100m_gdp").run()
    assert not at.exception
    note = [e for e in at.expander if e.label == "质量与方法说明"]
    assert note, [e.label for e in at.expander]
    text = " ".join(m.value for m in note[0].markdown)
    for heading in ("定义", "来源", "已知口径变化", "可靠性", "区间含义"):
        assert f"**{heading}**" in text
    assert "安全生产“十四五”规划指标解释" in text and "现价" in text
