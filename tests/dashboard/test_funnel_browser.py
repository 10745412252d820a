"""分地区 page in headless Chromium, one indicator of each measure type (issue 16 item 5): a
Poisson funnel only for rates of events or persons, exact binomial limits for the proportion
隐患整改率, and no funnel at all for money (万元), area (公顷) or person-times (人次), whose
values are listed with a note instead. What is drawn is read from the page: the plotly traces
and the caption under the chart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.bench_pages import serve, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed (make system-deps)", allow_module_level=True)

QUERY = "?region=330300&period=year:2024"  # 温州市: 12 counties

LIMITS = ("95% 控制限", "99.8% 控制限")
# indicator → (funnel drawn, a phrase of the caption saying which limits and why)
CASES = {
    "fire_deaths_per_100k_pop": ("poisson", "人数成群出现"),  # persons: clustered, widening kept
    "hazard_rectification_pct": ("binomial", "按二项分布计算控制限"),
    "nd_loss_pct_gdp": ("none", "以万元计的数量"),
    "forest_fire_damage_permille": ("none", "以公顷计的数量"),
    "nd_affected_per_100k_pop": ("none", "以人次计的数量"),
}

# the charts' titles (Streamlit's theme wraps them in <b>) and traces; _fullData holds the arrays
# decoded (data keeps them base64-encoded as sent)
TRACES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot'))
    .map(p => ({title: (p.layout && p.layout.title && p.layout.title.text) || '',
                traces: p._fullData.map(t => ({name: t.name || '', y: Array.from(t.y || [])}))}))"""


@pytest.fixture(scope="module")
def app_url(serving_copy: Path, artifacts_dir: Path) -> Iterator[str]:
    with serve(serving_copy, log=artifacts_dir / "streamlit_funnels.log") as url:
        yield url


@pytest.mark.parametrize("code", list(CASES))
def test_regions_page_draws_the_funnel_the_measure_type_allows(
    code: str, app_url: str, page: Any, serving_db: duckdb.DuckDBPyConnection, artifacts_dir: Path
) -> None:
    kind, phrase = CASES[code]
    row = serving_db.execute(
        "SELECT name_zh FROM marts.dim_indicators WHERE indicator_code = ?", [code]
    ).fetchone()
    assert row is not None
    page.goto(f"{app_url}/regions{QUERY}")
    wait_ready(page, text=" · regions · 330300 · 2024")
    box = page.get_by_role("combobox", name="指标")
    box.click()
    box.fill(str(row[0]))
    page.get_by_role("option", name=str(row[0]), exact=True).first.click()
    caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text=phrase)
    caption.first.wait_for(state="visible", timeout=30_000)  # the rerun for this indicator is done
    wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(artifacts_dir / f"regions_funnel_{code}.png"), full_page=True)

    charts = page.evaluate(TRACES_JS)
    names = {t["name"] for c in charts for t in c["traces"]}
    text = caption.first.inner_text()
    if kind == "none":
        assert not names & set(LIMITS), names  # no control limits anywhere on the page
        assert "漏斗图" not in " ".join(c["title"] for c in charts)
        assert any("各下级地区数值(不画控制限)" in c["title"] for c in charts)
        assert "控制限的宽度会随计量单位改变" in text
        return
    funnel = next(c for c in charts if "漏斗图" in c["title"])
    assert set(LIMITS) <= {t["name"] for t in funnel["traces"]}
    upper = max(max(t["y"]) for t in funnel["traces"] if t["name"] in LIMITS)
    if kind == "binomial":
        assert "精确二项界限" in text and "泊松" in text  # says why not Poisson
        assert upper <= 100.0  # a proportion's limits stop at 100%
    else:
        assert "泊松" in text and "二项" not in text
