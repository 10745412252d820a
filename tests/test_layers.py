"""Layers only look down: a module of pipelines/ imports only from its own layer or below, and
importing the lower layers starts nothing (no `dbt parse`, no environment change)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PIPELINES = ROOT / "pipelines"

# Lowest first. A module is in the layer of the longest prefix that names it.
LAYERS: list[tuple[str, ...]] = [
    # shared helpers every layer may import: settings, quarter arithmetic, partitions, the
    # writer pool and lock, DuckDB helpers, the input contract, how dbt is called
    (
        "pipelines.settings",
        "pipelines.faults",
        "pipelines.lib",
        "pipelines.dbt_cli",
        "pipelines.dbt_code_state",
        "pipelines.dbt_udfs",
    ),
    # ingest, quality checks, publishing, reading: each on the helpers only
    (
        "pipelines.ingest",
        "pipelines.quality",
        "pipelines.catalog",
        "pipelines.publish",
        "pipelines.query",
        "pipelines.sandbox",
        "pipelines.sandbox_process",
        "pipelines.exports",
        "pipelines.data_dictionary",
        "pipelines.asof",
        "pipelines.samplegen",
        "pipelines.spark",  # the Spark target: raw-zone export, launcher, mart comparison
    ),
    ("pipelines.check",),  # 审核: the reader, row rules, loader key checks and audit rules, loading nothing
    ("pipelines.dbt_assets",),
    ("pipelines.automation",),
    ("pipelines.definitions",),
    ("pipelines.refresh",),
    ("pipelines.cli",),
]


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for n, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            named = module == prefix or module.startswith(prefix + ".")
            if named and (best is None or len(prefix) > best[0]):
                best = (len(prefix), n)
    assert best is not None, f"{module} is in no layer: add it to LAYERS in tests/test_layers.py"
    return best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every pipelines module `path` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("pipelines")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipelines"):
            # `from pipelines import sandbox` imports the module pipelines.sandbox
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if (PIPELINES.parent / (sub.replace(".", "/") + ".py")).exists() else node.module)
    return out - {"pipelines"}


def test_every_module_imports_only_its_own_layer_or_below() -> None:
    upward = []
    for path in sorted(PIPELINES.rglob("*.py")):
        me = module_name(path)
        for other in sorted(imported_modules(path)):
            if layer_of(other) > layer_of(me):
                upward.append(f"{me} (layer {layer_of(me)}) imports {other} (layer {layer_of(other)})")
    assert not upward, "\n".join(upward)


def test_the_shared_helpers_import_no_other_layer() -> None:
    for path in sorted((PIPELINES / "lib").rglob("*.py")):
        assert all(layer_of(m) == 0 for m in imported_modules(path)), path


def test_importing_below_the_code_location_runs_no_dbt_and_sets_no_environment(tmp_path: Path) -> None:
    """`pipelines.dbt_assets` and everything below it import without running `dbt parse` (no
    subprocess) and without setting this project's environment variables (libraries may set
    their own, e.g. polars' allocator); `pipelines.definitions` builds the location."""
    script = """
import os, subprocess
before = dict(os.environ)
real_popen_init = subprocess.Popen.__init__
def no_dbt(self, args, *a, **k):
    if any(str(x).endswith("dbt") for x in ([args] if isinstance(args, str) else args)):
        raise SystemExit("dbt started at import: " + repr(args))
    real_popen_init(self, args, *a, **k)
subprocess.Popen.__init__ = no_dbt
import pipelines.automation, pipelines.dbt_assets, pipelines.ingest.assets, pipelines.publish
import pipelines.quality.freshness_checks, pipelines.quality.gx_checks, pipelines.refresh, pipelines.asof
ours = ("SAFETY_", "DAGSTER_", "DBT_", "GX_", "DO_NOT_TRACK", "STREAMLIT_")
changed = {k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)}
assert not {k for k in changed if k.startswith(ours)}, changed
print("ok")
"""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SAFETY_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]
