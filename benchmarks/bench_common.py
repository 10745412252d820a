"""What the benchmark scripts share: the machine they ran on, the environment of the commands they
measure, timing and memory of those commands, summaries of repeated runs, the JSON + Markdown
report, refresh logs and dbt results, and the checkouts they build.

benchmarks/ is not a package: each script is run as `python benchmarks/<script>.py` and puts this
directory on sys.path before `from bench_common import ...`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
PACKAGES = (
    "duckdb",
    "polars",
    "dagster",
    "dagster-dbt",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "pandas",
)
TELEMETRY_OFF = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
}
LAST_QUARTER = "2026Q3"
RECORD_SOURCES = ("accidents", "road_traffic", "fires", "disasters", "enforcement")


# ----------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    os_name = platform.platform()
    osr = Path("/etc/os-release")
    if osr.exists():
        m = re.search(r'PRETTY_NAME="([^"]+)"', osr.read_text())
        os_name = f"{m.group(1) if m else ''} ({platform.release()})"
    return {
        "cpu_model": cpu,
        "cpu_cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024**2, 1),
        "os": os_name,
        "python": platform.python_version(),
        "packages": {p: _version(p) for p in PACKAGES},
        "date_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "duckdb_memory_limit": os.environ.get("SAFETY_DUCKDB_MEMORY", "1536MB"),
        "duckdb_max_spill": os.environ.get("SAFETY_DUCKDB_MAX_SPILL", "20GiB"),
        "note": "2 cores shared with other work while this ran; timings are wall-clock",
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_line(m: dict[str, Any]) -> str:
    """The report's first line about the machine (`machine()`), up to its date."""
    return (
        f"Machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, "
        f"Python {m['python']}; {m['date_utc']}."
    )


# ----------------------------------------------------------------------------- commands


def child_env(pythonpath: Path | None = None, **extra: str) -> dict[str, str]:
    """Environment of a measured command: this one without SAFETY_* (but the machine's sizing:
    SAFETY_DUCKDB_MEMORY, SAFETY_DUCKDB_MAX_SPILL, SAFETY_DBT_THREADS and the
    SAFETY_DBT_*_BATCH_ROWS) and DAGSTER_HOME, telemetry off, PYTHONPATH
    the checkout under test if given, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETY_", "DAGSTER_HOME"))}
    env.update(TELEMETRY_OFF)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    for name in (
        "SAFETY_DUCKDB_MEMORY",
        "SAFETY_DUCKDB_MAX_SPILL",
        "SAFETY_DBT_THREADS",
        "SAFETY_DBT_YEAR_BATCH_ROWS",
        "SAFETY_DBT_BREAKDOWN_BATCH_ROWS",
    ):
        if name in os.environ:  # the machine's sizing, which a national-scale run must set
            env[name] = os.environ[name]
    env.update(extra)
    return env


def refresh_env(checkout: Path, drop: Path, wdir: Path, **extra: str) -> dict[str, str]:
    """`child_env` of a refresh of `drop` with `checkout`'s code into the warehouse in `wdir`."""
    return child_env(
        checkout,
        SAFETY_RAW=str(drop),
        SAFETY_WAREHOUSE=str(wdir / "warehouse.duckdb"),
        SAFETY_SERVING=str(wdir / "serving.duckdb"),
        **extra,
    )


class Finished(NamedTuple):
    returncode: int
    wall_s: float  # monotonic clock, unrounded
    ended_at: float  # time.time() when the command had finished


def run_logged(cmd: list[str], log: Path, *, cwd: Path, env: dict[str, str], check: bool = False) -> Finished:
    """Run `cmd` with stdout and stderr to `log`; its return code and wall time."""
    t0 = time.monotonic()
    with log.open("w") as fh:
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode
    wall, ended = time.monotonic() - t0, time.time()
    if check and rc != 0:
        raise subprocess.CalledProcessError(rc, cmd)
    return Finished(rc, wall, ended)


# ----------------------------------------------------------------------------- process tree memory


def _tree_rss(root_pid: int) -> int:
    """Sum of VmRSS (bytes) of root_pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            status = (d / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
        m = re.search(r"VmRSS:\s+(\d+)", status)
        rss[int(d.name)] = int(m.group(1)) * 1024 if m else 0
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


class TreePeak:
    """Samples the summed RSS of a process tree every 0.2 s in a thread, from start to stop."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            self._stop.wait(0.2)

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak


# ----------------------------------------------------------------------------- summaries


def stats(xs: list[float]) -> dict[str, Any]:
    """Repeated runs of one figure: the runs, their median, min, max and spread (3 decimals)."""
    return {
        "runs": [round(x, 3) for x in xs],
        "median": round(statistics.median(xs), 3) if xs else None,
        "min": round(min(xs), 3) if xs else None,
        "max": round(max(xs), 3) if xs else None,
        "spread": round(max(xs) - min(xs), 3) if xs else None,
    }


# ----------------------------------------------------------------------------- reports


def write_report(
    out: Path,
    doc: Any,
    markdown: str,
    *,
    indent: int = 1,
    default: Callable[[Any], Any] | None = None,
) -> Path:
    """`doc` as JSON to `out`, `markdown` beside it (same name, .md); the .md's path."""
    out.write_text(
        json.dumps(doc, indent=indent, ensure_ascii=False, default=default) + "\n", encoding="utf-8"
    )
    md = out.with_suffix(".md")
    md.write_text(markdown, encoding="utf-8")
    return md


# ----------------------------------------------------------------------------- refresh logs, dbt results


def phases(log_path: Path) -> dict[str, float]:
    """Seconds per refresh phase from the CLI's timestamped step lines."""
    stamps: list[tuple[str, dt.datetime]] = []
    for line in log_path.read_text(errors="replace").splitlines():
        m = re.match(r"(\d\d:\d\d:\d\d) (step 1/2|step 2/2|published|done in)", line)
        if m:
            stamps.append((m.group(2), dt.datetime.strptime(m.group(1), "%H:%M:%S")))
    out: dict[str, float] = {}
    first = {k: t for k, t in reversed(stamps)}
    if "step 1/2" in first and "step 2/2" in first:
        out["ingest_s"] = (first["step 2/2"] - first["step 1/2"]).total_seconds() % 86400
    if "step 2/2" in first and "published" in first:
        out["transform_and_publish_s"] = (first["published"] - first["step 2/2"]).total_seconds() % 86400
    return out


def newest_run_results(target_root: Path, since: float) -> dict[str, Any] | None:
    """The newest dbt run_results.json under `target_root` written at or after `since`."""
    found = [p for p in target_root.rglob("run_results.json") if p.stat().st_mtime >= since]
    return json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text()) if found else None


# ----------------------------------------------------------------------------- drops and checkouts


def link_drop(src: Path, dst: Path, hold_last: bool) -> list[Path]:
    """Hard-link a drop; with hold_last, the last quarter's record files are left out (returned)."""
    if dst.exists():
        shutil.rmtree(dst)
    held = []
    for path in sorted(src.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(src)
        if hold_last and rel.parts[0] in RECORD_SOURCES and LAST_QUARTER in path.name:
            held.append(path)
            continue
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(path, dst / rel)
    return held


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def checkout_base(base: str, work: Path) -> Path:
    """A directory as is, else a git revision of this repository cloned into work/base-<rev>."""
    if Path(base).is_dir():
        return Path(base).resolve()
    rev = git("rev-parse", "--short", f"{base}^{{commit}}", cwd=ROOT)
    dst = work / f"base-{rev}"
    if not (dst / ".git").exists():
        shutil.rmtree(dst, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(dst)], check=True)
        git("-c", "advice.detachedHead=false", "checkout", "-q", rev, cwd=dst)
    return dst


def snapshot_tree(src: Path, dst: Path) -> Path:
    """Copy the working tree's tracked and untracked (not ignored) files as they are now."""
    files = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=src).split("\0")
    shutil.rmtree(dst, ignore_errors=True)
    for rel in filter(None, files):
        path = src / rel
        if not path.is_file():  # deleted in the working tree
            continue
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dst / rel)
    return dst


def describe(checkout: Path) -> dict[str, Any]:
    """Revision of a checkout: HEAD, and for a working tree with edits a digest of them."""
    out: dict[str, Any] = {"path": str(checkout)}
    try:
        out["head"] = git("rev-parse", "--short", "HEAD", cwd=checkout)
        out["subject"] = git("log", "-1", "--format=%s", cwd=checkout)[:120]
        status = git("status", "--porcelain", "--untracked-files=all", cwd=checkout)
        diff = subprocess.run(["git", "diff", "HEAD"], cwd=checkout, capture_output=True).stdout
        out["dirty_files"] = len(status.splitlines())
        if status:
            untracked = sorted(line[3:] for line in status.splitlines() if line.startswith("??"))
            h = hashlib.sha256(diff)
            for rel in untracked:
                h.update(rel.encode() + b"\0" + (checkout / rel).read_bytes())
            out["edits_sha256"] = h.hexdigest()[:16]
    except (subprocess.CalledProcessError, FileNotFoundError, OSError):
        pass
    return out
