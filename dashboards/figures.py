"""Cached figures: the pure builders of dashboards.charts applied to cached query results.

Building a plotly figure with many subplots costs more than the query behind it, so the
finished figures are cached too, keyed on the same plain parameters as the queries.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, data, public_benchmark
from dashboards.cards import primary_targets


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=512)
def plan_trend(db: str, region: str, indicator: str, lang: str, public_db: str | None = None) -> go.Figure:
    """`public_db`: token of the public layer's serving copy, whose 全国 series is drawn beside."""
    series = data.indicator_series(db, region, indicator)
    target = primary_targets(data.plan_progress(db, region)).get(indicator)
    fig = charts.plan_trend_figure(series, target, lang=lang, plan=data.current_plan(db))
    charts.add_public_benchmark(fig, public_benchmark.for_series(public_db, series, region, indicator), lang)
    return fig


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=256)
def domain_trends(db: str, region: str, codes: tuple[str, ...], lang: str, prev5: bool) -> go.Figure:
    annual = data.annual_series(db, region)
    return charts.small_multiples(annual, list(codes), lang=lang, show_prev5=prev5)


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=256)
def grades(db: str, region: str, lang: str) -> go.Figure:
    return charts.grade_figure(data.annual_series(db, region), lang=lang)


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=256)
def quarters(db: str, region: str, year: int, codes: tuple[str, ...], lang: str) -> go.Figure:
    return charts.quarter_bars(data.quarter_values(db, region, year), list(codes), lang=lang)


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=256)
def breakdown(
    db: str,
    region: str,
    period_type: str,
    period: str,
    domain: str,
    breakdown: str,
    measures: tuple[str, ...],
    lang: str,
    order: tuple[str, ...] | None = None,
) -> go.Figure:
    df = data.breakdown(db, region, period_type, period, domain, breakdown)
    return charts.breakdown_figure(df, list(measures), lang=lang, order=order, vertical=breakdown == "month")
