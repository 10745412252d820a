"""`safety-stats export official-tables` and `safety-stats export situation`.

Subcommands of `export`; `export --period … --region … --out …` without a subcommand still
writes the quarterly 综合报表 (its options are checked here instead of by argparse, since a
subcommand brings its own).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

QUARTERLY_OPTIONS = ("period", "region", "out")


def _serving(warehouse: str | None) -> duckdb.DuckDBPyConnection:
    from pipelines.query import connect_serving

    if warehouse:  # as pipelines.cli does: the serving copy beside the named warehouse
        os.environ["SAFETY_WAREHOUSE"] = str(Path(warehouse).resolve())
        os.environ.pop("SAFETY_SERVING", None)
    return connect_serving()


def cmd_official_tables(args: argparse.Namespace) -> int:
    from pipelines.exports.official_tables import load_tables, write_workbook
    from pipelines.exports.report_data import ExportError

    con = _serving(args.warehouse)
    try:
        tables = load_tables(con, args.region, args.period)
    except ExportError as exc:
        logging.error("%s", exc)
        return 2
    finally:
        con.close()
    out = write_workbook(tables, Path(args.out))
    logging.info("已写出综合情况表 / official tables written: %s", out)
    return 0


def cmd_situation(args: argparse.Namespace) -> int:
    from pipelines.exports.monthly_situation import build_situation
    from pipelines.exports.report_data import ExportError

    con = _serving(args.warehouse)
    try:
        situation = build_situation(con, args.region, args.month)
    except ExportError as exc:
        logging.error("%s", exc)
        return 2
    finally:
        con.close()
    if args.lang in ("zh", "both"):
        print(situation.text_zh)
    if args.lang in ("en", "both"):
        print(situation.text_en)
    return 0


def add_official_parsers(export: argparse.ArgumentParser) -> None:
    """Add the two subcommands to the `export` parser, keeping its own form working."""
    quarterly: Callable[[argparse.Namespace], int] = export.get_default("func")
    for action in export._actions:
        if action.dest in QUARTERLY_OPTIONS:
            action.required = False

    def export_quarterly(args: argparse.Namespace) -> int:
        missing = [f"--{name}" for name in QUARTERLY_OPTIONS if not getattr(args, name, None)]
        if missing:
            print(
                f"safety-stats export: 缺少参数 / required: {', '.join(missing)} "
                "(或子命令 / or a subcommand: official-tables, situation)",
                file=sys.stderr,
            )
            return 2
        return quarterly(args)

    export.set_defaults(func=export_quarterly)
    sub = export.add_subparsers(dest="export_command", metavar="{official-tables,situation}")
    t = sub.add_parser(
        "official-tables",
        help="综合情况表: the official comprehensive tables of a region and period (Excel)",
    )
    t.add_argument("--region", required=True, help="region code or Chinese name, e.g. 440100")
    t.add_argument(
        "--period",
        required=True,
        help="month 2023M07, 1–N月累计 2023M01-07, quarter 2023Q3 or year 2023",
    )
    t.add_argument("--out", required=True, help="output file, e.g. tables.xlsx")
    t.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    t.set_defaults(func=cmd_official_tables)
    s = sub.add_parser("situation", help="安全生产形势: the monthly situation text of a region and month")
    s.add_argument("--region", required=True, help="region code or Chinese name, e.g. 440100")
    s.add_argument("--month", required=True, help="month, e.g. 2023M07")
    s.add_argument("--lang", choices=("zh", "en", "both"), default="both", help="language(s) printed")
    s.add_argument("--warehouse", help="warehouse DuckDB file; its published serving copy is read")
    s.set_defaults(func=cmd_situation)
