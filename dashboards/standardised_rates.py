"""工矿商贸死亡率:粗率与按行业构成标化率并列 / Crude and sector-mix standardised 工矿商贸 rates
side by side (marts.fct_standardised_rates, docs/methods.md §6), for the production-safety page."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.i18n import t

MART = "marts.fct_standardised_rates"


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def standardised_rates(db: str) -> pd.DataFrame:
    """Every region-year of the mart with the region's names; empty before the mart exists."""
    if MART not in data.tables(db):
        return pd.DataFrame()
    return data._query(
        db,
        f"""
        SELECT s.*, r.name_zh AS region_name_zh, r.name_en AS region_name_en
        FROM {MART} AS s
        LEFT JOIN marts.dim_regions AS r ON s.region_code = r.region_code
        ORDER BY s.standard_code, s.year, s.region_code
        """,
    )


def rate_with_interval(rate: Any, low: Any, high: Any) -> str:
    """'9.98 (8.97–11.14)'; '—' when there is no rate."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate:.2f} ({low:.2f}–{high:.2f})"


def side_by_side(df: pd.DataFrame, year: int, lang: str) -> pd.DataFrame:
    """One row per region of `year`: deaths, workers (万人 / 10k), crude and standardised rates
    with their 95% intervals, the standardisation's status."""
    rows = df[df["year"] == year]
    name = "region_name_zh" if lang == "zh" else "region_name_en"
    return pd.DataFrame(
        {
            t("std_region", lang): rows[name].fillna(rows["region_code"]).to_list(),
            t("std_deaths", lang): rows["deaths"].to_list(),
            t("std_workers", lang): [None if pd.isna(w) else round(w / 1e4, 2) for w in rows["workers"]],
            t("std_crude", lang): [
                rate_with_interval(r, lo, hi)
                for r, lo, hi in zip(
                    rows["crude_rate"], rows["crude_ci_low"], rows["crude_ci_high"], strict=True
                )
            ],
            t("std_standardised", lang): [
                rate_with_interval(r, lo, hi)
                for r, lo, hi in zip(
                    rows["standardised_rate"],
                    rows["standardised_ci_low"],
                    rows["standardised_ci_high"],
                    strict=True,
                )
            ],
            t("std_status", lang): [t(f"std_status_{s}", lang) for s in rows["standardisation_status"]],
        }
    )


def render(db: str, year: int | None, lang: str) -> None:
    """The section under the production-safety page: the latest year up to the selected one."""
    df = standardised_rates(db)
    if df.empty:
        return
    df = df[df["standard_code"] == df["standard_code"].iloc[0]]  # one standard shown
    years = sorted({int(y) for y in df["year"] if year is None or int(y) <= year})
    if not years:
        return
    shown = years[-1]
    st.subheader(t("std_heading", lang, year=shown))
    table = side_by_side(df, shown, lang)
    components.table(table, lang, name=f"standardised_rates_{shown}", key="std_table")
    first = df.iloc[0]
    standard = first["standard_name_zh"] if lang == "zh" else first["standard_name_en"]
    st.caption(t("std_note", lang, standard=standard))
    components.source_caption(lang, [MART])
