"""The figures of one reporting region and quarter, read from the serving copy (read-only).

Everything the workbook and the brief print comes from here, straight from
`marts.fct_indicator_values` (values, 上年同期 = `yoy_base_value`, 同比 = `yoy_pct`, completeness,
breaks, vintage), `marts.fct_plan_progress`, `marts.dim_regions`, `marts.dim_indicators` and
`meta.refresh`. Nothing is recomputed, so every printed number traces back to one mart row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines.exports.denominators import STATUS_COLUMN, with_status

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")
BLOCKS = ("quarter", "ytd")  # the two column blocks: 本季度 and 1–N月累计


def block_rows(year: int, quarter: int) -> dict[str, tuple[str, str]]:
    """(period_type, period) of the mart rows behind each block.

    1–N月累计 is the `ytd` row, except at Q4 where 1–12月累计 is the full year: the `year` row,
    which equals the Q4 YTD where records are complete and carries the region's published annual
    total (report tables) where records are partial or absent.
    """
    ytd = ("year", str(year)) if quarter == 4 else ("ytd", f"{year}Q{quarter}")
    return {"quarter": ("quarter", f"{year}Q{quarter}"), "ytd": ytd}


# Columns of fct_indicator_values carried into the exports (an explicit list: the workbook's long
# table must not change shape when the mart gains columns).
VALUE_COLUMNS = [
    "region_code",
    "region_name_zh",
    "indicator_code",
    "indicator_name_zh",
    "period_type",
    "period",
    "period_label_zh",
    "value",
    "unit",
    "numerator",
    "denominator",
    "numerator_measure",
    "denominator_measure",
    "denominator_year",
    "denominator_basis",
    "yoy_base_value",
    "yoy_abs",
    "yoy_pct",
    "yoy_signal",
    "yoy_p_value",
    "completeness",
    "coverage_k",
    "coverage_n",
    "missing_submissions",
    "missing_units",
    "value_source",
    "break_flag",
    "yoy_break",
    "break_note_zh",
    "released_on",
]

# The long table's columns: VALUE_COLUMNS and the denominator flag computed from them
# (pipelines/exports/denominators.py: another year's or an estimated denominator, a closed year
# carried without a denominator of its own).
EXPORT_COLUMNS = [*VALUE_COLUMNS, STATUS_COLUMN]

PLAN_COLUMNS = [
    "target_id",
    "plan_zh",
    "plan_period",
    "indicator_zh",
    "indicator_code",
    "unit",
    "binding",
    "target_kind",
    "aggregation",
    "baseline_year",
    "baseline_used",
    "target_year",
    "target_value",
    "target_abs",
    "current_year",
    "current_value",
    "path_value",
    "status",
    "status_rule_zh",
]


class ExportError(Exception):
    """A request the serving copy cannot answer (bad period or region): message in zh and en."""


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    level: str


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    kind: str  # count or rate
    unit: str
    formula_zh: str
    display_order: int


@dataclass
class QuarterReport:
    """One reporting region and quarter: its own row (合计) first, then its children by code."""

    region: Region
    year: int
    quarter: int
    rows: list[Region]
    headline: list[Indicator]
    # (region_code, indicator_code, block) -> the mart row (VALUE_COLUMNS); block 'quarter' or
    # 'ytd' (whose row is period_type 'year' at Q4, see block_rows)
    values: dict[tuple[str, str, str], dict[str, Any]]
    # completeness of the same period a year earlier (is the 上年同期 itself a partial figure?)
    base_completeness: dict[tuple[str, str, str], str]
    plan: list[dict[str, Any]]
    is_sample: bool | None
    published_at: dt.datetime | None
    serving_path: str
    all_indicators: list[Indicator] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"

    def value(self, region: str, indicator: str, block: str) -> dict[str, Any] | None:
        return self.values.get((region, indicator, block))

    def long_rows(self) -> list[dict[str, Any]]:
        """Every value of the report's regions, all indicators, quarter and YTD (the analysts' sheet)."""
        order = {r.code: i for i, r in enumerate(self.rows)}
        ind = {i.code: (i.display_order, i.code) for i in self.all_indicators}
        return [
            row
            for _, row in sorted(
                self.values.items(),
                key=lambda kv: (
                    order.get(kv[0][0], 999),
                    ind.get(kv[0][1], (9999, kv[0][1])),
                    BLOCKS.index(kv[0][2]),
                ),
            )
        ]

    def vintage(self) -> dt.date | None:
        """Latest release date among the values the report prints (数据版本)."""
        dates = [
            v["released_on"]
            for (_, code, _), v in self.values.items()
            if v.get("released_on") is not None and code in {i.code for i in self.headline}
        ]
        return max(dates) if dates else None


def quarter_for(period_type: str | None, period: str | None) -> str | None:
    """The reporting quarter of a dashboard period: 'ytd' 2021Q3 -> 2021Q3, 'year' 2021 -> 2021Q4."""
    if not period:
        return None
    if period_type in ("ytd", "quarter") and PERIOD_RE.match(period):
        return period
    if period_type == "year" and period.isdigit():
        return f"{period}Q4"
    return None


def parse_period(period: str) -> tuple[int, int]:
    m = PERIOD_RE.match(period.strip())
    if not m:
        raise ExportError(
            f"报告期格式应为“年份Q季度”,例如 2021Q4,收到 {period!r} / "
            f"period must be a quarter such as 2021Q4, got {period!r}"
        )
    return int(m.group(1)), int(m.group(2))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.cursor()
    try:
        cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        cur.close()


def _resolve_region(con: duckdb.DuckDBPyConnection, region: str) -> Region:
    found = _rows(
        con,
        "SELECT region_code, name_zh, level FROM marts.dim_regions WHERE region_code = ? OR name_zh = ? "
        "ORDER BY region_code = ? DESC, valid_to NULLS FIRST, region_code",
        [region.strip(), region.strip(), region.strip()],
    )
    if len({r["region_code"] for r in found}) > 1 and found[0]["region_code"] != region.strip():
        codes = "、".join(str(r["region_code"]) for r in found)
        raise ExportError(
            f"地区名称 {region!r} 对应多个行政区划代码({codes}),请改用代码 / "
            f"region name {region!r} matches several codes ({codes}): give the code"
        )
    if not found:
        raise ExportError(
            f"服务库中没有地区 {region!r}(应为行政区划代码或中文名称)/ "
            f"region {region!r} is not in the serving copy (give a GB/T 2260 code or the Chinese name)"
        )
    r = found[0]
    return Region(str(r["region_code"]), str(r["name_zh"]), str(r["level"]))


def _children(con: duckdb.DuckDBPyConnection, parent: str, start: dt.date, end: dt.date) -> list[Region]:
    """Child regions valid at some time in the quarter, in code order (GB/T 2260 order)."""
    return [
        Region(str(r["region_code"]), str(r["name_zh"]), str(r["level"]))
        for r in _rows(
            con,
            "SELECT region_code, name_zh, level FROM marts.dim_regions WHERE parent_code = ? "
            "AND coalesce(valid_from, DATE '1900-01-01') <= ? AND coalesce(valid_to, DATE '9999-12-31') >= ? "
            "ORDER BY region_code",
            [parent, end, start],
        )
    ]


def _indicators(con: duckdb.DuckDBPyConnection) -> list[Indicator]:
    return [
        Indicator(
            code=str(r["indicator_code"]),
            name_zh=str(r["name_zh"]),
            kind=str(r["kind"]),
            unit=str(r["unit_zh"] or ""),
            formula_zh=str(r["formula_zh"] or ""),
            display_order=int(r["display_order"]),
        )
        for r in _rows(
            con,
            "SELECT indicator_code, name_zh, kind, unit_zh, formula_zh, display_order, headline "
            "FROM marts.dim_indicators ORDER BY display_order, indicator_code",
            [],
        )
    ]


def _headline_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        str(r["indicator_code"])
        for r in _rows(con, "SELECT indicator_code FROM marts.dim_indicators WHERE headline", [])
    }


def _meta(con: duckdb.DuckDBPyConnection) -> tuple[bool | None, dt.datetime | None]:
    present = _rows(
        con,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'meta' AND table_name = 'refresh'",
        [],
    )[0]["n"]
    if not present:
        return None, None
    row = _rows(con, "SELECT is_sample, published_at FROM meta.refresh LIMIT 1", [])
    if not row:
        return None, None
    return bool(row[0]["is_sample"]), row[0]["published_at"]


def load_quarter_report(con: duckdb.DuckDBPyConnection, period: str, region: str) -> QuarterReport:
    """The report of `region` (code or Chinese name) for `period` ('2021Q4'); ExportError when the
    serving copy has no such region or no quarter value for it."""
    year, quarter = parse_period(period)
    reg = _resolve_region(con, region)
    period = f"{year}Q{quarter}"
    have = _rows(
        con,
        "SELECT count(*) AS n FROM marts.fct_indicator_values WHERE region_code = ? AND period_type = 'quarter' "
        "AND period = ?",
        [reg.code, period],
    )[0]["n"]
    if not have:
        known = _rows(
            con,
            "SELECT min(period) AS first, max(period) AS last FROM marts.fct_indicator_values "
            "WHERE region_code = ? AND period_type = 'quarter'",
            [reg.code],
        )[0]
        span = f"{known['first']}–{known['last']}" if known["first"] else "无 / none"
        raise ExportError(
            f"服务库中没有 {reg.name_zh}({reg.code}){period} 的季度数据(已有:{span})/ "
            f"no quarterly values for {reg.code} in {period} in the serving copy (available: {span})"
        )
    start = dt.date(year, 3 * quarter - 2, 1)
    end = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
    rows = [reg, *_children(con, reg.code, start, end)]
    codes = [r.code for r in rows]

    cols = ", ".join(VALUE_COLUMNS)
    values: dict[tuple[str, str, str], dict[str, Any]] = {}
    base: dict[tuple[str, str, str], str] = {}
    for block, (period_type, row_period) in block_rows(year, quarter).items():
        for r in _rows(
            con,
            f"SELECT {cols} FROM marts.fct_indicator_values WHERE region_code IN (SELECT unnest(?)) "
            "AND period_type = ? AND period = ?",
            [codes, period_type, row_period],
        ):
            values[(str(r["region_code"]), str(r["indicator_code"]), block)] = with_status(r)
        _, base_period = block_rows(year - 1, quarter)[block]
        for r in _rows(
            con,
            "SELECT region_code, indicator_code, completeness FROM marts.fct_indicator_values "
            "WHERE region_code IN (SELECT unnest(?)) AND period_type = ? AND period = ?",
            [codes, period_type, base_period],
        ):
            base[(str(r["region_code"]), str(r["indicator_code"]), block)] = str(r["completeness"])
    plan = _rows(
        con,
        f"SELECT {', '.join(PLAN_COLUMNS)} FROM marts.fct_plan_progress WHERE region_code = ? ORDER BY target_id",
        [reg.code],
    )
    indicators = _indicators(con)
    headline_codes = _headline_codes(con)
    is_sample, published_at = _meta(con)
    db_path = _rows(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()", [])
    return QuarterReport(
        region=reg,
        year=year,
        quarter=quarter,
        rows=rows,
        # Counts first, then rates (as the 综合报表 prints them), each in registry display order.
        headline=sorted(
            (i for i in indicators if i.code in headline_codes),
            key=lambda i: (i.kind != "count", i.display_order),
        ),
        values=values,
        base_completeness=base,
        plan=plan,
        is_sample=is_sample,
        published_at=published_at,
        serving_path=str(db_path[0]["path"]) if db_path else "",
        all_indicators=indicators,
    )


def load_from_file(path: Path, period: str, region: str) -> QuarterReport:
    """Open the serving copy read-only, load the report, close."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return load_quarter_report(con, period, region)
    finally:
        con.close()
