"""Faults survived, measured: refreshes killed with SIGKILL at named points of ingest, the GX gate,
dbt and publish (`pipelines.faults`, SAFETY_FAULT_KILL_AT), a publish that fails before its
rename, and damaged database files.

One small drop (tests/fixtures/revisions) and one warehouse go through the whole sequence; a
reader queries the serving copy in a loop throughout. After each kill the serving copy is
byte-identical to before (a kill after the rename: the complete new copy) and the reader keeps
answering; after all of them the next refresh completes, history and serving copy agree, and
its marts equal those of a rebuild from the raw drop (`refresh --rebuild` of a truncated
warehouse file, which is also the clean full refresh compared with).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN, FIXTURES, ROOT, cli_env
from tests.test_change_plan import ACCIDENTS, assert_marts_identical
from tests.test_safe_publishing import Reader

HISTORY = ("refreshes", "indicator_changes", "refresh_reports")
TIMINGS: dict[str, float] = {}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refresh(drop: Path, wh: Path, *args: str, **fault: str) -> subprocess.CompletedProcess[str]:
    """`safety-stats refresh` in its own process group (dbt, its child, dies with it)."""
    env = cli_env() | fault
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "safety-stats"), "refresh", "--raw", str(drop), "--warehouse", str(wh), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=900)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of the group survives a kill
    name = (
        fault.get("SAFETY_FAULT_KILL_AT") or fault.get("SAFETY_FAULT_FAIL_AT") or " ".join(args) or "refresh"
    )
    TIMINGS[f"{len(TIMINGS)}:{name}"] = round(time.monotonic() - t0, 1)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _history(wh: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        out = {t: con.execute(f"SELECT * FROM history.{t} ORDER BY ALL").fetchall() for t in HISTORY}
        out["last_published"] = con.execute("SELECT * FROM history.last_published ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def _published_runs(serving: Path) -> set[str]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return {r for (r,) in con.execute("SELECT run_id FROM quality.refreshes").fetchall()}
    finally:
        con.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("faults")
    drop = tmp / "raw"
    shutil.copytree(FIXTURES / "revisions", drop, ignore=shutil.ignore_patterns("gdp_revision"))
    wh = tmp / "wh" / "warehouse.duckdb"
    first = _refresh(drop, wh)
    assert first.returncode == 0, first.stderr[-4000:]
    return drop, wh


def test_failed_publish_leaves_history_reports_and_serving_unchanged(setup: tuple[Path, Path]) -> None:
    drop, wh = setup
    serving = wh.with_name("serving.duckdb")
    _edit(
        drop / ACCIDENTS,
        "T-A3,2021-11-20 09:00,331102,建筑业,坍塌,1",
        "T-A3,2021-11-20 09:00,331102,建筑业,坍塌,3",
    )
    before, history, runs = _sha(serving), _history(wh), _published_runs(serving)
    proc = _refresh(drop, wh, SAFETY_FAULT_FAIL_AT="publish_before_rename")
    assert proc.returncode == 1, proc.stderr[-4000:]
    assert "injected failure at publish_before_rename" in proc.stderr
    assert _sha(serving) == before
    assert _history(wh) == history  # no change, refresh or report recorded for it
    assert _published_runs(serving) == runs
    assert not list(serving.parent.glob(".serving.duckdb.*.tmp"))  # the half-published file is gone


POINTS = [
    # (point, needs a changed record file so that ingest runs)
    ("ingest_mid_write", True),
    ("gx_check", True),
    ("dbt_mid_build", False),
    ("publish_before_copy", False),
    ("publish_mid_copy", False),
    ("publish_before_rename", False),
    ("publish_after_rename", False),
]


def test_refresh_killed_anywhere_leaves_serving_intact_and_the_next_refresh_recovers(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    drop, wh = setup
    serving = wh.with_name("serving.duckdb")
    reader = Reader(serving)
    reader.start()
    # a corrected file that moves a row to another quarter: ingest has work at the first kills
    _edit(drop / ACCIDENTS, "T-A3,2021-11-20 09:00", "T-A3,2021-08-20 09:00")
    try:
        for point, _ingest in POINTS:
            before, runs = _sha(serving), _published_runs(serving)
            mark = tmp_path / f"{point}.mark"
            proc = _refresh(drop, wh, SAFETY_FAULT_KILL_AT=point, SAFETY_FAULT_MARK=str(mark))
            assert proc.returncode == -signal.SIGKILL, f"{point}: rc {proc.returncode}\n{proc.stderr[-3000:]}"
            assert mark.read_text(encoding="utf-8").split() == [point]  # killed there, not elsewhere
            if point == "publish_after_rename":
                assert _sha(serving) != before
                assert len(_published_runs(serving) - runs) == 1  # the complete new copy, history included
                assert _published_runs(serving) - {r for r, *_ in _history(wh)["refreshes"]}  # mirror behind
            else:
                assert _sha(serving) == before, f"{point}: the serving copy changed"
            con = duckdb.connect(str(serving), read_only=True)  # a reader right after the kill
            try:
                assert con.execute("SELECT count(*) FROM marts.fct_indicator_values").fetchone()[0] > 0  # type: ignore[index]
            finally:
                con.close()

        nxt = _refresh(drop, wh)
        assert nxt.returncode == 0, nxt.stderr[-4000:]
        assert not list(serving.parent.glob(".serving.duckdb.*"))  # killed publishes' files cleared
    finally:
        reader.stop.set()
        reader.join(timeout=10)
    assert reader.errors == [] and reader.queries > 20
    # the history mirror caught up with what was published, the killed-after-rename run included
    published = _published_runs(serving)
    assert {r for r, *_ in _history(wh)["refreshes"]} == published
    recovered = tmp_path / "recovered.duckdb"
    shutil.copyfile(serving, recovered)

    # a damaged serving copy: readers get a clear message, no traceback
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copyfile(serving, bad / "serving.duckdb")
    with (bad / "serving.duckdb").open("r+b") as fh:
        fh.write(b"garbage" * 100)
    proc = subprocess.run(
        [str(BIN / "safety-stats"), "indicators", "--warehouse", str(bad / "warehouse.duckdb")],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "已损坏" in proc.stderr and "damaged" in proc.stderr and "safety-stats refresh" in proc.stderr

    # a truncated warehouse file: a clear message and the way out, then the rebuild from raw/
    size = wh.stat().st_size
    with wh.open("r+b") as fh:
        fh.truncate(size // 2)
    proc = _refresh(drop, wh)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "已损坏" in proc.stderr and "damaged" in proc.stderr and "--rebuild" in proc.stderr
    assert _sha(serving) == _sha(recovered)
    proc = _refresh(drop, wh, "--rebuild")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert list(wh.parent.glob("warehouse.duckdb.broken-*"))
    # the clean full rebuild gives the marts the killed-and-recovered refreshes gave
    assert_marts_identical(recovered, serving)
    assert published < _published_runs(serving)  # the published history survived the rebuild
    print("refresh timings (s):", TIMINGS)
