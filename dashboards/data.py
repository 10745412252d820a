"""Read-only data access to the published serving copy.

Pattern (stack conventions §4, streamlit#8331 / #10615, duckdb#13498):
- one read-only DuckDB connection per published file, in `st.cache_resource`;
- every query runs on its own `con.cursor()` inside an `st.cache_data(ttl=...)` function whose
  parameters are all plain values (no `_`-prefixed filters, no connection argument);
- the first parameter `db` is a token "path|mtime_ns" of the serving file, so a refresh (an
  atomic swap of the file) changes the token and the next rerun reads the new copy.

Only pre-aggregated marts, quality and meta tables are read: never raw record tables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

TTL_SECONDS = 600
SERIES_FROM_YEAR = 2016

# Tables the dashboard reads; tests check that no query touches anything else.
READ_TABLES = (
    "marts.fct_indicator_values",
    "marts.fct_plan_progress",
    "marts.fct_plan_attainment",
    "marts.fct_plan_projection",
    "marts.dim_regions",
    "marts.dim_indicators",
    "marts.fct_reconciliation",
    "marts.fct_published_vintages",
    "marts.fct_breakdowns",
    "marts.dim_series_breaks",
    "marts.dim_measures",
    "marts.fct_submissions",
    "marts.fct_submission_rates",
    "marts.fct_source_freshness",
    "marts.fct_rate_decomposition",
    "marts.fct_standardised_rates",
    "quality.load_log",
    "quality.rejects",
    "quality.refreshes",
    "quality.indicator_changes",
    "quality.refresh_reports",
    "meta.refresh",
)


def serving_file() -> Path:
    from pipelines.settings import serving_path

    return serving_path()


def db_token(path: Path | None = None) -> str | None:
    """'path|mtime_ns' of the serving copy, or None when it has not been published yet."""
    p = path or serving_file()
    try:
        return f"{p}|{os.stat(p).st_mtime_ns}"
    except FileNotFoundError:
        return None


def open_serving(path: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving copy at `path` as it is NOW. Not
    `duckdb.connect(path)`: DuckDB hands a process the database it already has open at a path, so
    after a publish (an atomic rename onto the same path) a running dashboard would keep reading
    the replaced copy. A fresh in-memory database ATTACHing the path opens the new file."""
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS serving (READ_ONLY)", [path])
    con.execute("USE serving")
    return con


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(db: str) -> duckdb.DuckDBPyConnection:
    return open_serving(db.rsplit("|", 1)[0])


def cursor(db: str) -> duckdb.DuckDBPyConnection:
    """A cursor on the serving copy `db` (a cursor per query: connections are not thread-safe).
    A cursor does not inherit its connection's USE, so it is set again."""
    cur = _connection(db).cursor()
    cur.execute("USE serving")
    return cur


def _query(db: str, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    cur = cursor(db)
    try:
        df = cur.execute(sql, params or []).df()
    finally:
        cur.close()
    return _dates_as_dates(df)


def _dates_as_dates(df: pd.DataFrame) -> pd.DataFrame:
    """DuckDB DATE columns arrive as datetimes at midnight: show them as dates."""
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_datetime64_any_dtype(col) and not isinstance(col.dtype, pd.DatetimeTZDtype):
            nonnull = col.dropna()
            if not nonnull.empty and (nonnull == nonnull.dt.normalize()).all():
                df[c] = col.dt.date
    return df


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN/NaT/NA turned into None."""
    clean = df.astype(object).where(pd.notna(df), None)
    return [dict(r) for r in clean.to_dict(orient="records")]


# --------------------------------------------------------------------------------------- meta


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def tables(db: str) -> list[str]:
    df = _query(db, "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() ORDER BY 1")
    return [str(x) for x in df["t"]]


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def refresh_info(db: str) -> dict[str, Any] | None:
    if "meta.refresh" not in tables(db):
        return None
    rows = records(_query(db, "SELECT * FROM meta.refresh ORDER BY published_at DESC LIMIT 1"))
    return rows[0] if rows else None


# ------------------------------------------------------------------------------------ regions


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def regions(db: str) -> pd.DataFrame:
    """dim_regions with has_data (any indicator value) and has_plan (any plan target): one query
    for the whole registry (~3,200 codes of GB/T 2260), one row per code (a code kept with its
    history: the latest validity), name_en falling back to name_zh where the registry has none."""
    return _query(
        db,
        """
        WITH v AS (SELECT DISTINCT region_code FROM marts.fct_indicator_values),
             p AS (SELECT DISTINCT region_code FROM marts.fct_plan_progress),
             r AS (
                SELECT * FROM marts.dim_regions
                QUALIFY row_number() OVER (
                    PARTITION BY region_code ORDER BY valid_to DESC NULLS FIRST) = 1
             )
        SELECT r.region_code, r.name_zh,
               coalesce(nullif(trim(r.name_en), ''), r.name_zh) AS name_en,
               r.level, r.parent_code, r.n_children, r.valid_to IS NULL AS is_current,
               v.region_code IS NOT NULL AS has_data,
               p.region_code IS NOT NULL AS has_plan
        FROM r
        LEFT JOIN v ON r.region_code = v.region_code
        LEFT JOIN p ON r.region_code = p.region_code
        ORDER BY r.region_code
        """,
    )


def _month_column(db: str) -> str:
    """fct_indicator_values.month (issue 17's monthly periods), or NULL for a copy without it."""
    return "month" if has_column(db, "marts.fct_indicator_values", "month") else "CAST(NULL AS INTEGER)"


# Order of the period selector at one period end: the full year, 1–N月累计, then the month alone.
_PERIOD_RANK = "CASE period_type WHEN 'year' THEN 0 WHEN 'ytd' THEN 1 ELSE 2 END"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def periods(db: str, region: str) -> pd.DataFrame:
    """Reporting periods of a region, newest first: full years, 1–N月累计 (ytd, at quarter ends
    and, when the marts have months, at every month end) and single months."""
    return _query(
        db,
        f"""
        SELECT DISTINCT period_type, period, year, quarter, {_month_column(db)} AS month, period_end
        FROM marts.fct_indicator_values
        WHERE region_code = ? AND period_type IN ('ytd', 'year', 'month')
        ORDER BY period_end DESC, {_PERIOD_RANK}, period
        """,
        [region],
    )


# A period is complete for a region when every headline indicator row it has there is
# complete (fct_indicator_values.completeness: all reporting units of every child covered).
_COMPLETE_PERIODS = """
    SELECT region_code, any_value(region_level) AS region_level, period_type, period, period_end,
           count(*) AS n_headline
    FROM marts.fct_indicator_values
    WHERE headline AND period_type IN ('ytd', 'year') {where}
    GROUP BY region_code, period_type, period, period_end
    HAVING bool_and(completeness = 'complete')
"""


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def latest_complete_period(db: str, region: str) -> str | None:
    """'ytd:2026Q3' / 'ytd:2026M10' / 'year:2025': the newest 1–N月累计 or full year of `region`
    whose headline indicator rows are all complete (at one period end, 1–N月累计 before the year,
    as the selector's default always was); None when no period is complete."""
    df = _query(
        db,
        f"""
        SELECT period_type || ':' || period AS k FROM ({_COMPLETE_PERIODS.format(where="AND region_code = ?")})
        ORDER BY period_end DESC, period_type = 'year', period LIMIT 1
        """,
        [region],
    )
    return str(df["k"].iloc[0]) if not df.empty else None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def richest_region(db: str) -> str | None:
    """The region to open at when no home region is configured: the most headline indicators
    complete in one period, then the newest such period, then the highest level (全国 before a
    province, a city before its counties), then the code."""
    df = _query(
        db,
        f"""
        SELECT region_code FROM ({_COMPLETE_PERIODS.format(where="")})
        ORDER BY n_headline DESC, period_end DESC,
                 CASE region_level WHEN 'national' THEN 0 WHEN 'province' THEN 1
                                   WHEN 'city' THEN 2 ELSE 3 END,
                 region_code
        LIMIT 1
        """,
    )
    return str(df["region_code"].iloc[0]) if not df.empty else None


# --------------------------------------------------------------------------------- indicators


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def indicators(db: str) -> pd.DataFrame:
    return _query(db, "SELECT * FROM marts.dim_indicators ORDER BY display_order, indicator_code")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def values_for_period(db: str, region: str, period_type: str, period: str) -> pd.DataFrame:
    """Every indicator of a region for one period; for a YTD period also the full year's rows
    (used when an indicator has annual figures only)."""
    year = period[:4]
    return _query(
        db,
        """
        SELECT * FROM marts.fct_indicator_values
        WHERE region_code = ?
          AND ((period_type = ? AND period = ?) OR (period_type = 'year' AND period = ?))
        ORDER BY display_order, indicator_code, period_type
        """,
        [region, period_type, period, year],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def annual_series(db: str, region: str, from_year: int = SERIES_FROM_YEAR) -> pd.DataFrame:
    """Annual values of every indicator of a region (for sparklines and trends)."""
    return _query(
        db,
        """
        SELECT region_code, indicator_code, indicator_name_zh, indicator_name_en, indicator_kind,
               period_type, period, year, quarter, value, unit, unit_en, numerator, denominator,
               completeness, coverage_k, coverage_n, yoy_abs, yoy_pct, vs_prev5_mean_pct, prev5_mean,
               break_flag, yoy_break, break_note_zh, break_note_en, released_on, better, headline,
               display_order, value_source
        FROM marts.fct_indicator_values
        WHERE region_code = ? AND period_type = 'year' AND year >= ?
        ORDER BY display_order, year
        """,
        [region, from_year],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def indicator_series(db: str, region: str, indicator: str, from_year: int = SERIES_FROM_YEAR) -> pd.DataFrame:
    """All period types of one indicator in one region, from `from_year`."""
    return _query(
        db,
        """
        SELECT * FROM marts.fct_indicator_values
        WHERE region_code = ? AND indicator_code = ? AND year >= ?
        ORDER BY period_type, year, quarter
        """,
        [region, indicator, from_year],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def quarter_values(db: str, region: str, year: int) -> pd.DataFrame:
    """Quarterly (not cumulative) values of every indicator of a region in one year."""
    return _query(
        db,
        """
        SELECT indicator_code, indicator_name_zh, indicator_name_en, period, quarter, value, unit,
               unit_en, completeness, coverage_k, coverage_n, yoy_pct, released_on
        FROM marts.fct_indicator_values
        WHERE region_code = ? AND period_type = 'quarter' AND year = ?
        ORDER BY display_order, quarter
        """,
        [region, year],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def children_values(db: str, parent: str, indicator: str, period_type: str, period: str) -> pd.DataFrame:
    """One indicator for every child region of `parent` in one period, with the numerator's
    own count beside rates."""
    return _query(
        db,
        """
        SELECT r.region_code, r.name_zh AS region_name_zh, r.name_en AS region_name_en, r.level,
               r.n_children, v.indicator_code, v.indicator_name_zh, v.indicator_name_en,
               v.indicator_kind, v.period_type, v.period, v.value, v.unit, v.unit_en, v.numerator,
               v.denominator, v.numerator_measure, v.denominator_measure, v.yoy_base_value,
               v.yoy_abs, v.yoy_pct, v.vs_prev5_mean_pct, v.completeness, v.coverage_k,
               v.coverage_n, v.value_source, v.released_on, v.break_flag, v.better
        FROM marts.dim_regions AS r
        INNER JOIN marts.fct_indicator_values AS v
            ON v.region_code = r.region_code AND v.indicator_code = ?
            AND v.period_type = ? AND v.period = ?
        WHERE r.parent_code = ?
        ORDER BY v.value DESC NULLS LAST
        """,
        [indicator, period_type, period, parent],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def children_yoy_counts(db: str, parent: str, measure: str, period_type: str, period: str) -> pd.DataFrame:
    """The count indicator `measure` (a rate's numerator) for the children, with last year's
    value, so the rate's change can be judged against its counts."""
    return _query(
        db,
        """
        SELECT v.region_code, v.value AS count_value, v.yoy_base_value AS count_base
        FROM marts.fct_indicator_values AS v
        INNER JOIN marts.dim_regions AS r ON v.region_code = r.region_code
        WHERE r.parent_code = ? AND v.indicator_code = ? AND v.period_type = ? AND v.period = ?
        """,
        [parent, measure, period_type, period],
    )


# --------------------------------------------------------------------------------- breakdowns


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def breakdown(
    db: str, region: str, period_type: str, period: str, domain: str, breakdown: str
) -> pd.DataFrame:
    """One breakdown (sector, category, grade, month …) of a domain's measures for a region and
    period, from the pre-aggregated mart; empty when the serving copy predates it."""
    if "marts.fct_breakdowns" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        SELECT b.region_code, b.period_type, b.period, b.year, b.quarter, b.domain, b.breakdown,
               b.category_code, b.category_name_zh, b.category_name_en, b.measure_code,
               m.name_zh AS measure_name_zh, m.name_en AS measure_name_en, b.value, b.unit,
               b.completeness, b.coverage_k, b.coverage_n, b.n_records, b.yoy_abs, b.yoy_pct,
               b.released_on
        FROM marts.fct_breakdowns AS b
        LEFT JOIN marts.dim_measures AS m ON b.measure_code = m.measure_code
        WHERE b.region_code = ? AND b.period_type = ? AND b.period = ? AND b.domain = ?
          AND b.breakdown = ?
        ORDER BY b.measure_code, b.category_code
        """,
        [region, period_type, period, domain, breakdown],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def series_breaks(db: str) -> pd.DataFrame:
    """Registered series breaks (口径变化) per indicator and numerator measure."""
    if "marts.dim_series_breaks" not in tables(db):
        return pd.DataFrame(columns=["indicator_code", "measure_code", "effective_from", "restated_base"])
    return _query(db, "SELECT * FROM marts.dim_series_breaks ORDER BY effective_from, break_id")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def measures(db: str) -> pd.DataFrame:
    if "marts.dim_measures" not in tables(db):
        return pd.DataFrame(columns=["measure_code", "name_zh", "name_en", "unit", "dimension", "kind"])
    return _query(db, "SELECT * FROM marts.dim_measures ORDER BY measure_code")


def measure_units(db: str) -> dict[str, tuple[str, str]]:
    """(unit, English unit) of every measure, from dim_measures; the built-in denominator units
    when the serving copy predates it."""
    from dashboards.formatting import DENOMINATOR_UNITS, UNIT_EN

    units = dict(DENOMINATOR_UNITS)
    for r in records(measures(db)):
        code, unit = str(r["measure_code"]), str(r.get("unit") or "")
        if unit:
            units[code] = (unit, UNIT_EN.get(unit, units.get(code, (unit, unit))[1]))
    return units


# --------------------------------------------------------------------------------------- plan


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def plan_progress(db: str, region: str) -> pd.DataFrame:
    """Plan targets of a region, 约束性 first."""
    return _query(
        db,
        """
        SELECT p.*, i.display_order, i.headline
        FROM marts.fct_plan_progress AS p
        LEFT JOIN marts.dim_indicators AS i ON p.indicator_code = i.indicator_code
        WHERE p.region_code = ?
        ORDER BY CASE p.binding WHEN '约束性' THEN 0 WHEN '预期性' THEN 1 ELSE 2 END,
                 p.indicator_code IS NULL, coalesce(i.display_order, 999), p.target_id
        """,
        [region],
    )


# Seeds are not published (pipelines/publish.py copies marts, quality, meta): plan periods come through the mart.
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def current_plan(db: str) -> dict[str, Any] | None:
    """The latest five-year plan period of the registry (fyp_* of fct_plan_progress, from seed
    plan_periods): shaded on trend charts of indicators without a target of their own."""
    rows = records(
        _query(
            db,
            """
            SELECT fyp_period, fyp_name_zh, fyp_name_en, fyp_first_year, fyp_last_year
            FROM marts.fct_plan_progress WHERE fyp_period IS NOT NULL
            ORDER BY fyp_first_year DESC LIMIT 1
            """,
        )
    )
    return rows[0] if rows else None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def plan_registry(db: str) -> pd.DataFrame:
    return _query(
        db,
        """
        SELECT target_id, region_code, jurisdiction_zh, plan_zh, plan_period, indicator_zh,
               indicator_en, indicator_code, unit, binding, target_kind, aggregation, baseline_year,
               baseline_used, target_year, target_value, target_abs, status, source_quote,
               responsible_dept_zh
        FROM marts.fct_plan_progress
        ORDER BY region_code, target_id
        """,
    )


# ------------------------------------------------------------------------------------ quality


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def load_log(db: str) -> pd.DataFrame:
    if "quality.load_log" not in tables(db):
        return pd.DataFrame()
    return _query(db, "SELECT * FROM quality.load_log ORDER BY loaded_at DESC, source, file_path")


# A file's period: the one its name states (YYYYQn / YYYY) as the loader parsed it
# (quality.load_log.file_period, pipelines/ingest/loader.py file_period), else the load window.
_FILE_PERIOD_SQL = """
    coalesce(
        {file_period},
        CASE WHEN window_start IS NULL THEN '—'
             ELSE strftime(window_start, '%Y') || '–' || strftime(window_end, '%Y') END
    )
"""


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def has_column(db: str, table: str, column: str) -> bool:
    """Whether `schema.table` of the serving copy has `column` (a copy published before it existed
    has not)."""
    schema, name = table.split(".", 1)
    df = _query(
        db,
        "SELECT count(*) AS n FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_name = ?",
        [schema, name, column],
    )
    return bool(df["n"].iloc[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def load_summary(db: str) -> pd.DataFrame:
    """Latest load of every file, summarised per source and period (from the file name)."""
    if "quality.load_log" not in tables(db):
        return pd.DataFrame()
    # a serving copy published before the loader recorded file periods: the load window only
    period = _FILE_PERIOD_SQL.format(
        file_period="file_period" if has_column(db, "quality.load_log", "file_period") else "NULL"
    )
    return _query(
        db,
        f"""
        WITH latest AS (
            SELECT * FROM quality.load_log
            QUALIFY row_number() OVER (PARTITION BY source, file_path ORDER BY loaded_at DESC) = 1
        )
        SELECT source, {period} AS quarter, count(*) AS files,
               sum(rows_read) AS rows_read, sum(rows_accepted) AS rows_accepted,
               sum(rows_rejected) AS rows_rejected,
               count(*) FILTER (WHERE status <> 'loaded') AS files_not_loaded,
               max(loaded_at) AS loaded_at
        FROM latest GROUP BY ALL ORDER BY source, quarter
        """,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def file_changes(db: str) -> pd.DataFrame:
    """Each file's latest load against its previous one: new, changed (other hash) or unchanged."""
    if "quality.load_log" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY source, file_path ORDER BY loaded_at DESC) AS rn
            FROM quality.load_log
        )
        SELECT l.source, l.file_path, l.loaded_at, l.status, l.rows_accepted, l.rows_rejected,
               CASE WHEN p.file_path IS NULL THEN 'new'
                    WHEN p.file_sha256 IS DISTINCT FROM l.file_sha256 THEN 'changed'
                    ELSE 'unchanged' END AS change,
               p.loaded_at AS previous_loaded_at, p.rows_accepted AS previous_rows_accepted,
               l.message_zh, l.message_en
        FROM ranked AS l
        LEFT JOIN ranked AS p ON p.source = l.source AND p.file_path = l.file_path AND p.rn = 2
        WHERE l.rn = 1
        ORDER BY l.loaded_at DESC, l.source, l.file_path
        """,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def rejects(db: str, limit: int = 5000) -> pd.DataFrame:
    if "quality.rejects" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        "SELECT * FROM quality.rejects ORDER BY loaded_at DESC, file_path, row_number LIMIT ?",
        [limit],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def reject_reasons(db: str) -> pd.DataFrame:
    if "quality.rejects" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        SELECT source, coalesce(severity, 'error') AS severity, rule, column_name,
               any_value(message_zh) AS message_zh,
               any_value(message_en) AS message_en, count(*) AS n_rows,
               count(DISTINCT file_path) AS n_files
        FROM quality.rejects GROUP BY ALL ORDER BY n_rows DESC
        """,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def freshness(db: str) -> pd.DataFrame:
    """数据时效 per record source (marts.fct_source_freshness)."""
    if "marts.fct_source_freshness" not in tables(db):
        return pd.DataFrame()
    return _query(db, "SELECT * FROM marts.fct_source_freshness ORDER BY source")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def submission_rates(db: str, last_n: int = 8) -> pd.DataFrame:
    """报送率 / 及时率 per source for the last `last_n` quarters that have submissions due."""
    if "marts.fct_submission_rates" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        SELECT * FROM marts.fct_submission_rates
        WHERE year * 4 + quarter > (SELECT max(year * 4 + quarter) FROM marts.fct_submission_rates) - ?
        ORDER BY year DESC, quarter DESC, source
        """,
        [last_n],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def outstanding_submissions(db: str) -> pd.DataFrame:
    """Every missing or late submission (报送缺失 / 迟报), newest quarter first."""
    if "marts.fct_submissions" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        SELECT unit_id, unit_name_zh, unit_name_en, source, region_code, period, deadline, status,
               days_late, first_received_at, files
        FROM marts.fct_submissions WHERE status IN ('missing', 'late')
        ORDER BY year DESC, quarter DESC, status, unit_id
        """,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def refresh_reports(db: str) -> pd.DataFrame:
    """刷新报告 kept for every publication, newest first (quality.refresh_reports)."""
    if "quality.refresh_reports" not in tables(db):
        return pd.DataFrame()
    return _query(db, "SELECT * FROM quality.refresh_reports ORDER BY published_at DESC")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def refresh_history(db: str) -> pd.DataFrame:
    """Every publication (quality.refreshes), newest first."""
    if "quality.refreshes" not in tables(db):
        return pd.DataFrame()
    return _query(db, "SELECT * FROM quality.refreshes ORDER BY published_at DESC")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def value_changes(db: str, run_id: str, region: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """Indicator values that moved in one refresh (quality.indicator_changes), with names; for a
    region, the region and its children only."""
    if "quality.indicator_changes" not in tables(db):
        return pd.DataFrame()
    where = "AND (c.region_code = ? OR r.parent_code = ?)" if region else ""
    params: list[Any] = [run_id, *([region, region] if region else []), limit]
    return _query(
        db,
        f"""
        SELECT c.region_code, r.name_zh AS region_name_zh, r.name_en AS region_name_en,
               c.indicator_code, i.name_zh AS indicator_name_zh, i.name_en AS indicator_name_en,
               i.unit_zh AS unit, i.unit_en, c.period_type, c.period, c.change_kind,
               c.old_value, c.new_value, c.new_value - c.old_value AS difference,
               c.old_released_on, c.new_released_on
        FROM quality.indicator_changes AS c
        LEFT JOIN marts.dim_regions AS r ON c.region_code = r.region_code
        LEFT JOIN marts.dim_indicators AS i ON c.indicator_code = i.indicator_code
        WHERE c.run_id = ? {where}
        ORDER BY c.change_kind, i.display_order, c.region_code, c.period_type, c.period
        LIMIT ?
        """,
        params,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def value_change_summary(db: str, run_id: str) -> pd.DataFrame:
    """Counts of moved values per change kind and indicator in one refresh."""
    if "quality.indicator_changes" not in tables(db):
        return pd.DataFrame()
    return _query(
        db,
        """
        SELECT c.change_kind, c.indicator_code, any_value(i.name_zh) AS indicator_name_zh,
               any_value(i.name_en) AS indicator_name_en, count(*) AS n_values,
               count(DISTINCT c.region_code) AS n_regions
        FROM quality.indicator_changes AS c
        LEFT JOIN marts.dim_indicators AS i ON c.indicator_code = i.indicator_code
        WHERE c.run_id = ?
        GROUP BY ALL ORDER BY n_values DESC
        """,
        [run_id],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def reconciliation(db: str) -> pd.DataFrame:
    return _query(
        db,
        """
        SELECT c.*, r.name_zh AS region_name_zh, r.name_en AS region_name_en
        FROM marts.fct_reconciliation AS c
        LEFT JOIN marts.dim_regions AS r ON c.region_code = r.region_code
        ORDER BY c.status DESC, abs(c.difference) DESC NULLS LAST
        """,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def revisions(db: str, region: str | None = None) -> pd.DataFrame:
    """Superseded releases with the release that replaced them (old → new value)."""
    where = "AND o.region_code = ?" if region else ""
    return _query(
        db,
        f"""
        SELECT o.origin, o.region_code, r.name_zh AS region_name_zh, r.name_en AS region_name_en,
               o.period, o.measure_code, o.value AS old_value, o.released_on AS old_released_on,
               c.value AS new_value, c.released_on AS new_released_on, c.file_path AS new_file
        FROM marts.fct_published_vintages AS o
        INNER JOIN marts.fct_published_vintages AS c
            ON c.region_code = o.region_code AND c.period = o.period
            AND c.measure_code = o.measure_code AND c.is_current
        LEFT JOIN marts.dim_regions AS r ON o.region_code = r.region_code
        WHERE NOT o.is_current {where}
        ORDER BY c.released_on DESC, o.region_code, o.measure_code, o.period
        """,
        [region] if region else [],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def vintages(db: str, region: str) -> pd.DataFrame:
    return _query(
        db,
        """
        SELECT origin, region_code, period, measure_code, value, unit, value_as_published,
               unit_as_published, released_on, publication, file_path, is_current
        FROM marts.fct_published_vintages
        WHERE region_code = ?
        ORDER BY measure_code, period, released_on DESC
        """,
        [region],
    )


# ------------------------------------------------------------------------------------ exports

EXPORT_TABLES = {
    "fct_indicator_values": "marts.fct_indicator_values",
    "fct_plan_progress": "marts.fct_plan_progress",
    "fct_plan_attainment": "marts.fct_plan_attainment",
    "fct_plan_projection": "marts.fct_plan_projection",
    "dim_regions": "marts.dim_regions",
    "dim_indicators": "marts.dim_indicators",
    "fct_reconciliation": "marts.fct_reconciliation",
    "fct_published_vintages": "marts.fct_published_vintages",
    "fct_breakdowns": "marts.fct_breakdowns",
    "dim_series_breaks": "marts.dim_series_breaks",
    "dim_measures": "marts.dim_measures",
    "load_log": "quality.load_log",
    "rejects": "quality.rejects",
    "refreshes": "quality.refreshes",
    "indicator_changes": "quality.indicator_changes",
}


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=16)
def export_table(db: str, name: str, region: str | None) -> pd.DataFrame:
    """A published table, optionally limited to a region and its children."""
    table = EXPORT_TABLES[name]
    if table not in tables(db):
        return pd.DataFrame()
    cols = set(_query(db, f"SELECT * FROM {table} LIMIT 0").columns)
    if region and "region_code" in cols:
        return _query(
            db,
            f"""
            SELECT t.* FROM {table} AS t
            WHERE t.region_code = ? OR t.region_code IN (
                SELECT region_code FROM marts.dim_regions WHERE parent_code = ?)
            """,
            [region, region],
        )
    return _query(db, f"SELECT * FROM {table}")


# ------------------------------------------------------------------ honest statistics (issue 6)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def region_value(
    db: str, region: str, indicator: str, period_type: str, period: str
) -> dict[str, Any] | None:
    """One region's row (e.g. the parent of a drill-down, the centre of its funnel plot)."""
    df = _query(
        db,
        """
        SELECT * FROM marts.fct_indicator_values
        WHERE region_code = ? AND indicator_code = ? AND period_type = ? AND period = ?
        """,
        [region, indicator, period_type, period],
    )
    rows = records(df)
    return rows[0] if rows else None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def children_noise(db: str, parent: str, indicator: str, period_type: str, period: str) -> pd.DataFrame:
    """Intervals and the 同比 test of one indicator for the children of `parent`."""
    return _query(
        db,
        """
        SELECT v.region_code, v.ci_method, v.ci_low, v.ci_high, v.yoy_rate_ratio, v.yoy_rr_low,
               v.yoy_rr_high, v.yoy_p_value, v.yoy_signal
        FROM marts.fct_indicator_values AS v
        INNER JOIN marts.dim_regions AS r ON v.region_code = r.region_code
        WHERE r.parent_code = ? AND v.indicator_code = ? AND v.period_type = ? AND v.period = ?
        """,
        [parent, indicator, period_type, period],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def plan_attainment(db: str, region: str) -> pd.DataFrame:
    """Every assessment of the region's plan targets (target × data_through_year)."""
    return _query(
        db,
        """
        SELECT * FROM marts.fct_plan_attainment
        WHERE region_code = ?
        ORDER BY target_id, data_through_year
        """,
        [region],
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def plan_projection(db: str, target_id: str, data_through: int) -> pd.DataFrame:
    """The projection fan of one target made with the data through `data_through`."""
    return _query(
        db,
        """
        SELECT * FROM marts.fct_plan_projection
        WHERE target_id = ? AND data_through_year = ?
        ORDER BY year
        """,
        [target_id, data_through],
    )
