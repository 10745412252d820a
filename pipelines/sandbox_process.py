"""The sandbox's process boundary (docs/sql_sandbox.md): every analyst query, from the CLI and
the dashboard alike, runs in a fresh child process.

Parent (`run_query_isolated`): opens the serving file O_RDONLY and hands the child only that
descriptor; caps concurrent queries; kills the child's process group at the time limit plus
GRACE_S; reads at most `max_bytes` of JSON lines (never pickle) and rebuilds the rows; reports
the child's peak memory (os.wait4) in RunStats.

Child (`_main`): before DuckDB sees any SQL it sets RLIMIT_FSIZE=0, RLIMIT_AS, RLIMIT_CPU,
RLIMIT_CORE=0, no new privileges, and when root drops to nobody; then it checks the statement
(pipelines.sandbox.check_sql), attaches /proc/self/fd/N READ_ONLY, locks the configuration and
streams at most max_rows rows.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pipelines import sandbox as sb
from pipelines.sandbox import QueryRefused, QueryResult, RunStats

log = logging.getLogger(__name__)

NOBODY = 65534
_SLOTS = threading.BoundedSemaphore(sb.MAX_CONCURRENT)


# ----------------------------------------------------------------------------------- parent


def run_query_isolated(
    path: Path | str,
    sql: str,
    max_rows: int = sb.DEFAULT_MAX_ROWS,
    timeout_s: float = sb.DEFAULT_TIMEOUT_S,
    max_bytes: int = sb.DEFAULT_MAX_BYTES,
) -> QueryResult:
    result, _ = run_query_measured(path, sql, max_rows=max_rows, timeout_s=timeout_s, max_bytes=max_bytes)
    if isinstance(result, QueryRefused):
        raise result
    return result


def run_query_measured(
    path: Path | str,
    sql: str,
    max_rows: int = sb.DEFAULT_MAX_ROWS,
    timeout_s: float = sb.DEFAULT_TIMEOUT_S,
    max_bytes: int = sb.DEFAULT_MAX_BYTES,
) -> tuple[QueryResult | QueryRefused, RunStats]:
    """The query's result or refusal, and what the parent measured of the child."""
    stats = RunStats()
    try:
        _validate_limits(max_rows, timeout_s, max_bytes)
        if not isinstance(sql, str) or not sql.strip():
            return QueryRefused(sb.MSG_EMPTY), stats
        if len(sql) > sb.MAX_SQL_CHARS:
            return QueryRefused(sb.MSG_TOO_LONG), stats
        if not _SLOTS.acquire(timeout=sb.BUSY_WAIT_S):
            return QueryRefused(sb.MSG_BUSY), stats
        try:
            return _spawn(Path(path), sql, max_rows, timeout_s, max_bytes, stats), stats
        finally:
            _SLOTS.release()
    except QueryRefused as exc:
        return exc, stats
    except Exception:  # never a traceback or path to the user
        log.exception("sql sandbox parent failed")
        return QueryRefused(sb.MSG_INTERNAL), stats


def _validate_limits(max_rows: int, timeout_s: float, max_bytes: int) -> None:
    if not (isinstance(max_rows, int) and 1 <= max_rows <= sb.MAX_ROWS_LIMIT):
        raise QueryRefused(
            f"行数上限须在 1 至 {sb.MAX_ROWS_LIMIT:,} 之间 / max rows must be between 1 and {sb.MAX_ROWS_LIMIT:,}"
        )
    if not (0 < float(timeout_s) <= sb.MAX_TIMEOUT_S):
        raise QueryRefused(
            f"时间上限须大于 0 且不超过 {sb.MAX_TIMEOUT_S:g} 秒 / "
            f"the time limit must be above 0 and at most {sb.MAX_TIMEOUT_S:g} s"
        )
    if not (isinstance(max_bytes, int) and 1024 <= max_bytes <= sb.MAX_BYTES_LIMIT):
        raise QueryRefused(
            f"结果字节上限须在 1 KiB 至 {sb.MAX_BYTES_LIMIT // 1024**2} MiB 之间 / "
            f"the byte limit must be between 1 KiB and {sb.MAX_BYTES_LIMIT // 1024**2} MiB"
        )


def _child_env() -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": "/nonexistent",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "MALLOC_ARENA_MAX": "2",  # fewer malloc arenas: less address space under RLIMIT_AS
    }
    return env


def _spawn(path: Path, sql: str, max_rows: int, timeout_s: float, max_bytes: int, stats: RunStats) -> Any:
    started = time.monotonic()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return QueryRefused(sb.MSG_NO_SERVING)
    try:
        request = json.dumps(
            {"sql": sql, "max_rows": max_rows, "timeout_s": float(timeout_s), "t0": started, "fd": fd},
            ensure_ascii=False,
        ).encode("utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "pipelines.sandbox_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(fd,),
            start_new_session=True,  # its own process group: killed as a whole
            cwd="/",
            env=_child_env(),
        )
    finally:
        os.close(fd)
    deadline = started + float(timeout_s) + sb.GRACE_S
    data = bytearray()
    over = False
    try:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(request)
            proc.stdin.close()
        except OSError:
            pass
        out = proc.stdout.fileno()
        poller = select.poll()  # not select(): a busy server may hold descriptors above 1024
        poller.register(out, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                stats.killed = True
                break
            if not poller.poll(int(min(left, 0.5) * 1000) + 1):
                continue
            chunk = os.read(out, 1 << 16)
            if not chunk:
                break
            room = max_bytes - len(data)
            if len(chunk) > room:
                data += chunk[:room]
                over = True
                break
            data += chunk
    finally:
        if stats.killed or over:
            _kill(proc)
            stats.killed = True
        elif not _ended(proc, stats, 2.0):  # output complete but the child lingers: no matter
            _kill(proc)
        _reap(proc, stats)
        with contextlib.suppress(OSError):
            proc.stdout.close() if proc.stdout else None
        stats.seconds = time.monotonic() - started
        stats.bytes_read = len(data)
    if stats.killed and not over:
        return QueryRefused(sb.msg_timeout(timeout_s))
    return _decode(bytes(data), over, max_rows, max_bytes, stats)


def _ended(proc: subprocess.Popen[bytes], stats: RunStats, wait_s: float) -> bool:
    """Whether the child has exited within `wait_s`; reaps it with os.wait4 for its rusage."""
    end = time.monotonic() + wait_s
    while True:
        if _reap(proc, stats, block=False):
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(proc.pid, signal.SIGKILL)


def _reap(proc: subprocess.Popen[bytes], stats: RunStats, block: bool = True) -> bool:
    if proc.returncode is None:
        try:
            pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            proc.wait()
        else:
            if pid == 0:
                return False
            proc.returncode = os.waitstatus_to_exitcode(status)
            stats.max_rss_kib = int(usage.ru_maxrss)
    stats.exit_status = proc.returncode
    return True


def _decode(data: bytes, over: bool, max_rows: int, max_bytes: int, stats: RunStats) -> Any:
    lines = data.split(b"\n")
    if over or not data.endswith(b"\n"):
        lines = lines[:-1]  # an incomplete last line is dropped
    columns: list[str] | None = None
    rows: list[tuple[Any, ...]] = []
    ended: dict[str, Any] | None = None
    for raw in lines:
        if not raw:
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):
            return QueryRefused(sb.MSG_INTERNAL)
        if isinstance(item, list):
            if columns is None or len(rows) >= max_rows:
                continue
            rows.append(tuple(sb.decode_value(v) for v in item[: len(columns)]))
        elif isinstance(item, dict):
            if "error" in item:
                return QueryRefused(sb.sanitise(str(item["error"])))
            if "columns" in item:
                columns = [str(c) for c in item["columns"]]
            elif "reset" in item:
                rows = []
            elif "end" in item:
                ended = item
    if columns is None:
        if stats.exit_status is not None and stats.exit_status < 0:
            return QueryRefused(sb.MSG_CRASHED)  # killed by a signal: RLIMIT_CPU, RLIMIT_AS, SIGSEGV
        return QueryRefused(sb.MSG_CRASHED if not data else sb.MSG_INTERNAL)
    if over:
        return QueryResult(columns, rows, True, sb.msg_bytes_truncated(max_bytes), "bytes")
    if ended is None:
        return QueryRefused(sb.MSG_CRASHED)
    truncated = bool(ended.get("truncated"))
    if truncated:
        return QueryResult(columns, rows, True, sb.msg_rows_truncated(max_rows), "rows")
    return QueryResult(columns, rows, False)


# ------------------------------------------------------------------------------------ child


def _emit(obj: Any) -> None:
    sys.stdout.buffer.write(
        json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    )


def _harden(timeout_s: float) -> None:
    """Limits first, then privileges: after this the process cannot write or grow a file,
    allocate past ADDRESS_SPACE_BYTES, run past its CPU budget or dump core."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (sb.ADDRESS_SPACE_BYTES, sb.ADDRESS_SPACE_BYTES))
    cpu = int(timeout_s * sb.THREADS + sb.GRACE_S) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    os.chdir("/")
    os.umask(0o777)
    if os.getuid() == 0 or os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        if os.getuid() == 0 or os.geteuid() == 0:  # pragma: no cover - setuid silently failed
            raise RuntimeError("could not drop privileges")
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS


def _open(fd: int) -> Any:
    import duckdb

    con = duckdb.connect(":memory:", config=dict(sb.SANDBOX_CONFIG))  # type: ignore[arg-type]
    con.execute(f"ATTACH '/proc/self/fd/{int(fd)}' AS serving (READ_ONLY)")
    con.execute("USE serving")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stream(con: Any, sql: str, max_rows: int, as_text: bool) -> None:
    rel = con.sql(sql)
    columns = list(rel.columns)
    types = [str(t) for t in rel.types]
    if as_text:
        rel = rel.project(", ".join(f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" for c in columns))
    elif any("INTERVAL" in t for t in types):  # timedelta cannot hold months or years
        rel = rel.project(
            ", ".join(
                f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}" if "INTERVAL" in t else _quote(c)
                for c, t in zip(columns, types, strict=True)
            )
        )
    _emit({"columns": columns})
    for n, row in enumerate(rel.limit(max_rows + 1).iter_rows(batch_size=256)):
        if n == max_rows:
            _emit({"end": True, "truncated": True})
            return
        _emit([sb.encode_value(v) for v in row])
    _emit({"end": True, "truncated": False})


def _run(req: dict[str, Any]) -> None:
    import duckdb

    timeout_s = float(req["timeout_s"])
    parser = duckdb.connect(":memory:", config={"enable_external_access": False, "lock_configuration": True})
    sb.check_sql(str(req["sql"]), parser)
    parser.close()
    con = _open(int(req["fd"]))
    left = max(0.05, float(req["t0"]) + timeout_s - time.monotonic())
    timer = threading.Timer(left, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        try:
            _stream(con, str(req["sql"]), int(req["max_rows"]), as_text=False)
        except duckdb.InterruptException:
            raise
        except duckdb.OutOfMemoryException:
            raise
        except (OverflowError, ValueError, TypeError, ArithmeticError, duckdb.ConversionException):
            # a value Python cannot hold (dates past 9999, huge intervals): send text instead
            _emit({"reset": True})
            _stream(con, str(req["sql"]), int(req["max_rows"]), as_text=True)
    except duckdb.InterruptException:
        _emit({"error": sb.msg_timeout(timeout_s)})
    finally:
        timer.cancel()


def _main() -> int:
    try:
        req = json.loads(sys.stdin.buffer.read(6 * sb.MAX_SQL_CHARS + 4096).decode("utf-8"))
        # everything the child will need is imported before the limits and the privilege drop
        import duckdb

        _harden(float(req["timeout_s"]))
    except Exception:
        _emit({"error": sb.MSG_INTERNAL})
        return 0
    try:
        _run(req)
    except QueryRefused as exc:
        _emit({"error": str(exc)})
    except duckdb.OutOfMemoryException as exc:
        _emit({"error": f"{sb.MSG_MEMORY}: {sb.sanitise(str(exc), 400)}"})
    except duckdb.Error as exc:
        _emit({"error": f"{sb.MSG_REFUSED}: {sb.sanitise(str(exc))}"})
    except MemoryError:
        _emit({"error": sb.MSG_MEMORY})
    except Exception:
        _emit({"error": sb.MSG_INTERNAL})
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = _main()
    sys.stdout.flush()
    os._exit(code)  # skip the interpreter's and DuckDB's teardown: nothing is left to write
