"""Shared fixtures: real DuckDB files, real `safety-stats refresh` runs in subprocesses; and the
two test tiers of `make test`.

Tiers: `make test` runs the fast tier first (`-m "not slow"`, stopping at the first failure):
pure functions, the dbt macros, one small end-to-end refresh (`national_warehouse`, read by
tests/test_refresh_national_totals.py) and, on that warehouse, every dbt unit test
(tests/test_dbt_unit_tests.py: a refresh excludes them). Then the slow tier (`-m slow`, two
workers). A test is slow when it needs a built sample warehouse, a browser or AppTest
(SLOW_FIXTURES, the `browser` marker), or is listed in SLOW_TESTS because it refreshes a warehouse
of its own or runs the CLI or Dagster in a subprocess. `pytest_collection_modifyitems` marks them
`slow`, so the two tiers share no test. A new test that refreshes: add it to SLOW_TESTS.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURES = ROOT / "tests" / "fixtures"


def cli_env(warehouse: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETY_", "DAGSTER_HOME"))}
    env.update(
        DAGSTER_DISABLE_TELEMETRY="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
    )
    if warehouse is not None:
        env["SAFETY_WAREHOUSE"] = str(warehouse)
    return env


def run_cli(
    *args: str,
    warehouse: Path | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / "safety-stats"), *args],
        capture_output=True,
        text=True,
        env={**cli_env(warehouse), **(env or {})},
        cwd=ROOT,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"safety-stats {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}"
        )
    return proc


def run_dbt(
    *args: str, warehouse: Path, tmp_path: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """This environment's dbt in dbt_project on `warehouse`, its target and log folders under
    `tmp_path` (dbt_project/target stays the refresh's). Not checked: assert on the returncode."""
    return subprocess.run(
        [
            str(BIN / "dbt"),
            *args,
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        env=cli_env(warehouse),
        cwd=ROOT / "dbt_project",
        timeout=timeout,
    )


def assert_years_in_runs_sorted_by_region(path: Path, table: str, order: list[str]) -> None:
    """In the file's row order (rowid), each year of `table` is one run of rows, ordered by
    `order` within it: the layout the dashboard's row-group skipping relies on."""
    prev = ", ".join(f"lag({c}) OVER (ORDER BY r) AS p_{c}" for c in ["year", *order])
    # (p_a, p_b, …) > (a, b, …) as nested comparisons: a row out of order within its year
    out_of_order = "false"
    for c in reversed(order):
        out_of_order = f"(p_{c} > {c} OR (p_{c} = {c} AND {out_of_order}))"
    con = duckdb.connect(str(path), read_only=True)
    try:
        runs, years, unordered, rows = con.execute(
            f"""
            WITH t AS (SELECT rowid AS r, year, {", ".join(order)} FROM marts.{table}),
            w AS (SELECT *, {prev} FROM t)
            SELECT count(*) FILTER (WHERE r = (SELECT min(r) FROM t) OR p_year IS DISTINCT FROM year),
                   count(DISTINCT coalesce(year, -1)),
                   count(*) FILTER (WHERE p_year IS NOT DISTINCT FROM year AND {out_of_order}),
                   count(*)
            FROM w
            """
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert rows > 2 * years >= 6, (table, rows, years)
    assert (runs, unordered) == (years, 0), (table, path.name)


@contextmanager
def attached(**databases: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with each file attached read-only under its keyword name, to compare
    two warehouses or serving copies table by table."""
    con = duckdb.connect()
    try:
        for name, path in databases.items():
            con.execute(f"ATTACH '{path}' AS {name} (READ_ONLY)")
        yield con
    finally:
        con.close()


def indicators(warehouse: Path, *args: str) -> list[dict]:
    out = run_cli("indicators", "--warehouse", str(warehouse), "--format", "json", *args).stdout
    return json.loads(out)


def refreshed_once(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> Path:
    """`refresh --warehouse <name>/new/warehouse.duckdb *args` (a folder that does not exist yet),
    run once per test run, its output kept in <name>/refresh.log. Under pytest-xdist the workers
    of one run share one build (the first builds, the others wait)."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = tmp_path_factory.getbasetemp().parent / name  # this run's, common to its workers
    else:
        root = tmp_path_factory.mktemp(name)
    wh = root / "new" / "warehouse.duckdb"
    root.mkdir(exist_ok=True)
    with (root.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "built").exists():
            proc = run_cli("refresh", "--warehouse", str(wh), *args)
            (root / "refresh.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
            (root / "built").touch()
    return wh


def refresh_log(warehouse: Path) -> str:
    """The output of the `refreshed_once` refresh that built `warehouse`."""
    return (warehouse.parents[1] / "refresh.log").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample refreshed once into a temporary warehouse (serving copy beside it).

    Read-only for every test: a test that refreshes or writes copies the files first."""
    return refreshed_once(tmp_path_factory, "sample")


@pytest.fixture(scope="session")
def national_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fast tier's one end-to-end refresh: a raw drop with only report tables and
    denominators (tests/fixtures/national_only) loaded into a NEW warehouse through the CLI.

    Read-only for every test, like `sample_warehouse`: copy the file to write to it."""
    return refreshed_once(tmp_path_factory, "national", "--raw", str(FIXTURES / "national_only"))


class DownloadStore:
    """The AppTest runtime's media stores, recorded (fixture `download_store`) so a test can fetch
    what a download button delivers, its deferred builder run as a click would run it."""

    def __init__(self) -> None:
        self.managers: list[Any] = []

    def fetch(self, at: Any, key: str) -> tuple[str, bytes, str, str]:
        """(label, content, file name, mime type) of the download button `key` of AppTest `at`."""
        button = at.download_button(key=key)
        assert button.proto.deferred_file_id, key  # built on click, not on every page run
        url = self.managers[-1].execute_deferred(button.proto.deferred_file_id)
        stored = self.managers[-1].read_file(url.rsplit("/", 1)[-1])
        assert stored is not None, key
        return str(button.label), stored.content, str(stored.filename), str(stored.mimetype)


@pytest.fixture
def download_store(monkeypatch: pytest.MonkeyPatch) -> DownloadStore:
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.media_file_manager import MediaFileManager

    store = DownloadStore()

    class Recording(MediaFileManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            store.managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return store


# ----------------------------------------------------------------------------- test tiers

SLOW_FIXTURES = frozenset(
    {
        "sample_warehouse",  # a full refresh of the embedded sample (and all that reads it)
        "serving_copy",  # the dashboard tests' serving copy: the sample's
        "serving_db",
        "download_store",  # AppTest
        "browser",  # headless Chromium
        "page",
    }
)
SLOW_TESTS = (  # node-id prefixes
    "tests/test_analyst_schema.py",  # the sample's serving copy (request.getfixturevalue)
    "tests/test_automation.py::test_sensor_ingest_run_hands_over_to_the_transform_job",  # a Dagster run
    "tests/test_change_plan.py::test_sensor_reloads_the_old_quarter_of_a_moved_row",  # refreshes
    "tests/test_fault_tolerance.py",  # refreshes killed at each fault point
    "tests/test_incremental.py",  # refreshes of a changed copy of the sample
    "tests/test_revisions_and_vintages.py",  # refreshes
    "tests/test_safe_downloads.py::test_cli_sql_csv_is_neutralised",  # the CLI
    "tests/test_safe_publishing.py",  # refreshes, one killed
    "tests/test_sql_sandbox.py::test_cli_",  # the CLI
    "tests/test_submissions.py",  # refreshes of the sample without one file, then with it
    "tests/test_public_layer.py::test_public_drop_loads",  # refreshes raw/public alone
    "tests/test_public_layer.py::test_cited_figures",  # same warehouse, and the CLI
    "tests/test_monthly_periods.py",  # refreshes a monthly report drop, and the CLI
    "tests/dashboard/test_upload_browser.py",  # an upload triggers a refresh (and a browser)
)


FAST_REFRESH = "tests/test_refresh_national_totals.py"  # the fast tier's end-to-end refresh
AFTER_FAST_REFRESH = "tests/test_dbt_unit_tests.py"  # reads the warehouse of that refresh


def _tier_order(item: pytest.Item) -> int:
    if item.nodeid.startswith(FAST_REFRESH):
        return 0
    return 2 if item.nodeid.startswith(AFTER_FAST_REFRESH) else 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tier `slow` (module docstring); the rest is the fast tier. The fast tier's
    refresh, its longest test file, goes first: with `--no-loadscope-reorder` (Makefile)
    one worker starts it at once while the other takes the rest. The dbt unit tests, which
    read the warehouse of that refresh, go last, so no worker waits long for it."""
    items.sort(key=_tier_order)  # stable: the rest keep their order
    for item in items:
        if (
            SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("browser")
            or item.nodeid.startswith(SLOW_TESTS)
        ):
            item.add_marker(pytest.mark.slow)
