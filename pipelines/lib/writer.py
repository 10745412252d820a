"""One writer at a time: the Dagster pool every warehouse-writing asset runs in, and the lock
file beside the warehouse that a refresh (and an as-of copy) holds while it writes or copies.

Taking the lock also clears the warehouse's stale spill files (`remove_stale_spill`): a refresh
killed while DuckDB spilled leaves them in `<warehouse>.tmp/`, and DuckDB removes them only when
a later run spills again (measured, DuckDB 2.0), so a run that does not spill left them for ever."""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.duck import spill_dir
from pipelines.settings import warehouse_path

# Every asset that writes the warehouse runs in this Dagster pool (limit 1, DAGSTER_HOME's dagster.yaml).
WRITER_POOL = "warehouse_writer"

log = logging.getLogger("safety_stats.writer")


class RefreshBusy(RuntimeError):
    pass


# DuckDB's spill files: duckdb_temp_<pid>_<n>_owner and duckdb_temp_<pid>_<n>_storage_<size>-<i>.tmp
# (DuckDB 2.0); older versions wrote duckdb_temp_storage-<i>.tmp and duckdb_temp_block-<id>.block.
SPILL_FILE = re.compile(r"duckdb_temp_(?:(\d+)_)?")


@dataclass(frozen=True)
class SpillCleanup:
    removed: int = 0  # files removed
    removed_bytes: int = 0
    kept: int = 0  # DuckDB spill files of a process still running, kept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


def remove_stale_spill(folder: Path) -> SpillCleanup:
    """Remove the DuckDB spill files left in `folder` by a killed run. Call only under the writer
    lock, when no other writer runs. Only regular files directly in `folder` named as DuckDB names
    its spill files are removed; a symlink (the folder itself or an entry in it) is never followed,
    subfolders and other files are left alone. A file whose name carries the id of a process that
    still runs (a reader of the warehouse spilling, or a dbt outliving its killed refresh) is kept."""
    if folder.is_symlink() or not folder.is_dir():
        return SpillCleanup()
    removed = removed_bytes = kept = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            match = SPILL_FILE.match(entry.name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            if match.group(1) and _alive(int(match.group(1))):
                kept += 1
                continue
            try:
                size = entry.stat(follow_symlinks=False).st_size
                os.unlink(entry.path)  # unlinks the entry itself: never a symlink's target
            except FileNotFoundError:
                continue
            removed += 1
            removed_bytes += size
    return SpillCleanup(removed, removed_bytes, kept)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _clear_stale_spill(warehouse: Path) -> None:
    """`remove_stale_spill` on the warehouse's spill folder, logged by the folder's name only."""
    folder = spill_dir(warehouse)
    if folder.is_symlink():
        log.info("%s is a symbolic link: its spill files are not cleared", folder.name)
        return
    try:
        done = remove_stale_spill(folder)
    except OSError as exc:  # a refresh does not fail on the cleanup
        log.warning("旧的临时溢写文件未能清理 / stale spill files not cleared: %s", exc.strerror)
        return
    if done.removed:
        log.warning(
            "已删除中断的刷新留下的临时溢写文件 %d 个,共 %s / removed %d spill file(s), %s (%d bytes), "
            "left in %s/ by a killed refresh",
            done.removed,
            _size(done.removed_bytes),
            done.removed,
            _size(done.removed_bytes),
            done.removed_bytes,
            folder.name,
        )
    if done.kept:
        log.info("%d spill file(s) of running processes kept in %s/", done.kept, folder.name)


@contextmanager
def writer_lock() -> Iterator[None]:
    """Hold the warehouse's lock file; RefreshBusy at once if another process holds it. Once
    held, the spill files a killed writer left are removed (`remove_stale_spill`)."""
    lock_path = warehouse_path().with_suffix(".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RefreshBusy(
                f"另一个刷新任务正在写入 {warehouse_path()},请等待其完成后再运行 / "
                f"Another refresh is writing {warehouse_path()}; wait for it to finish and run again"
            ) from exc
        try:
            _clear_stale_spill(warehouse_path())
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
