"""The 同比 of a GDP-based rate split into its numerator's part and GDP growth's part
(marts.fct_rate_decomposition, docs/methods.md), as the one-line note the domain pages print under
the rate: "同比 −7.4%:死亡人数 0.0 个百分点,GDP增长 −7.4 个百分点"."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.formatting import MINUS, format_pct_change, is_missing
from dashboards.i18n import t

# The numerator's name in the note, by indicator (the rates whose denominator is GDP).
PARTS = {"ps_deaths_per_100m_gdp": "decomp_part_deaths", "nd_loss_pct_gdp": "decomp_part_loss"}


def format_pp(value: Any) -> str:
    """Percentage points to one decimal with a true minus sign: −7.4, 0.0, +19.2."""
    v = round(float(value), 1)
    if v == 0:
        return "0.0"
    return f"{'+' if v > 0 else MINUS}{abs(v):.1f}"


def decomposition_line(row: dict[str, Any], lang: str) -> str | None:
    """The note of one fct_rate_decomposition row; None when the split is null (zero or missing base)."""
    pct = row.get("rate_change_pct")
    num, den = row.get("numerator_contribution_pp"), row.get("denominator_contribution_pp")
    if is_missing(pct) or is_missing(num) or is_missing(den):
        return None
    part = t(PARTS.get(str(row.get("indicator_code")), "decomp_part_deaths"), lang)
    return t(
        "decomp_line", lang, pct=format_pct_change(pct), part=part, num=format_pp(num), den=format_pp(den)
    )


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def decomposition(db: str, region: str, period_type: str, period: str) -> pd.DataFrame:
    """The region's decomposition rows of one period; empty on a serving copy older than the mart."""
    try:
        return data._query(
            db,
            "SELECT * FROM marts.fct_rate_decomposition WHERE region_code = ? AND period_type = ? "
            "AND period = ? ORDER BY indicator_code",
            [region, period_type, period],
        )
    except duckdb.CatalogException:
        return pd.DataFrame()


def lines_for(df: pd.DataFrame, codes: list[str], names: dict[str, str], lang: str) -> list[str]:
    """'亿元GDP生产安全事故死亡率 · 同比 …' for each shown GDP rate with a split."""
    out = []
    for row in data.records(df):
        code = str(row.get("indicator_code"))
        line = decomposition_line(row, lang) if code in codes else None
        if line:
            out.append(f"{names.get(code, code)} · {line}")
    return out
