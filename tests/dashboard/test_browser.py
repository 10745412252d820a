"""The dashboard served by `streamlit run` on loopback, driven in headless Chromium (Playwright).

Every page loads without an exception element; switching region and period through the sidebar
widgets changes the numbers to the values in marts.fct_indicator_values; the language switch
works; Chinese glyphs render. Screenshots go to test-artifacts/dashboard/ (gitignored).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.bench_pages import PAGES, serve, wait_ready
from dashboards.formatting import format_pct_change, format_value

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed (make system-deps)", allow_module_level=True)

QUERY = "?region=450000&period=ytd:2021Q4"


@pytest.fixture(scope="module")
def app_url(serving_copy: Path, artifacts_dir: Path) -> Iterator[str]:
    with serve(serving_copy, log=artifacts_dir / "streamlit.log") as url:
        yield url


def screenshot(page: Any, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 1000; }"
    )
    page.set_viewport_size({"width": 1440, "height": min(max(int(height) + 40, 1000), 8000)})
    wait_ready(page)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1440, "height": 1000})


def card(page: Any, label: str) -> Any:
    """The st.metric whose label is exactly `label`."""
    return page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^{re.escape(label)}$"))
    )


def choose(page: Any, label: str, typed: str, option: str) -> None:
    """Pick an option of a sidebar selectbox the way a user does: open, type, click."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option).first.click()


def db_value(con: duckdb.DuckDBPyConnection, region: str, code: str, pt: str, period: str) -> tuple[str, str]:
    cur = con.cursor()
    row = cur.execute(
        "SELECT value, unit, yoy_pct FROM marts.fct_indicator_values "
        "WHERE region_code=? AND indicator_code=? AND period_type=? AND period=?",
        [region, code, pt, period],
    ).fetchone()
    assert row is not None
    return format_value(row[0], row[1]), format_pct_change(row[2])


def test_every_page_loads_without_exceptions(app_url: str, page: Any, artifacts_dir: Path) -> None:
    for name, path in PAGES:
        page.goto(f"{app_url}/{path}{QUERY}")
        wait_ready(page, text=f" · {path or 'overview'} · 450000 · 2021Q4")
        assert page.locator("[data-testid='stException']").count() == 0, name
        assert page.locator("h1").first.is_visible(), name
        assert page.get_by_text("合成样例数据 / SYNTHETIC SAMPLE").first.is_visible(), name
        screenshot(page, artifacts_dir / f"{name}.png")


def test_switching_region_and_period_shows_mart_values(
    app_url: str, page: Any, serving_db: duckdb.DuckDBPyConnection, artifacts_dir: Path
) -> None:
    page.goto(f"{app_url}/?region=000000")
    wait_ready(page, text=" · overview · 000000 · ")
    deaths = card(page, "生产安全事故死亡人数")

    # region: 广西 in the province selector, then the full year 2021 (Jan-Dec)
    choose(page, "全国 / 省级", "广西", "广西壮族自治区(450000)")
    wait_ready(page, text=" · 450000 · ")
    choose(page, "报告期", "2021年1-12月", "2021年1-12月(累计)")
    wait_ready(page, text=" · 450000 · 2021Q4")
    value, yoy = db_value(serving_db, "450000", "ps_deaths", "ytd", "2021Q4")
    assert (value, yoy) == ("1526人", "−17.9%")
    assert deaths.locator("[data-testid='stMetricValue']").inner_text() == value
    assert deaths.locator("[data-testid='stMetricDelta']").inner_text().startswith(yoy)
    assert page.locator("h1").first.inner_text() == "广西壮族自治区 · 2021年1-12月(累计)"
    screenshot(page, artifacts_dir / "overview_guangxi_2021.png")

    # another period: Jan-Jun 2022
    choose(page, "报告期", "2022年1-6月", "2022年1-6月(累计)")
    wait_ready(page, text=" · 450000 · 2022Q2")
    value2, _ = db_value(serving_db, "450000", "ps_deaths", "ytd", "2022Q2")
    assert value2 != value
    assert deaths.locator("[data-testid='stMetricValue']").inner_text() == value2

    # one level down: 南宁市
    choose(page, "市级(或直辖市的区县)", "南宁", "南宁市(450100)")
    wait_ready(page, text=" · 450100 · 2022Q2")
    value3, _ = db_value(serving_db, "450100", "ps_deaths", "ytd", "2022Q2")
    assert deaths.locator("[data-testid='stMetricValue']").inner_text() == value3
    assert page.locator("h1").first.inner_text().startswith("南宁市")


def test_plan_targets_of_the_three_counties(
    app_url: str, page: Any, serving_db: duckdb.DuckDBPyConnection, artifacts_dir: Path
) -> None:
    for code, name in (("500109", "北碚区"), ("331102", "莲都区"), ("371521", "阳谷县")):
        page.goto(f"{app_url}/?region={code}")
        wait_ready(page, text=f" · overview · {code} · ")
        assert page.locator("h1").first.inner_text().startswith(name)
        table = page.locator("[data-testid='stDataFrame']").first
        table.wait_for(state="visible")
        n = (
            serving_db.cursor()
            .execute(
                "SELECT count(*) FROM marts.fct_plan_progress WHERE region_code=? AND status <> 'not_tracked'",
                [code],
            )
            .fetchone()
        )
        assert n is not None and n[0] > 0
        assert page.get_by_text("规划目标", exact=False).count() > 0
        screenshot(page, artifacts_dir / f"overview_{code}.png")


def test_language_switch(app_url: str, page: Any, artifacts_dir: Path) -> None:
    page.goto(f"{app_url}/{QUERY}")
    wait_ready(page, text=" · overview · 450000 · 2021Q4")
    page.get_by_text("English", exact=True).first.click()
    wait_ready(page, text="Page built in")
    assert page.locator("h1").first.inner_text().startswith("Guangxi")
    assert page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Overview").is_visible()
    en = card(page, "Production-safety deaths (incl. missing)")
    assert en.locator("[data-testid='stMetricValue']").inner_text() == "1,526 persons"
    assert "lang=en" in page.url
    screenshot(page, artifacts_dir / "overview_english.png")
    page.get_by_text("English", exact=True).first.click()
    wait_ready(page, text="本页生成用时")
    assert page.locator("h1").first.inner_text().startswith("广西壮族自治区")


def test_chinese_glyphs_render(app_url: str, page: Any) -> None:
    """With the page's own font stack, CJK characters draw as distinct glyphs, not as tofu boxes."""
    if shutil.which("fc-list"):
        import subprocess

        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
        assert fonts.strip(), "no CJK font installed (fonts-noto-cjk)"
    page.goto(f"{app_url}/{QUERY}")
    wait_ready(page, text=" · overview · 450000 · ")
    result = page.evaluate(
        """() => {
            const h1 = document.querySelector('h1');
            const font = getComputedStyle(h1).fontFamily;
            const draw = (ch) => {
                const c = document.createElement('canvas'); c.width = 64; c.height = 64;
                const g = c.getContext('2d'); g.font = `48px ${font}`; g.fillStyle = '#000';
                g.fillText(ch, 4, 52);
                return Array.from(g.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
            };
            const a = draw('总'), b = draw('览'), tofu = draw('\\uE000');
            const ink = a.split(',').filter(v => v !== '0').length;
            return {font, distinct: a !== b && a !== tofu && b !== tofu, ink,
                    width: h1.getBoundingClientRect().width};
        }"""
    )
    assert result["distinct"], result
    assert result["ink"] > 100 and result["width"] > 100, result


def test_selecting_a_row_drills_down(
    app_url: str, page: Any, serving_db: duckdb.DuckDBPyConnection, artifacts_dir: Path
) -> None:
    top = (
        serving_db.cursor()
        .execute(
            """SELECT r.region_code, r.name_zh FROM marts.fct_indicator_values AS v
           JOIN marts.dim_regions AS r ON v.region_code = r.region_code
           WHERE r.parent_code = '450000' AND v.indicator_code = 'ps_deaths'
             AND v.period_type = 'ytd' AND v.period = '2021Q4'
           ORDER BY v.value DESC NULLS LAST LIMIT 1"""
        )
        .fetchone()
    )
    assert top is not None
    code, name = top
    page.goto(f"{app_url}/regions{QUERY}")
    wait_ready(page, text=" · regions · 450000 · 2021Q4")
    screenshot(page, artifacts_dir / "regions_guangxi.png")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(state="visible")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the grid is a canvas: the first row's checkbox
    wait_ready(page, text=f" · regions · {code} · ")
    assert page.locator("h1").first.inner_text().startswith(f"分地区:{name}")
    assert page.get_by_role("combobox", name="市级(或直辖市的区县)").input_value() == f"{name}({code})"
