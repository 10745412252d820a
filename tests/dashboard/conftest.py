"""Fixtures of the dashboard tests: a published serving copy of the embedded sample.

The serving copy is built once per session with `safety-stats refresh --warehouse <tmp>` (default
raw = raw/sample), and SAFETY_SERVING points at it. When the whole suite runs, the top-level
`sample_warehouse` fixture (tests/conftest.py) already refreshes the sample: it is reused so the
sample is built only once. SAFETY_DASHBOARD_SERVING=/path/serving.duckdb skips the build (for a
quick edit-test loop against an existing copy).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETY_", "DAGSTER_HOME"))}
    env.update(
        DAGSTER_DISABLE_TELEMETRY="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    return env


def _build(tmp: Path) -> Path:
    wh = tmp / "warehouse.duckdb"
    proc = subprocess.run(
        [str(BIN / "safety-stats"), "refresh", "--warehouse", str(wh)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=ROOT,
        timeout=900,
    )
    if proc.returncode != 0:
        raise AssertionError(f"safety-stats refresh failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return wh.with_name("serving.duckdb")


@pytest.fixture(scope="session")
def serving_copy(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Path of a published serving copy of the sample; SAFETY_SERVING is set to it."""
    given = os.environ.get("SAFETY_DASHBOARD_SERVING")
    if given:
        path = Path(given).resolve()
        assert path.exists(), f"SAFETY_DASHBOARD_SERVING={given} does not exist"
    else:
        try:
            wh = request.getfixturevalue("sample_warehouse")
            path = Path(wh).with_name("serving.duckdb")
        except pytest.FixtureLookupError:
            path = _build(tmp_path_factory.mktemp("dashboard"))
    assert path.exists(), f"no serving copy at {path}"
    mp = pytest.MonkeyPatch()
    mp.setenv("SAFETY_SERVING", str(path))
    try:
        yield path
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def serving_db(serving_copy: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the serving copy, to read the expected values."""
    con = duckdb.connect(str(serving_copy), read_only=True)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session", autouse=True)
def no_dashboard_sign_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The dashboard tests run the app open on loopback (no sign-in configured): point the user
    file and the role mapping (docs/access.md) at paths that do not exist, so that users added
    on this machine (.streamlit/users.toml) do not turn sign-in on. Tests of sign-in set them."""
    empty = tmp_path_factory.mktemp("no_sign_in")
    mp = pytest.MonkeyPatch()
    mp.setenv("SAFETY_USERS", str(empty / "users.toml"))
    mp.setenv("SAFETY_ROLES", str(empty / "roles.toml"))
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one per browser-test module."""
    from playwright.sync_api import sync_playwright

    from dashboards.bench_pages import launch_browser

    with sync_playwright() as p:
        b = launch_browser(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (Chinese locale, 1440×1000) per test."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    try:
        yield pg
    finally:
        ctx.close()
