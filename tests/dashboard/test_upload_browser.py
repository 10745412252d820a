"""上传与审核 in headless Chromium (dashboards/views/upload.py, docs/check.md): a file with errors is
refused with its problems listed by row and nothing enters the drop; a clean file is placed in the
drop under its name, the refresh it triggers (one, incremental, in a child process) publishes it,
and the 数据质量 page then lists it. The app runs on a copy of the fast tier's national-only
warehouse and drop (tests/conftest.py `national_warehouse`), so the one refresh is small.
Plus the role gate of the page (AppTest): only statisticians may open it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboards import access, users
from dashboards.bench_pages import serve

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian chromium is not installed (make system-deps)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
GOOD = FIX / "check" / "good" / "accidents" / "331102_莲都_2026Q2.csv"
BAD = FIX / "check" / "bad" / "accidents" / "331102_莲都_2026Q2.csv"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def upload_app(
    national_warehouse: Path, tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path
) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("upload_browser")
    raw = root / "raw"
    shutil.copytree(FIX / "national_only", raw)
    wh = root / "wh"
    wh.mkdir()
    for name in ("warehouse.duckdb", "serving.duckdb"):
        shutil.copy2(national_warehouse.with_name(name), wh / name)
    env = {
        "SAFETY_RAW": str(raw),
        "SAFETY_WAREHOUSE": str(wh / "warehouse.duckdb"),
        "SAFETY_SERVING": str(wh / "serving.duckdb"),
        "DAGSTER_HOME": str(wh / "dagster_home"),
        "SAFETY_UPLOAD_REFRESH_TIMEOUT_S": "600",
    }
    with serve(wh / "serving.duckdb", log=artifacts_dir / "streamlit_upload.log", env=env) as url:
        yield url, raw


def open_upload(page: Any, url: str) -> None:
    page.goto(f"{url}/upload")
    page.get_by_text("上传文件 · 报送前审核").first.wait_for(timeout=60_000)


def test_a_bad_file_is_refused_with_its_problems(upload_app: tuple[str, Path], page: Any) -> None:
    url, raw = upload_app
    open_upload(page, url)
    page.locator("input[type='file']").set_input_files(str(BAD))
    page.get_by_text("已拒收:文件有 5 处错误").wait_for(timeout=60_000)
    for rule in ("grade_inconsistent", "serious_exceeds_injuries", "date_after_report_period"):
        page.locator("[role='gridcell']", has_text=rule).first.wait_for(state="attached", timeout=10_000)
    assert page.get_by_role("button", name="报送并刷新").count() == 0
    assert not (raw / "accidents").exists()


def test_a_good_file_is_placed_refreshed_and_shown(
    upload_app: tuple[str, Path], page: Any, artifacts_dir: Path
) -> None:
    url, raw = upload_app
    open_upload(page, url)
    page.locator("input[type='file']").set_input_files(str(GOOD))
    page.get_by_text("审核通过,可以报送").wait_for(timeout=60_000)
    page.get_by_role("button", name="报送并刷新").click()
    done = page.get_by_text("刷新完成并已发布")
    # any outcome ends the wait: a failure shows its log tail in the assertion, not a timeout
    done.or_(page.get_by_text("刷新失败")).or_(page.get_by_text("超过时间限制")).or_(
        page.get_by_text("另一刷新正在运行")
    ).first.wait_for(timeout=660_000)
    page.screenshot(path=str(artifacts_dir / "upload_done.png"), full_page=True)
    assert done.count(), page.inner_text("body")
    placed = raw / "accidents" / GOOD.name
    assert placed.read_bytes() == GOOD.read_bytes()
    # read back from the newly published copy: 3 快报 + 1 核销, all accepted
    page.get_by_text("接收 4 行,拒收 0 行").wait_for(timeout=30_000)
    page.goto(f"{url}/quality")
    page.locator("[role='gridcell']", has_text=GOOD.name).first.wait_for(state="attached", timeout=60_000)
    # the same file again: already in the drop, nothing refreshed, nothing overwritten
    open_upload(page, url)
    page.locator("input[type='file']").set_input_files(str(GOOD))
    page.get_by_role("button", name="报送并刷新").click()
    page.get_by_text("数据目录中已有内容完全相同的同名文件").wait_for(timeout=60_000)
    assert sorted(p.name for p in (raw / "accidents").iterdir()) == [GOOD.name]


def test_only_statisticians_may_open_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "users.toml"
    for name, role in (("lead", "leadership"), ("ana", "analyst"), ("stat", "statistician")):
        users.add_user(name, role, PASSWORD, path)
    monkeypatch.setenv("SAFETY_USERS", str(path))
    for name in ("lead", "ana", "stat"):
        at = AppTest.from_file(str(ROOT / "dashboards" / "views" / "upload.py"), default_timeout=60)
        at.session_state[access.AUTH_KEY] = name
        at.run()
        refused = [e.value for e in at.error if "无权访问" in str(e.value)]
        if name == "stat":
            assert not refused
        else:
            assert refused and "/upload" in str(refused[0]) and not at.title
