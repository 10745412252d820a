"""The 全国 benchmark: national annual values from the public layer's serving copy (raw/public,
公开数据 — real published figures), shown beside a region's own series.

The public layer is a separate warehouse (never mixed with the sample, whose 全国 is synthetic);
its serving copy is read like the main one (dashboards.data: one read-only connection per file
token, queries cached on plain parameters). When the file is absent every function returns
nothing, so the dashboard works unchanged without it.

The marts keep no per-row citation (the report's `source` column stops in staging), so the
caption cites raw/public/SOURCES.md instead.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards import data

NATIONAL = "000000"
COLUMNS = ["year", "value", "unit", "unit_en", "numerator", "denominator", "released_on"]


def public_file() -> Path:
    from pipelines.settings import public_serving_path

    return public_serving_path()


def token() -> str | None:
    """'path|mtime_ns' of the public serving copy, or None when it has not been built."""
    return data.db_token(public_file())


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def national_annual(public_db: str | None, indicator: str) -> pd.DataFrame:
    """Annual 全国 values of `indicator` in the public layer, by year; empty when there are none
    or the copy is absent or unreadable (a benchmark never breaks the page it sits on)."""
    if public_db is None:
        return pd.DataFrame(columns=COLUMNS)
    try:
        return data._query(
            public_db,
            f"""
            SELECT {", ".join(COLUMNS)} FROM marts.fct_indicator_values
            WHERE region_code = ? AND indicator_code = ? AND period_type = 'year'
              AND value IS NOT NULL
            ORDER BY year
            """,
            [NATIONAL, indicator],
        )
    except duckdb.Error:
        return pd.DataFrame(columns=COLUMNS)


def comparable(series: pd.DataFrame, region: str) -> bool:
    """Whether the 全国 series belongs beside `series` (one region × indicator): a rate always,
    a count only on 全国 itself — a national count beside a county's would only flatten it."""
    if region == NATIONAL:
        return True
    kinds = set(series.get("indicator_kind", pd.Series(dtype=object)).dropna())
    return kinds == {"rate"}


def for_series(public_db: str | None, series: pd.DataFrame, region: str, indicator: str) -> pd.DataFrame:
    """The benchmark to draw beside `series`: national_annual, or empty when not comparable."""
    if not comparable(series, region):
        return pd.DataFrame(columns=COLUMNS)
    return national_annual(public_db, indicator)


def caption(db: str, lang: str) -> str:
    """The note under a chart carrying the benchmark; it says the sample is synthetic when the
    main serving copy is the sample (meta.refresh.is_sample)."""
    from dashboards.i18n import t

    info = data.refresh_info(db) or {}
    return t("public_benchmark_caption" if info.get("is_sample") else "public_benchmark_caption_real", lang)
