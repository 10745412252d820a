"""Report periods of the official tables and the monthly text, and their mart rows.

A period is a month ('2023M07'), a 1–N月累计 ('2023M01-07'), a quarter ('2023Q3') or a year
('2023'). The rows behind it follow the shared interface of issue 17 for
`marts.fct_indicator_values`: a month is `period_type='month'` and period '2023M07'; a 1–N月累计
is `period_type='ytd' AND year=Y AND month=N` (its period code is 'YYYYQn' at quarter ends and
'YYYYMmm' otherwise). Before the mart has a `month` column, a 1–N月累计 at a quarter end is found
by its quarter code and other months have no rows.

Every figure is read, never recomputed: 去年同期 = `yoy_base_value`, 同比 = `yoy_pct`,
环比 = `mom_pct` (a column the mart may not have yet: read as null).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from pipelines.exports.report_data import ExportError

MONTH_RE = re.compile(r"^(\d{4})M(\d{1,2})$")
YTD_RE = re.compile(r"^(\d{4})M0?1-(\d{1,2})$")
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
YEAR_RE = re.compile(r"^(\d{4})$")

# Columns read from fct_indicator_values; any the serving copy lacks is read as null.
VALUE_FIELDS = (
    "region_code",
    "indicator_code",
    "value",
    "unit",
    "yoy_base_value",
    "yoy_abs",
    "yoy_pct",
    "yoy_break",
    "break_note_zh",
    "mom_base_value",
    "mom_abs",
    "mom_pct",
    "completeness",
    "coverage_k",
    "coverage_n",
    "missing_units",
    "released_on",
)
BREAKDOWN_FIELDS = (
    "category_code",
    "category_name_zh",
    "measure_code",
    "value",
    "unit",
    "yoy_abs",
    "yoy_pct",
    "completeness",
    "coverage_k",
    "coverage_n",
)


@dataclass(frozen=True)
class ReportPeriod:
    """kind: 'month', 'ytd' (1–N月累计), 'quarter' or 'year'; `month` is the last month covered."""

    kind: str
    year: int
    month: int

    @property
    def code(self) -> str:
        if self.kind == "month":
            return f"{self.year}M{self.month:02d}"
        if self.kind == "ytd":
            return f"{self.year}M01-{self.month:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.month // 3}"
        return str(self.year)

    @property
    def label_zh(self) -> str:
        """'2023年7月', '2023年1-7月', '2023年第3季度', '2023年' (the bureaus write 1-7月)."""
        if self.kind == "month":
            return f"{self.year}年{self.month}月"
        if self.kind == "ytd":
            return f"{self.year}年1-{self.month}月" if self.month > 1 else f"{self.year}年1月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.month // 3}季度"
        return f"{self.year}年"

    @property
    def label_en(self) -> str:
        names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        if self.kind == "month":
            return f"{names[self.month - 1]} {self.year}"
        if self.kind == "ytd":
            return f"Jan–{names[self.month - 1]} {self.year}"
        if self.kind == "quarter":
            return f"Q{self.month // 3} {self.year}"
        return str(self.year)

    def months(self) -> tuple[int, int]:
        """(first, last) month covered."""
        if self.kind == "month":
            return self.month, self.month
        if self.kind == "quarter":
            return self.month - 2, self.month
        return 1, self.month


def parse_period(text: str) -> ReportPeriod:
    s = text.strip().upper()
    for regex, kind in ((MONTH_RE, "month"), (YTD_RE, "ytd")):
        m = regex.match(s)
        if m and 1 <= int(m.group(2)) <= 12:
            return ReportPeriod(kind, int(m.group(1)), int(m.group(2)))
    m = QUARTER_RE.match(s)
    if m:
        return ReportPeriod("quarter", int(m.group(1)), 3 * int(m.group(2)))
    m = YEAR_RE.match(s)
    if m:
        return ReportPeriod("year", int(m.group(1)), 12)
    raise ExportError(
        f"报告期格式应为月份(2023M07)、1-N月累计(2023M01-07)、季度(2023Q3)或年度(2023),收到 {text!r} / "
        f"period must be a month (2023M07), a Jan–N total (2023M01-07), a quarter (2023Q3) or a year "
        f"(2023), got {text!r}"
    )


def parse_month(text: str) -> ReportPeriod:
    period = parse_period(text)
    if period.kind != "month":
        raise ExportError(f"月份格式应为 2023M07,收到 {text!r} / month must look like 2023M07, got {text!r}")
    return period


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    finally:
        cur.close()
    return {str(r[0]) for r in rows}


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.cursor()
    try:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        cur.close()


def _select(fields: tuple[str, ...], have: set[str]) -> str:
    return ", ".join(f if f in have else f"NULL AS {f}" for f in fields)


def value_filter(period: ReportPeriod, have: set[str]) -> tuple[str, list[Any]] | None:
    """WHERE clause of the fct_indicator_values rows of `period`; None when the mart cannot hold
    them (a 1–N月累计 off a quarter end before the mart has months)."""
    if period.kind == "month":
        return "period_type = 'month' AND period = ?", [period.code]
    if period.kind == "ytd":
        if "month" in have:
            return "period_type = 'ytd' AND year = ? AND month = ?", [period.year, period.month]
        if period.month % 3:
            return None
        return "period_type = 'ytd' AND period = ?", [f"{period.year}Q{period.month // 3}"]
    if period.kind == "quarter":
        return "period_type = 'quarter' AND period = ?", [period.code]
    return "period_type = 'year' AND period = ?", [period.code]


def breakdown_key(period: ReportPeriod) -> tuple[str, str]:
    """(period_type, period) of fct_breakdowns rows, in the same period codes as the values."""
    if period.kind == "month":
        return "month", period.code
    if period.kind == "ytd":
        code = (
            f"{period.year}Q{period.month // 3}"
            if period.month % 3 == 0
            else f"{period.year}M{period.month:02d}"
        )
        return "ytd", code
    if period.kind == "quarter":
        return "quarter", period.code
    return "year", period.code


def indicator_values(
    con: duckdb.DuckDBPyConnection, regions: list[str], indicators: list[str], period: ReportPeriod
) -> dict[tuple[str, str], dict[str, Any]]:
    """(region_code, indicator_code) -> the mart row of `period` (VALUE_FIELDS)."""
    have = columns_of(con, "marts", "fct_indicator_values")
    where = value_filter(period, have)
    if where is None or not regions or not indicators:
        return {}
    clause, params = where
    rows = fetch(
        con,
        f"SELECT {_select(VALUE_FIELDS, have)} FROM marts.fct_indicator_values "
        f"WHERE region_code IN (SELECT unnest(?)) AND indicator_code IN (SELECT unnest(?)) AND {clause}",
        [regions, indicators, *params],
    )
    return {(str(r["region_code"]), str(r["indicator_code"])): r for r in rows}


def breakdown_values(
    con: duckdb.DuckDBPyConnection,
    region: str,
    domain: str,
    breakdown: str,
    measures: list[str],
    period: ReportPeriod,
) -> list[dict[str, Any]]:
    """fct_breakdowns rows of one region and period, in category code order."""
    have = columns_of(con, "marts", "fct_breakdowns")
    if not have:
        return []
    period_type, code = breakdown_key(period)
    return fetch(
        con,
        f"SELECT {_select(BREAKDOWN_FIELDS, have)} FROM marts.fct_breakdowns WHERE region_code = ? "
        "AND domain = ? AND breakdown = ? AND measure_code IN (SELECT unnest(?)) AND period_type = ? "
        "AND period = ? ORDER BY category_code, measure_code",
        [region, domain, breakdown, measures, period_type, code],
    )


def latest_month(con: duckdb.DuckDBPyConnection, region: str, indicator: str = "ps_accidents") -> str | None:
    """The latest month with a month row of `region` ('2023M07'), or None."""
    rows = fetch(
        con,
        "SELECT max(period) AS p FROM marts.fct_indicator_values WHERE region_code = ? "
        "AND indicator_code = ? AND period_type = 'month'",
        [region, indicator],
    )
    return str(rows[0]["p"]) if rows and rows[0]["p"] else None


def months_available(
    con: duckdb.DuckDBPyConnection, region: str, indicator: str = "ps_accidents"
) -> list[str]:
    """The months with a month row of `region`, latest first."""
    rows = fetch(
        con,
        "SELECT DISTINCT period FROM marts.fct_indicator_values WHERE region_code = ? "
        "AND indicator_code = ? AND period_type = 'month' ORDER BY period DESC",
        [region, indicator],
    )
    return [str(r["period"]) for r in rows]
