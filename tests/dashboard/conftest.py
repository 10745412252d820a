"""Fixtures of the dashboard tests: a published serving copy of the embedded sample.

The serving copy is the one beside the session's `sample_warehouse` (tests/conftest.py), built
once and shared with the other test files, read-only; SAFETY_SERVING points at it.
SAFETY_DASHBOARD_SERVING=/path/serving.duckdb uses that copy instead, without a build (for a quick
edit-test loop against an existing copy).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"


@pytest.fixture(scope="session")
def serving_copy(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Path of a published serving copy of the sample; SAFETY_SERVING is set to it."""
    given = os.environ.get("SAFETY_DASHBOARD_SERVING")
    if given:
        path = Path(given).resolve()
        assert path.exists(), f"SAFETY_DASHBOARD_SERVING={given} does not exist"
    else:
        path = Path(request.getfixturevalue("sample_warehouse")).with_name("serving.duckdb")
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
