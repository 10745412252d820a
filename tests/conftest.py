"""Shared fixtures: real DuckDB files, real `safety-stats refresh` runs in subprocesses."""

from __future__ import annotations

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
    *args: str, warehouse: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(BIN / "safety-stats"), *args],
        capture_output=True,
        text=True,
        env=cli_env(warehouse),
        cwd=ROOT,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"safety-stats {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}"
        )
    return proc


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


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded sample refreshed once into a temporary warehouse (serving copy beside it)."""
    wh = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    run_cli("refresh", "--warehouse", str(wh))
    return wh


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
