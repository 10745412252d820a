"""pipelines.sandbox.run_query in a child process, for callers that already hold a connection to
the same file (the dashboard): DuckDB refuses a second connection to one file in one process
with a different configuration, and the sandbox's configuration is deliberately different.
The child also bounds what a query can do to the caller: its memory is the child's, and a
query that ignores the interrupt is killed after the time limit plus a grace period."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from pipelines.sandbox import QueryRefused, QueryResult, run_query

GRACE_S = 10.0


def run_query_isolated(path: Path, sql: str, max_rows: int = 10_000, timeout_s: float = 30.0) -> QueryResult:
    request = json.dumps({"path": str(path), "sql": sql, "max_rows": max_rows, "timeout_s": timeout_s})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.sandbox_process"],
            input=request.encode("utf-8"),
            capture_output=True,
            timeout=timeout_s + GRACE_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise QueryRefused(
            f"查询超过时间限制 {timeout_s:g} 秒,已中止 / Query stopped after the {timeout_s:g} s limit"
        ) from exc
    if proc.returncode != 0 or not proc.stdout:
        raise QueryRefused(
            "查询进程异常退出 / The query process failed: " + proc.stderr.decode("utf-8", "replace")[-2000:]
        )
    kind, payload = pickle.loads(proc.stdout)  # trusted: our own child process wrote it
    if kind == "refused":
        raise QueryRefused(str(payload))
    assert isinstance(payload, QueryResult)
    return payload


def _main() -> int:
    req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        out: tuple[str, object] = (
            "ok",
            run_query(Path(req["path"]), req["sql"], int(req["max_rows"]), float(req["timeout_s"])),
        )
    except QueryRefused as exc:
        out = ("refused", str(exc))
    sys.stdout.buffer.write(pickle.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
