"""安全生产形势 and 综合情况表 on the 数据导出 page: the monthly text of the sidebar's region and
month (pipelines/exports/monthly_situation.py), Chinese with English beneath, and the official
comprehensive tables of the sidebar's period as an Excel download (official_tables.py).

The month is the sidebar's: a month itself, the last month of a 1–N月累计 or of a year; without
one, the region's latest month in the serving copy.
"""

from __future__ import annotations

import re

import duckdb
import streamlit as st

from dashboards import data
from dashboards.i18n import t
from dashboards.state import Context
from pipelines.exports.month_periods import latest_month, parse_period
from pipelines.exports.monthly_situation import build_situation
from pipelines.exports.official_tables import build_workbook, load_tables
from pipelines.exports.report_data import ExportError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MONTH = re.compile(r"^(\d{4})M(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def month_of(period_type: str | None, period: str | None) -> str | None:
    """The month ('2023M07') a sidebar period ends with: month '2023M07', ytd '2023M07' or
    '2023Q3' (→ 2023M09), year '2023' (→ 2023M12); None otherwise."""
    if not period:
        return None
    if period_type in ("month", "ytd") and _MONTH.match(period):
        return period
    m = _QUARTER.match(period)
    if period_type in ("ytd", "quarter") and m:
        return f"{m.group(1)}M{3 * int(m.group(2)):02d}"
    if period_type == "year" and period.isdigit():
        return f"{period}M12"
    return None


def tables_period_of(period_type: str | None, period: str | None) -> str | None:
    """The official tables' period of a sidebar period: a month, a 1–N月累计 ('2023M01-07') or a year."""
    month = month_of(period_type, period)
    if period_type == "year" and period:
        return period
    if month is None:
        return None
    return month if period_type == "month" else f"{month[:4]}M01-{month[5:]}"


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def situation_texts(db: str, region: str, month: str) -> tuple[str, str, str] | None:
    """(month label, Chinese text, English text), or None without figures of that month."""
    con = data.cursor(db)
    try:
        s = build_situation(con, region, month)
    except (ExportError, duckdb.Error):
        return None
    finally:
        con.close()
    if not s.rows:
        return None
    return s.month.label_zh, s.text_zh, s.text_en


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def _latest_month(db: str, region: str) -> str | None:
    con = data.cursor(db)
    try:
        return latest_month(con, region)
    finally:
        con.close()


def render_situation(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("situation_title", lang))
    month = month_of(ctx.period_type, ctx.period) or _latest_month(ctx.db, ctx.region)
    texts = situation_texts(ctx.db, ctx.region, month) if month else None
    if texts is None:
        st.info(t("situation_unavailable", lang, region=ctx.region_name))
        return
    label, zh, en = texts
    st.caption(t("situation_intro", lang, region=ctx.region_name, month=label))
    with st.container(border=True, key="situation_text"):
        st.markdown(zh)
        st.caption(en)


def _tables_bytes(db: str, region: str, period: str) -> bytes:
    con = data.cursor(db)
    try:
        return build_workbook(load_tables(con, region, period))
    finally:
        con.close()


def official_tables_download(ctx: Context) -> None:
    lang = ctx.lang
    period = tables_period_of(ctx.period_type, ctx.period)
    if period is None:
        st.caption(t("official_tables_pick", lang))
        return
    db, region = ctx.db, ctx.region
    st.download_button(
        t("download_official_tables", lang),
        data=lambda: _tables_bytes(db, region, period),
        file_name=f"综合情况表_{region}_{period}.xlsx",
        mime=XLSX,
        key="official_tables",
        icon=":material/grid_on:",
        on_click="ignore",
    )
    label = parse_period(period).label_zh
    st.caption(t("official_tables_intro", lang, region=ctx.region_name, period=label))
