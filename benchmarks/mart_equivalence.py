"""Mart equivalence: every published table of a baseline build and of the working tree, row for row.

    python benchmarks/mart_equivalence.py --base 080e1a3                     # sample and 1M
    python benchmarks/mart_equivalence.py --base /tmp/h7/base --sizes sample
    python benchmarks/mart_equivalence.py --base 080e1a3 \\
        --base-serving sample=/tmp/h7/base_wh/sample/serving.duckdb \\
        --base-serving 1M=/tmp/h7/base_wh/1M/serving.duckdb              # rebuild only the new side

Per size it
1. takes one raw drop for both sides: `sample` is a copy of the baseline's raw/sample (the same
   path for both builds), `1M` the SYNTHETIC drop of `pipelines.samplegen --records 1M` (as
   `make bench` generates it, with the baseline's generator, outside the repository);
2. builds the baseline (a checkout directory, or a git revision cloned into the work directory)
   and the new side (a snapshot of the working tree: tracked and untracked files, not ignored
   ones, so edits made while it builds do not mix in) with `safety-stats refresh --full` into
   fresh warehouses, with the same SAFETY_TODAY (deadlines and freshness depend on the date);
   `--base-serving SIZE=PATH` reuses a baseline serving copy built before (a `build.json` beside
   it names the drop it was built from, checked against this one, and the day it was built);
3. compares every table of the published schemas of the two serving copies (every schema but
   quality, history and meta: marts, and ref or others if present): column names, order and
   types, then the rows with `EXCEPT ALL` both ways (duplicates count), leaving out published
   TIMESTAMP columns (the load clock: two builds of the same code differ there only; --load-times
   compares them too). Tables of quality, history and meta hold run ids and timestamps; they are
   compared without those columns, for information only.

Writes benchmarks/mart_equivalence.json and .md (per size and table: rows, rows only in the
baseline, only in the new build, column differences; machine; revisions). Exit 0 when every
published table is identical (with --allow-added-columns: equal on the baseline's columns, the new
build adding columns only), 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (  # noqa: E402  (benchmarks/ is not a package)
    PYTHON,
    TELEMETRY_OFF,
    checkout_base,
    describe,
    machine,
    machine_line,
    refresh_env,
    run_logged,
    snapshot_tree,
    write_report,
)

VOLATILE_SCHEMAS = ("quality", "history", "meta")
# Columns of the informational schemas that name the run, its time or its paths.
VOLATILE_COLUMN_HINTS = (
    "run_id",
    "load_id",
    "_at",
    "time",
    "path",
    "raw_root",
    "duration",
    "elapsed",
    "report",
)
# Run inside the checkout: its own `pipelines` (the venv's editable install points at ROOT).
REFRESH_CODE = (
    "import sys, pipelines; from pathlib import Path; "
    "src = Path(pipelines.__file__).resolve().parents[1]; "
    "assert src == Path(sys.argv[1]).resolve(), f'pipelines imported from {src}'; "
    "from pipelines.cli import main; rc = main(sys.argv[2:]); "
    "import logging; logging.shutdown(); sys.exit(rc)"
)


# ----------------------------------------------------------------------------- sources


def drop_digest(drop: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in drop.rglob("*") if p.is_file()):
        h.update(path.relative_to(drop).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def ensure_drop(size: str, base: Path, data: Path) -> Path:
    """The raw drop of a size, made once: sample copied from the baseline, others generated."""
    out, done = data / size, data / f".{size}.complete"  # the marker stays outside the drop
    if done.exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    if size == "sample":
        shutil.copytree(base / "raw" / "sample", out)
    else:
        env = {**os.environ, "PYTHONPATH": str(base)}
        subprocess.run(
            [str(PYTHON), "-m", "pipelines.samplegen", "--out", str(out), "--records", size],
            check=True,
            cwd=base,
            env=env,
        )
    done.write_text(dt.datetime.now(dt.UTC).isoformat())
    return out


# ----------------------------------------------------------------------------- builds


def build(checkout: Path, drop: Path, out_dir: Path, log: Path, today: str) -> dict[str, Any]:
    """`safety-stats refresh --full` of `drop` with `checkout`'s code into a fresh warehouse,
    deadlines and freshness judged against `today` (SAFETY_TODAY) so both sides agree."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    env = refresh_env(checkout, drop, out_dir, SAFETY_TODAY=today)
    done = run_logged(
        [str(PYTHON), "-c", REFRESH_CODE, str(checkout), "refresh", "--full"], log, cwd=checkout, env=env
    )
    rc = done.returncode
    info = {
        "checkout": describe(checkout),
        "drop": str(drop),
        "drop_sha256": drop_digest(drop),
        "serving": str(out_dir / "serving.duckdb"),
        "today": today,
        "wall_s": round(done.wall_s, 1),
        "returncode": rc,
        "log": str(log),
        "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    if rc != 0:  # the first error line of the log, for the report
        errors = [
            line.strip()
            for line in log.read_text(errors="replace").splitlines()
            if re.search(r"\b(\w+Error|ERROR|Error in|Failure in)\b", line) and " - DEBUG - " not in line
        ]
        info["first_error"] = errors[0][:300] if errors else None
    (out_dir / "build.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def reuse(serving: Path, drop: Path) -> dict[str, Any]:
    """A serving copy built before; its build.json (if any) must name the same drop content."""
    if not serving.exists():
        raise SystemExit(f"--base-serving {serving}: no such file")
    meta_path = serving.with_name("build.json")
    info: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    info["reused"] = True
    info["serving"] = str(serving)
    digest = drop_digest(drop)
    if info.get("drop_sha256") and info["drop_sha256"] != digest:
        raise SystemExit(
            f"--base-serving {serving} was built from drop {info.get('drop')} ({info['drop_sha256']}), "
            f"not this one ({drop}, {digest})"
        )
    if info.get("drop") and Path(info["drop"]) != drop:
        print(f"note: baseline built from {info['drop']}, same content as {drop}", flush=True)
    return info


# ----------------------------------------------------------------------------- comparison


def _tables(con: Any, catalog: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
        "FROM information_schema.columns AS c WHERE c.table_catalog = ? "
        "ORDER BY c.table_schema, c.table_name, c.ordinal_position",
        [catalog],
    ).fetchall()
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, dtype in rows:
        out.setdefault((schema, table), []).append((column, dtype))
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _volatile(column: str, dtype: str) -> bool:
    return "TIMESTAMP" in dtype.upper() or any(h in column.lower() for h in VOLATILE_COLUMN_HINTS)


def _load_time(dtype: str) -> bool:
    """A published TIMESTAMP column holds the clock of the load (first_received_at, last_loaded_at):
    two builds of the same code and drop differ there and nowhere else."""
    return "TIMESTAMP" in dtype.upper()


def compare_serving(base: Path, new: Path, samples: int = 3, load_times: bool = False) -> dict[str, Any]:
    """Every table of both serving copies: columns (names, order, types), rows EXCEPT ALL both ways.
    Published TIMESTAMP columns (the load clock) are left out of the rows unless `load_times`."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{base}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{new}' AS n (READ_ONLY)")
    tb, tn = _tables(con, "b"), _tables(con, "n")
    out: dict[str, Any] = {}
    for key in sorted(set(tb) | set(tn)):
        schema, table = key
        name = f"{schema}.{table}"
        published = schema not in VOLATILE_SCHEMAS
        r: dict[str, Any] = {"published": published}
        out[name] = r
        if key not in tn or key not in tb:
            r["missing_in"] = "new" if key not in tn else "base"
            r["rows_base" if key in tb else "rows_new"] = con.execute(
                f"SELECT count(*) FROM {'b' if key in tb else 'n'}.{_q(schema)}.{_q(table)}"
            ).fetchone()[0]
            r["identical"] = False
            continue
        cb, cn = tb[key], tn[key]
        r["columns_identical"] = cb == cn
        if cb != cn:
            nb, nn = dict(cb), dict(cn)
            r["column_differences"] = {
                "only_in_base": [c for c, _ in cb if c not in nn],
                "only_in_new": [c for c, _ in cn if c not in nb],
                "type_changed": {c: [nb[c], nn[c]] for c in nb if c in nn and nb[c] != nn[c]},
                "order_base": [c for c, _ in cb],
                "order_new": [c for c, _ in cn],
            }

        compared = {c: (load_times or not _load_time(t)) if published else not _volatile(c, t) for c, t in cb}
        common = [c for c, _ in cb if c in dict(cn) and compared[c]]
        skipped = [c for c, _ in cb if c in dict(cn) and not compared[c]]
        if skipped:
            r["columns_not_compared"] = skipped
        cols = ", ".join(_q(c) for c in common)
        fb, fn = f"b.{_q(schema)}.{_q(table)}", f"n.{_q(schema)}.{_q(table)}"
        r["rows_base"] = con.execute(f"SELECT count(*) FROM {fb}").fetchone()[0]  # type: ignore[index]
        r["rows_new"] = con.execute(f"SELECT count(*) FROM {fn}").fetchone()[0]  # type: ignore[index]
        if not common:
            r["identical"] = r["columns_identical"] and r["rows_base"] == r["rows_new"]
            continue
        try:
            only_b = f"SELECT {cols} FROM {fb} EXCEPT ALL SELECT {cols} FROM {fn}"
            only_n = f"SELECT {cols} FROM {fn} EXCEPT ALL SELECT {cols} FROM {fb}"
            r["rows_only_in_base"] = con.execute(f"SELECT count(*) FROM ({only_b})").fetchone()[0]  # type: ignore[index]
            r["rows_only_in_new"] = con.execute(f"SELECT count(*) FROM ({only_n})").fetchone()[0]  # type: ignore[index]
            if r["rows_only_in_base"] or r["rows_only_in_new"]:
                r["sample_only_in_base"] = [
                    [str(v) for v in row] for row in con.execute(f"{only_b} LIMIT {samples}").fetchall()
                ]
                r["sample_only_in_new"] = [
                    [str(v) for v in row] for row in con.execute(f"{only_n} LIMIT {samples}").fetchall()
                ]
        except duckdb.Error as exc:  # e.g. types that do not compare
            r["error"] = str(exc).splitlines()[0][:300]
        same_rows = r.get("rows_only_in_base") == 0 and r.get("rows_only_in_new") == 0
        r["identical"] = bool(r["columns_identical"] and same_rows)
        # a deliberate new column: every baseline column kept, same type and order, same rows on them
        r["columns_added_only"] = bool(
            not r["columns_identical"] and same_rows and [c for c in cn if c in cb] == list(cb)
        )
    con.close()
    return out


def self_test(serving: Path, work: Path) -> dict[str, Any]:
    """The comparison must see a difference: a copy of `serving` with one row of
    fct_indicator_values deleted, one dim_regions name changed and a column added to dim_sectors."""
    import duckdb

    copy = work / "self-test" / "serving.duckdb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(serving, copy)
    copy.chmod(0o644)
    con = duckdb.connect(str(copy))
    con.execute(
        "DELETE FROM marts.fct_indicator_values "
        "WHERE rowid = (SELECT min(rowid) FROM marts.fct_indicator_values)"
    )
    con.execute(
        "UPDATE marts.dim_regions SET name_en = name_en || ' (edited)' "
        "WHERE region_code = (SELECT min(region_code) FROM marts.dim_regions)"
    )
    con.execute("ALTER TABLE marts.dim_sectors ADD COLUMN extra INTEGER")
    con.close()
    tables = compare_serving(serving, copy)
    found = {t: r for t, r in tables.items() if not r["identical"]}
    expected = {"marts.fct_indicator_values", "marts.dim_regions", "marts.dim_sectors"}
    return {
        "edits": "1 row of fct_indicator_values deleted; 1 dim_regions.name_en changed; dim_sectors + column",
        "tables_reported_different": {
            t: {k: r.get(k) for k in ("rows_only_in_base", "rows_only_in_new", "columns_identical")}
            for t, r in found.items()
        },
        "passed": set(found) == expected,
    }


# ----------------------------------------------------------------------------- report


def to_markdown(doc: dict[str, Any]) -> str:
    lines = [
        "# Mart equivalence / 数据集市逐行一致性",
        "",
        machine_line(doc["machine"]),
        f"Baseline: {_rev(doc['base'])}. New: {_rev(doc['new'])}.",
        "Generated by `benchmarks/mart_equivalence.py`; raw figures in `mart_equivalence.json`. "
        "Both sides: `safety-stats refresh --full` of the same raw drop into a fresh warehouse; "
        "every table of the serving copies compared, columns (name, order, type) and rows "
        "(`EXCEPT ALL` both ways, duplicates counted). Published TIMESTAMP columns hold the clock of "
        "the load (fct_submissions.first/last_received_at, fct_source_freshness.last_loaded_at): two "
        "builds of the same code differ there only, so they are left out of the rows (their names and "
        "types are compared). quality/history/meta hold run ids and timestamps: compared without those "
        "columns, for information only.",
        "",
    ]
    if "self_test" in doc:
        st = doc["self_test"]
        lines += [
            f"Self-test ({'passed' if st['passed'] else 'FAILED'}): the baseline's sample serving copy against a "
            f"copy of itself with {st['edits']}; reported different: "
            + ", ".join(
                f"{t} (only in base {r['rows_only_in_base']}, only in new {r['rows_only_in_new']}, "
                f"columns {'same' if r['columns_identical'] else 'differ'})"
                for t, r in st["tables_reported_different"].items()
            )
            + ".",
            "",
        ]
    for run in doc["runs"]:
        verdict = (
            "IDENTICAL"
            if run["published_identical"]
            else "IDENTICAL ON THE BASELINE'S COLUMNS (new columns added)"
            if run.get("published_equal_on_baseline_columns")
            else "DIFFERENT"
        )
        lines += [
            f"## {run['size']}: published tables {verdict}",
            "",
            f"Drop `{run['drop']}` ({run['drop_sha256']}). Baseline build: "
            + (
                f"reused `{run['base_build'].get('serving')}`"
                if run["base_build"].get("reused")
                else f"{run['base_build'].get('wall_s')} s"
            )
            + f"; new build: {run['new_build'].get('wall_s')} s (exit {run['new_build'].get('returncode')}).",
            "",
        ]
        if run.get("error"):
            lines += [f"**{run['error']}**", ""]
            continue
        lines += [
            "| table | rows (base) | rows (new) | only in base | only in new | columns | identical |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in run["tables"].items():
            cols = "same" if r.get("columns_identical") else _coldiff(r)
            ident = (
                "yes" if r["identical"] else "yes, columns added" if r.get("columns_added_only") else "**no**"
            )
            if not r["published"]:
                ident += " (info)"
            lines.append(
                f"| {name} | {r.get('rows_base', '-')} | {r.get('rows_new', '-')} | "
                f"{r.get('rows_only_in_base', '-')} | {r.get('rows_only_in_new', '-')} | {cols} | {ident} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def _rev(d: dict[str, Any]) -> str:
    c = d.get("checkout", d)
    s = f"`{c.get('head', '?')}`"
    if c.get("dirty_files"):
        s += f" + {c['dirty_files']} edited/untracked file(s) (edits {c.get('edits_sha256')})"
    return s


def _coldiff(r: dict[str, Any]) -> str:
    if "missing_in" in r:
        return f"table missing in {r['missing_in']}"
    d = r.get("column_differences", {})
    parts = []
    if d.get("only_in_base"):
        parts.append("dropped " + ", ".join(d["only_in_base"]))
    if d.get("only_in_new"):
        parts.append("added " + ", ".join(d["only_in_new"]))
    if d.get("type_changed"):
        parts.append("types " + ", ".join(f"{c} {a}→{b}" for c, (a, b) in d["type_changed"].items()))
    if not parts:
        parts.append("order changed")
    return "; ".join(parts)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="baseline checkout directory or git revision")
    p.add_argument("--new", type=Path, default=ROOT, help="working tree to build (default: this one)")
    p.add_argument("--no-snapshot", action="store_true", help="build --new in place, not a snapshot of it")
    p.add_argument("--sizes", default="sample,1M")
    p.add_argument(
        "--base-serving",
        action="append",
        default=[],
        metavar="SIZE=PATH",
        help="reuse this baseline serving copy for SIZE instead of building the baseline",
    )
    p.add_argument(
        "--new-serving",
        action="append",
        default=[],
        metavar="SIZE=PATH",
        help="compare this serving copy as the new side instead of building it",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SAFETY_EQUIV_DATA", "/tmp/safety-equivalence/data")),
        help="raw drops (sample copied, 1M generated once)",
    )
    p.add_argument(
        "--work", type=Path, default=Path(os.environ.get("SAFETY_EQUIV_WORK", "/tmp/safety-equivalence"))
    )
    p.add_argument(
        "--self-test",
        action="store_true",
        help="also compare the first baseline serving copy with an edited copy of itself (must differ)",
    )
    p.add_argument(
        "--load-times", action="store_true", help="compare the published TIMESTAMP (load clock) columns too"
    )
    p.add_argument(
        "--today",
        help="SAFETY_TODAY of the builds (default: the reused baseline's build date, else today)",
    )
    p.add_argument(
        "--allow-added-columns",
        action="store_true",
        help="count a table as equal when the new build only adds columns (rows equal on the baseline's)",
    )
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "mart_equivalence.json")
    args = p.parse_args(argv)
    os.environ.update(TELEMETRY_OFF)
    args.work.mkdir(parents=True, exist_ok=True)
    base_serving = dict(s.split("=", 1) for s in args.base_serving)
    new_serving = dict(s.split("=", 1) for s in args.new_serving)
    base = checkout_base(args.base, args.work)
    new_tree = args.new.resolve()
    new = new_tree if args.no_snapshot else snapshot_tree(new_tree, args.work / "new-src")
    doc: dict[str, Any] = {
        "machine": machine(),
        "base": describe(base),
        "new": describe(new_tree),
        "runs": [],
    }
    ok = True
    for size in args.sizes.split(","):
        drop = ensure_drop(size, base, args.data)
        run: dict[str, Any] = {"size": size, "drop": str(drop), "drop_sha256": drop_digest(drop)}
        print(f"[{size}] drop {drop}", flush=True)
        # the date deadlines and freshness are judged against: the baseline's (a reused one was
        # built without SAFETY_TODAY, i.e. on the day of its build)
        today = args.today or dt.datetime.now(dt.UTC).date().isoformat()
        if size in base_serving:
            run["base_build"] = reuse(Path(base_serving[size]).resolve(), drop)
            built = run["base_build"].get("today") or str(run["base_build"].get("built_at", ""))[:10]
            today = args.today or built or today
        else:
            print(f"[{size}] building the baseline", flush=True)
            run["base_build"] = build(
                base, drop, args.work / size / "base", args.work / size / "base.log", today
            )
        run["today"] = today
        if size in new_serving:
            run["new_build"] = {"serving": str(Path(new_serving[size]).resolve()), "reused": True}
        else:
            print(f"[{size}] building the new tree", flush=True)
            run["new_build"] = build(new, drop, args.work / size / "new", args.work / size / "new.log", today)
        failed = [s for s in ("base_build", "new_build") if run[s].get("returncode", 0) != 0]
        if failed:
            first = run[failed[0]].get("first_error")
            run["error"] = f"build failed: {', '.join(failed)} (see {run[failed[0]]['log']})" + (
                f": {first}" if first else ""
            )
            run["published_identical"] = False
        else:
            run["tables"] = compare_serving(
                Path(run["base_build"]["serving"]),
                Path(run["new_build"]["serving"]),
                load_times=args.load_times,
            )
            published = [r for r in run["tables"].values() if r["published"]]
            run["published_identical"] = all(r["identical"] for r in published)
            run["allow_added_columns"] = args.allow_added_columns
            run["published_equal_on_baseline_columns"] = all(
                r["identical"] or r.get("columns_added_only") for r in published
            )
        if args.self_test and "self_test" not in doc:
            doc["self_test"] = self_test(Path(run["base_build"]["serving"]), args.work)
            print(f"self-test passed: {doc['self_test']['passed']}", flush=True)
        ok = (
            ok
            and run[
                "published_identical"
                if not args.allow_added_columns
                else "published_equal_on_baseline_columns"
            ]
        )
        print(f"[{size}] published tables identical: {run['published_identical']}", flush=True)
        doc["runs"].append(run)
        write_report(args.out, doc, to_markdown(doc), default=str)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
