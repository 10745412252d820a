"""python -m pipelines.spark build|compare --warehouse W --work DIR (pipelines/spark/__init__.py).

build    export W's raw zone to DIR/raw_parquet, start Spark (DIR/warehouse, DIR/metastore_db),
         register the raw tables and the UDFs, then `dbt seed` and `dbt run` on the spark target
         (--steps to choose; --select passed to dbt run)
compare  the marts of DIR's Spark warehouse against W's, one line per mart; exit 1 unless all equal"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def _short(message: str | None) -> str:
    """The telling lines of a dbt error (not dbt's headline, not a Java stack)."""
    lines = [ln.strip() for ln in (message or "").splitlines()]
    if any(ln.startswith("This model has an enforced contract that failed") for ln in lines):
        # the contract table's rows: column | definition type | contract type | reason
        rows = [ln for ln in lines if ln.startswith("|") and not ln.startswith(("| column_name", "| ---"))]
        return "contract: " + "; ".join(" ".join(ln.strip("| ").split()) for ln in rows)[:400]
    skip = ("at ", "Runtime Error", "Compilation Error", "An error occurred", "> ")
    keep = [ln for ln in lines if ln and not ln.startswith(skip)]
    return " / ".join(keep[:2])[:400]


def build(args: argparse.Namespace) -> int:
    from pipelines.spark import raw_zone, session, udfs

    work: Path = args.work.resolve()
    warehouse: Path = args.warehouse.resolve()
    if not warehouse.exists():
        print(f"找不到 DuckDB 仓库 / DuckDB warehouse not found: {warehouse}", file=sys.stderr)
        return 2
    started = time.monotonic()
    _log(f"starting Spark (work folder {work})")
    spark = session.start(work, args.driver_memory)
    _log(f"Spark {spark.version} up ({time.monotonic() - started:.0f} s)")
    raw_zone.export_and_register(spark, warehouse, work / "raw_parquet", log=_log)
    _log(f"UDFs registered: {', '.join(udfs.register(spark))}")
    session.install_python_models()
    profiles = session.write_profile(
        work, session.spark_settings(work, args.driver_memory), threads=args.threads
    )
    ok = True
    for step in args.steps.split(","):
        dbt_args = [step]
        if step in ("run", "build"):
            dbt_args += ["--full-refresh"]
            if args.select:
                dbt_args += ["--select", *args.select]
        if step in ("run", "build", "seed") and args.exclude:
            dbt_args += ["--exclude", *args.exclude]
        step_ok, result = session.run_dbt(
            work, profiles, dbt_args, log=_log, project_dir=args.project_dir.resolve()
        )
        ok = ok and step_ok
        for r in getattr(result.result, "results", None) or []:
            if str(r.status) not in ("success", "pass"):
                _log(f"  {r.status}: {r.node.name}: {_short(r.message)}")
    _log(f"build finished in {time.monotonic() - started:.0f} s: {'OK' if ok else 'with failures'}")
    spark.stop()
    return 0 if ok else 1


def compare(args: argparse.Namespace) -> int:
    from pipelines.spark.compare import compare as run_compare
    from pipelines.spark.compare import table, write_json

    results = run_compare(args.warehouse.resolve(), args.work.resolve())
    print(table(results))
    write_json(results, args.work / "compare.json")
    return 0 if all(r.status == "equal" for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.spark", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "compare"):
        p = sub.add_parser(name)
        p.add_argument(
            "--warehouse", type=Path, required=True, help="built DuckDB warehouse (safety-stats refresh)"
        )
        p.add_argument(
            "--work", type=Path, required=True, help="folder for the Spark warehouse, metastore, logs"
        )
    b = sub.choices["build"]
    b.add_argument("--steps", default="seed,run", help="dbt commands in order (default seed,run)")
    b.add_argument("--select", nargs="*", help="dbt --select for run/build")
    b.add_argument("--exclude", nargs="*", help="dbt --exclude")
    b.add_argument("--threads", type=int, default=1)
    b.add_argument(
        "--project-dir", type=Path, default=DBT_PROJECT_DIR, help="dbt project (default: dbt_project/)"
    )
    b.add_argument(
        "--driver-memory", default=None, help="spark.driver.memory (default: the example profile's)"
    )
    args = parser.parse_args(argv)
    return build(args) if args.command == "build" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
