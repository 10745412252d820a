"""`safety-stats`: refresh the warehouse and query indicators.

safety-stats refresh [--raw DIR] [--warehouse PATH]
safety-stats indicators [--warehouse PATH] [--region 450000] [--indicator ps_deaths]
                        [--period-type year] [--from 2020 --to 2021] [--format csv|json]
safety-stats export --period 2021Q4 --region 450000 --out report.xlsx
safety-stats brief  --period 2021Q4 --region 450000 --out brief.pdf   (or .html)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path

INDICATOR_COLUMNS = [
    "region_code",
    "region_name_zh",
    "indicator_code",
    "indicator_name_zh",
    "period_type",
    "period",
    "value",
    "ci_low",
    "ci_high",
    "unit",
    "numerator",
    "denominator",
    "yoy_abs",
    "yoy_pct",
    "yoy_signal",
    "qoq_pct",
    "prev5_mean",
    "vs_prev5_mean_pct",
    "prev5_signal",
    "completeness",
    "coverage_k",
    "coverage_n",
    "value_source",
    "released_on",
    "break_flag",
]
PERCENT_COLUMNS = ("yoy_pct", "qoq_pct", "vs_prev5_mean_pct")


def _set_paths(raw: str | None, warehouse: str | None) -> None:
    # Set before importing the Dagster definitions: the dbt profile and resources read them.
    if raw:
        os.environ["SAFETY_RAW"] = str(Path(raw).resolve())
    if warehouse:
        os.environ["SAFETY_WAREHOUSE"] = str(Path(warehouse).resolve())
        os.environ.pop("SAFETY_SERVING", None)


def cmd_refresh(args: argparse.Namespace) -> int:
    _set_paths(args.raw, args.warehouse)
    from pipelines.refresh import run_refresh

    return run_refresh(first=args.from_quarter, last=args.to_quarter, full=args.full)


def cmd_indicators(args: argparse.Namespace) -> int:
    _set_paths(None, args.warehouse)
    from pipelines.query import query_indicators

    database = None
    if args.as_of:
        from pipelines.asof import build_as_of

        database = build_as_of(dt.date.fromisoformat(args.as_of))
    rows = query_indicators(
        regions=args.region,
        indicators=args.indicator,
        period_types=args.period_type,
        year_from=args.year_from,
        year_to=args.year_to,
        periods=args.period,
        database=database,
    )
    if database is not None:
        import shutil

        shutil.rmtree(database.parent, ignore_errors=True)
    if not args.full_precision:
        for r in rows:
            for c in PERCENT_COLUMNS:
                if r.get(c) is not None:
                    r[c] = round(r[c], 1)  # published convention: one decimal place
    cols = INDICATOR_COLUMNS + [c for c in (rows[0].keys() if rows else []) if c not in INDICATOR_COLUMNS]
    if not args.all_columns:
        cols = INDICATOR_COLUMNS
    if args.format == "json":
        json.dump(
            [{c: r.get(c) for c in cols} for r in rows], sys.stdout, ensure_ascii=False, default=str, indent=1
        )
        sys.stdout.write("\n")
    else:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import csv

    _set_paths(None, args.warehouse)
    from pipelines.sandbox import QueryRefused, run_query
    from pipelines.settings import serving_path

    try:
        result = run_query(serving_path(), args.query, max_rows=args.max_rows, timeout_s=args.timeout)
    except QueryRefused as exc:
        logging.error("%s", exc)
        return 1
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(result.columns)
    w.writerows(result.rows)
    if result.truncated:
        logging.warning("结果已截断为 %d 行 / output truncated to %d rows", args.max_rows, args.max_rows)
    return 0


# --- official-layout exports: 综合报表 workbook and quarterly brief -------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """`export` writes the 综合报表 workbook, `brief` the quarterly brief; exit 2 on a period or
    region the serving copy does not have."""
    _set_paths(None, args.warehouse)
    from pipelines.exports.brief import write_brief
    from pipelines.exports.quarterly_workbook import write_workbook
    from pipelines.exports.report_data import ExportError, load_quarter_report
    from pipelines.query import connect_serving

    con = connect_serving()
    try:
        report = load_quarter_report(con, args.period, args.region)
    except ExportError as exc:
        logging.error("%s", exc)
        return 2
    finally:
        con.close()
    if args.command == "export":
        out = write_workbook(report, Path(args.out))
        logging.info("已写出综合报表 / workbook written: %s", out)
    else:
        out = write_brief(report, Path(args.out))
        logging.info("已写出季度简报 / brief written: %s", out)
    return 0


def _add_export_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name, helptext, example in (
        ("export", "综合报表 Excel workbook of a region and quarter", "report.xlsx"),
        ("brief", "one-page quarterly brief in Chinese (PDF via Chromium, or HTML)", "brief.pdf"),
    ):
        e = sub.add_parser(name, help=helptext)
        e.add_argument("--period", required=True, help="quarter, e.g. 2021Q4")
        e.add_argument("--region", required=True, help="region code or Chinese name, e.g. 450000")
        e.add_argument("--out", required=True, help=f"output file, e.g. {example}")
        e.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
        e.set_defaults(func=cmd_export)


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import quiet_telemetry

    quiet_telemetry()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    p = argparse.ArgumentParser(
        prog="safety-stats", description="Safety statistics warehouse / 安全生产统计数据仓库"
    )
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("refresh", help="load raw files, build the marts, publish the serving copy")
    r.add_argument("--raw", help="raw drop directory (default: the embedded sample raw/sample)")
    r.add_argument("--warehouse", help="warehouse DuckDB file (default: .warehouse/warehouse.duckdb)")
    r.add_argument("--from", dest="from_quarter", help="first quarter to (re)load, e.g. 2019Q1")
    r.add_argument("--to", dest="to_quarter", help="last quarter to (re)load, e.g. 2020Q4")
    r.add_argument(
        "--full",
        action="store_true",
        help="reload every file and rebuild every model; without it only quarters of new, "
        "changed or removed files are reloaded / 全量重建(默认只重载有新增、修改或删除文件的季度)",
    )
    r.set_defaults(func=cmd_refresh)

    q = sub.add_parser("indicators", help="print indicator values as CSV or JSON")
    q.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    q.add_argument("--region", action="append", help="region code or Chinese name (repeatable)")
    q.add_argument("--indicator", action="append", help="indicator code (repeatable)")
    q.add_argument(
        "--period-type",
        action="append",
        choices=["quarter", "ytd", "year", "plan_period"],
        help="(repeatable)",
    )
    q.add_argument(
        "--period", action="append", help="exact period, e.g. 2021, 2021Q3, 2021-2025 (repeatable)"
    )
    q.add_argument("--from", dest="year_from", type=int, help="first year")
    q.add_argument("--to", dest="year_to", type=int, help="last year")
    q.add_argument(
        "--as-of", help="figures as known on this date (YYYY-MM-DD): later reports and releases ignored"
    )
    q.add_argument("--format", choices=["csv", "json"], default="csv")
    q.add_argument("--full-precision", action="store_true", help="do not round percentages to one decimal")
    q.add_argument("--all-columns", action="store_true", help="print every column of fct_indicator_values")
    q.set_defaults(func=cmd_indicators)

    s = sub.add_parser("sql", help="run a read-only SQL query on the serving copy, print CSV")
    s.add_argument("query")
    s.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    s.add_argument("--max-rows", type=int, default=10_000)
    s.add_argument("--timeout", type=float, default=30.0, help="seconds")
    s.set_defaults(func=cmd_sql)

    _add_export_parsers(sub)

    args = p.parse_args(argv)
    t0 = time.monotonic()
    rc = int(args.func(args))
    if args.command == "refresh":
        logging.info("done in %.1f s", time.monotonic() - t0)
    return rc


def entry() -> None:
    """The `safety-stats` console script: `main`, then exit without the interpreter's teardown.

    A refresh leaves Dagster's, dbt's and Great Expectations' object graphs in memory, and the
    interpreter's last garbage collection at exit walks all of them (~1.5 s at 10M records) to
    free memory the OS takes back anyway. Every command has closed its files and databases when
    `main` returns (DuckDB commits are durable either way), so the streams are flushed and the
    process leaves. Tests that call `main` in-process are unaffected.
    """
    rc = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    entry()
