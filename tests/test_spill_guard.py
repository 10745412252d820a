"""The spill guard: DuckDB's spill files capped (SAFETY_DUCKDB_MAX_SPILL, in dbt's profile and the
writer's connections), the cap's failure told to the statistician in both languages, and the
spill files a killed refresh left removed when the next one takes the writer lock."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from pipelines.lib.duck import is_spill_cap_error, set_spill_cap, spill_dir
from pipelines.lib.writer import remove_stale_spill, writer_lock
from pipelines.refresh import run_error_texts, spill_cap_message
from pipelines.settings import DBT_PROJECT_DIR, DEFAULT_DUCKDB_MAX_SPILL, duckdb_max_spill

# Spills about 150 MB under a 64 MB memory limit (random-looking keys: DuckDB compresses its
# spill files, so the data must not compress to nothing). One thread: the same spill every time.
SPILLING_QUERY = (
    "SELECT count(*) FROM (SELECT md5(i::VARCHAR) AS k, count(*) FROM range(2000000) r(i) GROUP BY k)"
)
SMALL_MEMORY = {"memory_limit": "64MB", "threads": "1"}


def test_profiles_default_is_the_settings_default(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    setting = profile["safety_stats"]["outputs"]["dev"]["settings"]["max_temp_directory_size"]
    match = re.fullmatch(r"\{\{ env_var\('SAFETY_DUCKDB_MAX_SPILL', '([^']+)'\) \}\}", setting)
    assert match, setting
    assert match.group(1) == DEFAULT_DUCKDB_MAX_SPILL
    monkeypatch.delenv("SAFETY_DUCKDB_MAX_SPILL", raising=False)
    assert duckdb_max_spill() == DEFAULT_DUCKDB_MAX_SPILL
    monkeypatch.setenv("SAFETY_DUCKDB_MAX_SPILL", "3GiB")
    assert duckdb_max_spill() == "3GiB"
    con = duckdb.connect()
    set_spill_cap(con, DEFAULT_DUCKDB_MAX_SPILL)  # a value DuckDB takes
    assert con.execute("SELECT current_setting('max_temp_directory_size')").fetchone() == ("20.0 GiB",)


def _assert_bilingual_spill_message(message: str | None, cap: str, *paths: Path) -> None:
    assert message is not None
    zh = message.index("临时磁盘空间超出上限 SAFETY_DUCKDB_MAX_SPILL")
    en = message.index("Spill exceeded the temporary-disk cap SAFETY_DUCKDB_MAX_SPILL")
    assert zh == 0 < en  # Chinese first, then English
    assert message.count(cap) == 2
    for path in paths:  # no file-system path
        assert str(path) not in message
    assert ".duckdb" not in message and "Traceback" not in message


def test_a_spill_past_the_cap_fails_and_the_refresh_says_so_in_both_languages(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), config=SMALL_MEMORY)
    try:
        assert con.execute(SPILLING_QUERY).fetchone() == (2000000,)  # spills, but fits the default cap
        set_spill_cap(con, "1MiB")
        with pytest.raises(duckdb.OutOfMemoryException) as raised:
            con.execute(SPILLING_QUERY).fetchone()
    finally:
        con.close()
    error = str(raised.value)
    assert is_spill_cap_error(error)
    _assert_bilingual_spill_message(
        spill_cap_message([error], "1MiB"), "1MiB", tmp_path, spill_dir(warehouse)
    )
    # DuckDB's other out-of-memory error (the memory limit, not the spill cap) is not this case
    assert not is_spill_cap_error("Out of Memory Error: could not allocate block of size 256.0 KiB")
    assert spill_cap_message(["Out of Memory Error: could not allocate block of size 256.0 KiB"]) is None


@dg.op
def spill(duckdb: DuckDBResource) -> None:  # the ingest assets' parameter: given the code location's
    with duckdb.get_connection() as con:
        con.execute(SPILLING_QUERY).fetchone()


@dg.job
def spilling_job() -> None:
    spill()


def test_the_writer_connections_are_capped_and_a_failed_run_is_translated(tmp_path: Path) -> None:
    """The code location's DuckDB resource (ingest loader, GX gate) enforces the cap, and the
    refresh finds DuckDB's error in the failed Dagster run."""
    from pipelines.definitions import WarehouseDuckDBResource

    warehouse = tmp_path / "warehouse.duckdb"

    def run(cap: str) -> dg.ExecuteInProcessResult:
        resource = WarehouseDuckDBResource(
            database=str(warehouse), connection_config=SMALL_MEMORY, max_temp_directory_size=cap
        )
        return spilling_job.execute_in_process(resources={"duckdb": resource}, raise_on_error=False)

    assert run("1GiB").success  # the same query within a cap
    failed = run("1MiB")
    assert not failed.success
    _assert_bilingual_spill_message(spill_cap_message(run_error_texts(failed), "1MiB"), "1MiB", tmp_path)


def test_the_dbt_nodes_stopped_by_the_cap_are_named_without_their_paths() -> None:
    # dbt's errors as dagster-dbt carries them (DagsterDbtCliRuntimeError, "Errors parsed from dbt
    # logs"), in the form a sample refresh with SAFETY_DUCKDB_MAX_SPILL=1MiB printed
    cap = (
        "  Out of Memory Error: failed to offload data block of size 256.0 KiB (20.0 GiB/20.0 GiB used).\n"
        "  This limit was set by the 'max_temp_directory_size' setting.\n"
    )
    dbt_error = (
        "The dbt CLI process with command\n\n`dbt build`\n\nfailed with exit code `1`.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "  Runtime Error in model int_indicator_values__statistics "
        "(models/intermediate/int_indicator_values__statistics.sql)\n" + cap + "\n\n"
        "  Runtime Error in model fct_other (models/marts/fct_other.sql)\n"
        '  Binder Error: Referenced column "x" not found\n\n'
        "  Runtime Error in test unique_fct_breakdowns_id (models/marts/_breakdowns.yml)\n" + cap
    )
    message = spill_cap_message([dbt_error], "20GiB")
    _assert_bilingual_spill_message(message, "20GiB")
    assert message is not None
    assert "(运行 dbt 模型 int_indicator_values__statistics、测试 unique_fct_breakdowns_id 时)" in message
    assert "(dbt model int_indicator_values__statistics, test unique_fct_breakdowns_id)" in message
    assert "fct_other" not in message  # failed, but not at the cap
    assert "models/" not in message


CHILD = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], config={"memory_limit": "64MB", "threads": "1"})
con.execute("CREATE TABLE t AS SELECT md5(i::VARCHAR) AS k FROM range(20000000) r(i) ORDER BY k")
"""


def _killed_while_spilling(warehouse: Path) -> set[str]:
    """A real DuckDB process spilling into the warehouse's spill folder, killed with SIGKILL as a
    refresh is by the OOM killer: the names of the spill files it left."""
    folder = spill_dir(warehouse)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(warehouse)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if folder.is_dir() and any(
                p.name.startswith(f"duckdb_temp_{proc.pid}_") and p.stat().st_size > 2**20
                for p in folder.iterdir()
            ):
                break
            assert proc.poll() is None, "the child ended before it spilled"
            time.sleep(0.05)
        else:
            pytest.fail("the child did not spill within 60 s")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return {p.name for p in folder.iterdir()}


def test_the_writer_lock_removes_a_killed_runs_spill_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    monkeypatch.setenv("SAFETY_WAREHOUSE", str(warehouse))
    left = _killed_while_spilling(warehouse)
    folder = spill_dir(warehouse)
    assert folder == warehouse.with_name("warehouse.duckdb.tmp")  # DuckDB's own default
    stale_bytes = sum((folder / n).stat().st_size for n in left)
    assert stale_bytes > 2**20 and any("_storage_" in n for n in left), left

    # Around it: what must survive. Files beside the folder, a file of another name inside it, a
    # subfolder, a symlink named like a spill file pointing out of the folder, and the spill file
    # of a process that runs (this one).
    beside = tmp_path / "wh" / "duckdb_temp_1_0_storage_DEFAULT-0.tmp"
    beside.write_bytes(b"x" * 1000)
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"y" * 1000)
    (folder / "notes.txt").write_text("not DuckDB's", encoding="utf-8")
    (folder / "duckdb_temp_sub").mkdir()
    (folder / "duckdb_temp_sub" / "duckdb_temp_1_0_owner").write_bytes(b"")
    (folder / "duckdb_temp_2_0_storage_DEFAULT-0.tmp").symlink_to(outside)
    live = folder / f"duckdb_temp_{os.getpid()}_0_storage_DEFAULT-0.tmp"
    live.write_bytes(b"z" * 1000)

    with caplog.at_level(logging.INFO, logger="safety_stats.writer"), writer_lock():
        remaining = {p.name for p in folder.iterdir()}
    assert not left & remaining  # every file of the killed run is gone
    assert remaining == {
        "notes.txt",
        "duckdb_temp_sub",
        "duckdb_temp_2_0_storage_DEFAULT-0.tmp",
        live.name,
    }
    assert outside.read_bytes() == b"y" * 1000 and beside.read_bytes() == b"x" * 1000
    assert (folder / "duckdb_temp_sub" / "duckdb_temp_1_0_owner").exists()
    assert warehouse.exists()
    line = next(r.getMessage() for r in caplog.records if "removed" in r.getMessage())
    assert f"removed {len(left)} spill file(s)" in line and f"({stale_bytes} bytes)" in line
    assert "warehouse.duckdb.tmp/" in line and str(tmp_path) not in line
    assert any("1 spill file(s) of running processes kept" in r.getMessage() for r in caplog.records)

    # The killed run's database still opens and spills again into the cleared folder.
    con = duckdb.connect(str(warehouse), config=SMALL_MEMORY)
    try:
        assert con.execute(SPILLING_QUERY).fetchone() == (2000000,)
    finally:
        con.close()


def test_a_symlinked_spill_folder_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "duckdb_temp_1_0_storage_DEFAULT-0.tmp").write_bytes(b"x")
    folder = tmp_path / "warehouse.duckdb.tmp"
    folder.symlink_to(elsewhere, target_is_directory=True)
    assert remove_stale_spill(folder).removed == 0
    assert (elsewhere / "duckdb_temp_1_0_storage_DEFAULT-0.tmp").exists()
    assert remove_stale_spill(tmp_path / "absent.tmp").removed == 0


def test_the_publishers_connections_have_the_memory_limit_and_the_spill_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without them DuckDB takes 80% of the machine: the publish of a 1M-record national
    warehouse peaked at 5.5 GiB (docs/scale.md). Under a 64 MB limit and a 1 MiB cap the
    spilling query fails at the cap, as the writer's connections do."""
    from pipelines.publish import _connect

    monkeypatch.setenv("SAFETY_DUCKDB_MEMORY", "64MB")
    monkeypatch.setenv("SAFETY_DUCKDB_MAX_SPILL", "1MiB")
    con = _connect(tmp_path / "serving.duckdb")
    try:
        limits = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('max_temp_directory_size')"
        ).fetchone()
        assert limits == ("61.0 MiB", "1.0 MiB")
        con.execute("SET threads = 1")
        with pytest.raises(duckdb.OutOfMemoryException) as raised:
            con.execute(SPILLING_QUERY).fetchone()
        assert is_spill_cap_error(str(raised.value))
    finally:
        con.close()
