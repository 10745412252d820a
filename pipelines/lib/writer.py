"""One writer at a time: the Dagster pool every warehouse-writing asset runs in, and the lock
file beside the warehouse that a refresh (and an as-of copy) holds while it writes or copies."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.settings import warehouse_path

# Every asset that writes the warehouse runs in this Dagster pool (limit 1, DAGSTER_HOME's dagster.yaml).
WRITER_POOL = "warehouse_writer"


class RefreshBusy(RuntimeError):
    pass


@contextmanager
def writer_lock() -> Iterator[None]:
    """Hold the warehouse's lock file; RefreshBusy at once if another process holds it."""
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
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
