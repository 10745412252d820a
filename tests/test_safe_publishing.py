"""Safe publishing: a refresh killed during dbt leaves the serving copy readable and unchanged,
readers querying in a loop during a refresh see no errors, and a second writer is refused."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN, FIXTURES, ROOT, cli_env, run_cli

DROP = FIXTURES / "national_only"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Reader(threading.Thread):
    """Queries the serving copy in a loop, a fresh read-only connection each time, as the dashboard does."""

    def __init__(self, serving: Path) -> None:
        super().__init__(daemon=True)
        self.serving, self.stop, self.errors, self.queries = serving, threading.Event(), [], 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                con = duckdb.connect(str(self.serving), read_only=True)
                try:
                    n = con.execute("SELECT count(*) FROM marts.fct_indicator_values").fetchone()[0]
                    assert n > 0
                finally:
                    con.close()
                self.queries += 1
            except Exception as exc:  # collected, asserted empty by the test
                self.errors.append(repr(exc))
            time.sleep(0.05)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("safe") / "warehouse.duckdb"
    run_cli("refresh", "--raw", str(DROP), "--warehouse", str(wh))
    return wh


def test_killed_refresh_leaves_serving_copy_unchanged_and_next_refresh_completes(warehouse: Path) -> None:
    serving = warehouse.with_name("serving.duckdb")
    before = _sha(serving)
    reader = Reader(serving)
    reader.start()
    proc = subprocess.Popen(
        [str(BIN / "safety-stats"), "refresh", "--raw", str(DROP), "--warehouse", str(warehouse)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        start_new_session=True,  # its own process group: dbt, its child, dies with it
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "warehouse_dbt_assets - STEP_START" in line:
            break
    else:
        pytest.fail("refresh ended before dbt started:\n" + "".join(seen[-30:]))
    time.sleep(2)  # well inside dbt build
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert _sha(serving) == before, "a killed refresh must not touch the serving copy"

    run_cli("refresh", "--raw", str(DROP), "--warehouse", str(warehouse))  # the next refresh completes
    reader.stop.set()
    reader.join(timeout=10)
    assert reader.errors == []
    assert reader.queries > 20
    con = duckdb.connect(str(serving), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.fct_indicator_values").fetchone()[0] > 0
    finally:
        con.close()


def test_second_writer_is_refused_with_a_clear_message(warehouse: Path) -> None:
    with warehouse.with_suffix(".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a refresh in progress
        proc = run_cli("refresh", "--raw", str(DROP), "--warehouse", str(warehouse), check=False)
    assert proc.returncode == 3
    assert "Another refresh is writing" in proc.stderr and "另一个刷新任务正在写入" in proc.stderr
