"""`safety-stats`: refresh the warehouse and query indicators.

safety-stats refresh [--raw DIR] [--warehouse PATH]
safety-stats indicators [--warehouse PATH] [--region 450000] [--indicator ps_deaths]
                        [--period-type year] [--from 2020 --to 2021] [--format csv|json]
safety-stats export --period 2021Q4 --region 450000 --out report.xlsx
safety-stats brief  --period 2021Q4 --region 450000 --out brief.pdf   (or .html)
safety-stats rejects [--source accidents] [--file PATH] [--export corrections.csv]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable
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
    # which year's denominator the rate rests on and how it was obtained (another year's, a
    # sum of children, prorated …): shown by default so a carried-over denominator is visible
    "denominator_year",
    "denominator_basis",
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
PERCENT_COLUMNS = ("yoy_pct", "qoq_pct", "vs_prev5_mean_pct", "mom_pct")
# printed too when month rows are (issue 17): the month and 环比 against the previous month
MONTH_COLUMNS = ["month", "mom_base_value", "mom_abs", "mom_pct"]


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

    return run_refresh(first=args.from_quarter, last=args.to_quarter, full=args.full, rebuild=args.rebuild)


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
        if any(r.get("period_type") == "month" for r in rows):
            cols = INDICATOR_COLUMNS + MONTH_COLUMNS
    if args.format == "json":
        json.dump(
            [{c: r.get(c) for c in cols} for r in rows], sys.stdout, ensure_ascii=False, default=str, indent=1
        )
        sys.stdout.write("\n")
    else:
        from pipelines.lib.safe_cells import write_csv_rows

        write_csv_rows(sys.stdout, cols, ([r.get(c) for c in cols] for r in rows))
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """Always through the sealed child process (pipelines/sandbox_process.py, docs/sql_sandbox.md);
    every message is bilingual and shows no path."""
    _set_paths(None, args.warehouse)
    from pipelines.sandbox import QueryRefused, run_query
    from pipelines.settings import serving_path

    try:
        result = run_query(
            serving_path(),
            args.query,
            max_rows=args.max_rows,
            timeout_s=args.timeout,
            max_bytes=args.max_mib * 1024 * 1024,
        )
    except QueryRefused as exc:
        logging.error("%s", exc)
        return 1
    from pipelines.lib.safe_cells import write_csv_rows  # formula-like text stays text (issue 14)

    write_csv_rows(sys.stdout, result.columns, result.rows)
    if result.truncated:
        logging.warning("%s", result.note)
    return 0


def _bounded(
    kind: type[int] | type[float], low: float, high: float, zh: str, en: str
) -> Callable[[str], float]:
    """An argparse type: a number in (low, high] for floats, [low, high] for ints, with a
    bilingual error."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{zh}须为数字 / {en} must be a number: {text!r}") from None
        ok = (low < value <= high) if kind is float else (low <= value <= high)
        if not ok or value != value:  # NaN
            hi = f"{high:g}" if kind is float else f"{int(high):,}"
            lo = f"大于 {low:g}" if kind is float else f"至少 {int(low):,}"
            lo_en = f"above {low:g}" if kind is float else f"at least {int(low):,}"
            raise argparse.ArgumentTypeError(
                f"{zh} 须{lo}且不超过 {hi} / {en} must be {lo_en} and at most {hi}: {text}"
            )
        return value

    return parse


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


def cmd_rejects(args: argparse.Namespace) -> int:
    """List quarantined rows per file, or write them back (--export) to correct and drop again
    (pipelines/ingest/replay.py)."""
    _set_paths(None, args.warehouse)
    from pipelines.ingest.replay import export_rejects, rejected_rows
    from pipelines.query import connect_serving

    con = connect_serving()
    try:
        rows = rejected_rows(con, source=args.source, file=args.file)
    finally:
        con.close()
    if not args.export:
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.file_path] = counts.get(r.file_path, 0) + 1
        for path, n in counts.items():
            print(f"{path}\t{n}")
        return 0
    if not rows:
        logging.info("没有可导出的拒收行 / no quarantined rows to export")
        return 0
    for out in export_rejects(rows, Path(args.export)):
        logging.info(
            "已写出拒收行,更正后放入原数据源目录重新导入 / rejected rows written, correct and drop: %s", out
        )
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
        if name == "export":  # subcommands official-tables, situation (issue 17)
            from pipelines.exports.cli_official import add_official_parsers

            add_official_parsers(e)


# --- dashboard access: local users and the launcher (docs/access.md) ------------------------------


def _read_password() -> str:
    """From a prompt (asked twice) on a terminal, else the first line of stdin; never argv."""
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / repeat: ") != first:
            raise ValueError("两次输入的密码不一致 / the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from dashboards import users

    path = Path(args.file).resolve() if args.file else users.users_path()
    try:
        if args.users_command == "add":
            out = users.add_user(args.name, args.role, _read_password(), path, replace=args.replace)
            logging.info("已写入用户 / user written: %s (%s) -> %s", args.name, args.role, out)
        elif args.users_command == "remove":
            out = users.remove_user(args.name, path)
            logging.info("已删除用户 / user removed: %s -> %s", args.name, out)
        else:
            for u in users.load_users(path).values():
                print(f"{u.name}\t{u.role}\t{u.created_at}")
    except (ValueError, users.UsersFileError) as exc:
        logging.error("%s", exc)
        return 2
    return 0


def exec_streamlit(argv: list[str]) -> None:  # replaced in tests
    os.execv(sys.executable, argv)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the dashboard; refuse (exit 2) off loopback without a sign-in configuration."""
    from dashboards import access

    cfg = access.auth_config_from(access.auth_section_from_files())
    refusal = access.serve_refusal(args.address, cfg)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    os.chdir(access.ROOT)
    exec_streamlit(
        [
            sys.executable, "-m", "streamlit", "run", "dashboards/app.py",
            "--server.address", args.address,
            "--server.port", str(args.port),
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            *(["--browser.serverAddress", args.server_name] if args.server_name else []),
        ]
    )  # fmt: skip
    return 0


def _add_access_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    u = sub.add_parser("users", help="local dashboard users (argon2id hashes) / 仪表盘本地用户")
    u.add_argument("--file", help="user file (default: SAFETY_USERS or .streamlit/users.toml)")
    usub = u.add_subparsers(dest="users_command", required=True)
    add = usub.add_parser("add", help="add a user; the password is read from a prompt or stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["leadership", "analyst", "statistician"])
    add.add_argument("--replace", action="store_true", help="replace an existing user's role and password")
    rm = usub.add_parser("remove", help="remove a user")
    rm.add_argument("name")
    usub.add_parser("list", help="list users and roles (no hashes)")
    u.set_defaults(func=cmd_users)

    v = sub.add_parser("serve", help="serve the dashboard (refuses off loopback without sign-in)")
    v.add_argument("--address", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    v.add_argument("--port", type=int, default=8501)
    v.add_argument(
        "--server-name",
        help="host name users open (browser.serverAddress); set it when listening on 0.0.0.0, else "
        "Streamlit looks up this machine's external IP on the internet",
    )
    v.set_defaults(func=cmd_serve)


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
    r.add_argument(
        "--rebuild",
        action="store_true",
        help="when the warehouse file is damaged: move it aside and rebuild it from the raw drop "
        "(a full refresh) / 数据仓库文件损坏时:移到一旁并从原始数据全量重建",
    )
    r.set_defaults(func=cmd_refresh)

    q = sub.add_parser("indicators", help="print indicator values as CSV or JSON")
    q.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    q.add_argument("--region", action="append", help="region code or Chinese name (repeatable)")
    q.add_argument("--indicator", action="append", help="indicator code (repeatable)")
    q.add_argument(
        "--period-type",
        action="append",
        choices=["month", "quarter", "ytd", "year", "plan_period"],
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

    from pipelines import sandbox as sb

    s = sub.add_parser(
        "sql",
        help="run one read-only SQL query on the serving copy in a sealed child process, print CSV "
        "(docs/sql_sandbox.md)",
    )
    s.add_argument("query")
    s.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    s.add_argument(
        "--max-rows",
        type=_bounded(int, 1, sb.MAX_ROWS_LIMIT, "行数上限 --max-rows", "--max-rows"),
        default=sb.DEFAULT_MAX_ROWS,
        help=f"rows printed at most, 1..{sb.MAX_ROWS_LIMIT} (default {sb.DEFAULT_MAX_ROWS})",
    )
    s.add_argument(
        "--timeout",
        type=_bounded(float, 0, sb.MAX_TIMEOUT_S, "时间上限 --timeout", "--timeout"),
        default=sb.DEFAULT_TIMEOUT_S,
        help=f"seconds, above 0 and at most {sb.MAX_TIMEOUT_S:g} (default {sb.DEFAULT_TIMEOUT_S:g}); "
        f"the query process is killed {sb.GRACE_S:g} s after it",
    )
    s.add_argument(
        "--max-mib",
        type=_bounded(int, 1, sb.MAX_BYTES_LIMIT // 1024**2, "结果大小上限 --max-mib", "--max-mib"),
        default=sb.DEFAULT_MAX_BYTES // 1024**2,
        help=f"MiB of result read at most, 1..{sb.MAX_BYTES_LIMIT // 1024**2} "
        f"(default {sb.DEFAULT_MAX_BYTES // 1024**2})",
    )
    s.set_defaults(func=cmd_sql)

    _add_export_parsers(sub)
    _add_access_parsers(sub)
    from pipelines.check import add_check_parser  # `check FILE`: 审核 before submission (docs/check.md)

    add_check_parser(sub)
    j = sub.add_parser(
        "rejects",
        help="list quarantined rows per file, or --export them in the contract layout to correct and "
        "drop again as a new file",
    )
    j.add_argument("--export", help="CSV to write (one per source: _<source> added when several)")
    j.add_argument("--source", help="only this source (accidents, fires …)")
    j.add_argument("--file", help="only this file (path inside the raw drop, as in quality.rejects)")
    j.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    j.set_defaults(func=cmd_rejects)

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
