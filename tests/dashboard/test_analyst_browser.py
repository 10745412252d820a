"""In headless Chromium against `streamlit run`: the data dictionary built by `make docs`'s code
is served as HTML at /app/static/data_dictionary.html and linked from the SQL workbench, and a
query typed into the workbench shows its rows."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.bench_pages import launch_browser, serve, wait_ready
from pipelines.data_dictionary import URL, build

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed (make system-deps)", allow_module_level=True)


@pytest.fixture(scope="module")
def app_url(serving_copy: Path, artifacts_dir: Path) -> Iterator[str]:
    build(serving_copy)  # the `make docs` step, into dashboards/static/ (gitignored)
    with serve(serving_copy, log=artifacts_dir / "streamlit_analyst.log") as url:
        yield url


@pytest.fixture
def page(app_url: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = launch_browser(p)
        try:
            yield browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
        finally:
            browser.close()


def test_data_dictionary_is_served_as_html(app_url: str) -> None:
    with urllib.request.urlopen(f"{app_url}/{URL}", timeout=30) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/html")
        body = r.read().decode("utf-8")
    assert "Indicator values. Grain" in body and "fct_submission_rates" in body


def test_workbench_runs_a_query_and_links_the_dictionary(
    app_url: str, page: Any, serving_db: duckdb.DuckDBPyConnection, artifacts_dir: Path
) -> None:
    sql = "SELECT region_code, name_zh FROM marts.dim_regions WHERE parent_code = '330300' ORDER BY 1"
    n = len(serving_db.execute(sql).fetchall())
    page.goto(f"{app_url}/sql")
    wait_ready(page)
    link = page.get_by_role("link", name="数据字典", exact=False).first
    assert link.get_attribute("href").endswith(URL)
    editor = page.locator("textarea").first
    editor.fill(sql)
    page.get_by_role("button", name="运行").click()
    page.get_by_text(f"{n} 行 · 用时").first.wait_for(state="visible", timeout=30_000)
    # the grid draws on a canvas; its cells are mirrored in an accessible table
    page.locator("[role='gridcell']", has_text="鹿城区").first.wait_for(state="attached")
    page.screenshot(path=str(artifacts_dir / "sql_workbench.png"), full_page=True)
    # the dictionary opens in the browser as the dbt docs app
    page.goto(f"{app_url}/{URL}")
    page.wait_for_load_state("load")
    assert "dbt" in page.title().lower()
