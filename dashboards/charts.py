"""Plotly figure builders. Pure: data frames in, figures out; no Streamlit, no database.

Every builder takes `lang` and formats numbers with dashboards.formatting so that hover texts
and labels follow the same Chinese conventions as the cards.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.formatting import (
    UNIT_EN,
    format_pct_change,
    format_signed,
    format_value,
    is_missing,
    num,
    partial_label,
)
from dashboards.i18n import STATUS_HEX, t
from pipelines.lib import poisson, proportions
from pipelines.lib.plan_statuses import plan_statuses, status_label

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
COLOR_MAIN = "#1f4e79"
COLOR_QUARTER = "#7fa7d1"
COLOR_TARGET = "#cf222e"
COLOR_PATH = "#d97706"
COLOR_BASELINE = "#6e7781"
COLOR_GOOD = "#1a7f37"
COLOR_BAD = "#cf222e"
COLOR_NEUTRAL = "#8b949e"


def plotly_config(filename: str) -> dict[str, Any]:
    """Modebar with a PNG download (the 'camera' button) named after the chart."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def _layout(fig: go.Figure, title: str | None, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}} if title else None,
        font={"family": FONT_FAMILY, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        separators=".,",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False, linecolor="#d0d7de")
    # no SI suffixes (15k, 1.3G): Chinese readers expect 万/亿, which the builders put in the unit
    fig.update_yaxes(
        gridcolor="#eaeef2",
        zerolinecolor="#d0d7de",
        rangemode="tozero",
        exponentformat="none",
        separatethousands=True,
    )
    return fig


def _year_x(year: int) -> dt.date:
    return dt.date(int(year), 7, 1)


def _quarter_x(year: int, quarter: int) -> dt.date:
    return dt.date(int(year), 3 * int(quarter) - 1, 15)


def _hover_value(row: dict[str, Any], lang: str) -> str:
    text = format_value(row.get("value"), row.get("unit"), lang, row.get("unit_en"))
    if row.get("completeness") == "partial":
        text = f"{partial_label(row.get('coverage_k'), row.get('coverage_n'), lang)} {text}"
    yoy = row.get("yoy_pct")
    if not is_missing(yoy):
        text += f"<br>{t('yoy', lang)} {format_pct_change(yoy)}"
    return text


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    clean = df.astype(object).where(pd.notna(df), None)
    return [dict(r) for r in clean.to_dict(orient="records")]


@dataclass(frozen=True)
class PlanBand:
    """A five-year plan period to shade (fct_plan_progress fyp_* columns, from seed plan_periods)."""

    first_year: int
    last_year: int
    name_zh: str
    name_en: str


def plan_band(target: dict[str, Any] | None, plan: dict[str, Any] | None = None) -> PlanBand | None:
    """The target's five-year plan period, else `plan` (the registry's current one), else None."""
    for source in (target, plan):
        if (
            source
            and not is_missing(source.get("fyp_first_year"))
            and not is_missing(source.get("fyp_last_year"))
        ):
            return PlanBand(
                int(source["fyp_first_year"]),
                int(source["fyp_last_year"]),
                str(source.get("fyp_name_zh") or ""),
                str(source.get("fyp_name_en") or ""),
            )
    return None


def _int_or_none(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def _trend_grid(has_q: bool) -> go.Figure:
    """Annual panel on top; a quarterly panel below when there are quarterly values."""
    return make_subplots(
        rows=2 if has_q else 1,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.68, 0.32] if has_q else [1.0],
        vertical_spacing=0.06,
    )


def _add_plan_band(fig: go.Figure, band: PlanBand, panels: int, lang: str) -> None:
    """The plan period shaded in every panel, named at its top left."""
    x0, x1 = f"{band.first_year}-01-01", f"{band.last_year}-12-31"
    for row_no in range(1, panels + 1):
        fig.add_vrect(
            x0=x0,
            x1=x1,
            fillcolor="#ddeaf7",
            opacity=0.55,
            line_width=0,
            layer="below",
            row=row_no,
            col=1,
            exclude_empty_subplots=False,
        )
    fig.add_annotation(
        x=x0,
        y=1.0,
        xref="x",
        yref="y domain",
        text=t("plan_period_band", lang, name=band.name_en if lang == "en" else band.name_zh),
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": 11, "color": "#57606a"},
    )


def _annual_markers(rows: list[dict[str, Any]], name: str, marker: dict[str, Any], lang: str) -> go.Scatter:
    return go.Scatter(
        x=[_year_x(r["year"]) for r in rows],
        y=[r.get("value") for r in rows],
        mode="markers",
        marker=marker,
        name=name,
        text=[_hover_value(r, lang) for r in rows],
        hovertemplate="%{x|%Y}: %{text}<extra></extra>",
    )


def _add_annual(fig: go.Figure, rows: list[dict[str, Any]], lang: str) -> None:
    """The annual line; complete years as filled dots, partial years as open ones."""
    fig.add_trace(
        go.Scatter(
            x=[_year_x(r["year"]) for r in rows],
            y=[r.get("value") for r in rows],
            mode="lines",
            line={"color": COLOR_MAIN, "width": 2},
            name=t("annual", lang),
            hoverinfo="skip",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    complete = [r for r in rows if r.get("completeness") != "partial"]
    partial = [r for r in rows if r.get("completeness") == "partial"]
    if complete:
        marker = {"color": COLOR_MAIN, "size": 8}
        fig.add_trace(_annual_markers(complete, t("annual", lang), marker, lang), row=1, col=1)
    if partial:
        marker = {"color": "white", "size": 8, "line": {"color": COLOR_MAIN, "width": 2}}
        fig.add_trace(_annual_markers(partial, t("partial_series", lang), marker, lang), row=1, col=1)


def _add_breaks(fig: go.Figure, rows: list[dict[str, Any]], lang: str) -> None:
    """Series breaks: a diamond on the year with its note, and a dotted line where it starts."""
    breaks = [r for r in rows if r.get("yoy_break")]
    if not breaks:
        return
    note_key = "break_note_en" if lang == "en" else "break_note_zh"
    fig.add_trace(
        go.Scatter(
            x=[_year_x(r["year"]) for r in breaks],
            y=[r.get("value") for r in breaks],
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": 13,
                "color": COLOR_PATH,
                "line": {"color": "white", "width": 1},
            },
            name=t("break_marker", lang),
            text=[str(r.get(note_key) or "") for r in breaks],
            hovertemplate="%{x|%Y} · " + t("break_marker", lang) + ": %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for b in breaks:
        fig.add_vline(
            x=dt.date(int(b["year"]), 1, 1).isoformat(),
            line_dash="dot",
            line_color=COLOR_PATH,
            line_width=1,
            row=1,
            col=1,
            exclude_empty_subplots=False,
        )


def _add_baseline(fig: go.Figure, target: dict[str, Any], unit: str | None, lang: str) -> None:
    """The baseline on the annual scale (baseline_annual) over its year or span."""
    level = target.get("baseline_annual")
    a, b = _int_or_none(target.get("baseline_first_year")), _int_or_none(target.get("baseline_last_year"))
    if is_missing(level) or a is None or b is None:
        return
    single = a == b
    fig.add_trace(
        go.Scatter(
            x=[_year_x(a)] if single else [dt.date(a, 1, 1), dt.date(b, 12, 31)],
            y=[level] * (1 if single else 2),
            mode="lines+markers" if single else "lines",
            line={"color": COLOR_BASELINE, "width": 3},
            marker={"symbol": "square", "size": 10, "color": COLOR_BASELINE},
            name=t("baseline", lang),
            hovertemplate=t("baseline", lang)
            + f" {a if single else f'{a}-{b}'}: "
            + format_value(level, unit, lang)
            + "<extra></extra>",
        ),
        row=1,
        col=1,
    )


def _add_path(fig: go.Figure, target: dict[str, Any], lang: str) -> None:
    """The straight path from baseline to target, as fct_plan_progress states its two ends."""
    x0, x1 = _int_or_none(target.get("path_start_year")), _int_or_none(target.get("path_end_year"))
    y0, y1 = target.get("path_start_value"), target.get("path_end_value")
    if x0 is None or x1 is None or is_missing(y0) or is_missing(y1):
        return
    fig.add_trace(
        go.Scatter(
            x=[_year_x(x0), _year_x(x1)],
            y=[y0, y1],
            mode="lines",
            line={"color": COLOR_PATH, "width": 2, "dash": "dash"},
            name=t("path", lang),
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )


def _add_target_line(
    fig: go.Figure, target: dict[str, Any], band: PlanBand | None, unit: str | None, lang: str
) -> None:
    """The target on the annual scale across the plan period (a total cap shown per year)."""
    level = target.get("target_annual")
    if is_missing(level):
        return
    per_year = not is_missing(target.get("per_year_equivalent")) and bool(target["per_year_equivalent"])
    label = t("per_year_cap", lang) if per_year else t("target_line", lang)
    year = _int_or_none(target.get("target_year"))
    first, last = (band.first_year, band.last_year) if band else (year, year)
    if first is None or last is None:
        return
    fig.add_trace(
        go.Scatter(
            x=[dt.date(first, 1, 1), dt.date(last, 12, 31)],
            y=[level] * 2,
            mode="lines",
            line={"color": COLOR_TARGET, "width": 2, "dash": "dot"},
            name=label,
            hovertemplate=label + ": " + format_value(level, unit, lang) + "<extra></extra>",
        ),
        row=1,
        col=1,
    )


def _add_quarters(fig: go.Figure, rows: list[dict[str, Any]], lang: str) -> None:
    """Quarterly values as bars in the lower panel; partial quarters grey."""
    fig.add_trace(
        go.Bar(
            x=[_quarter_x(r["year"], r["quarter"]) for r in rows],
            y=[r.get("value") for r in rows],
            marker={
                "color": [COLOR_QUARTER if r.get("completeness") != "partial" else "#d0d7de" for r in rows]
            },
            name=t("quarterly", lang),
            text=[_hover_value(r, lang) for r in rows],
            hovertemplate="%{x|%Y-%m}: %{text}<extra></extra>",
            textposition="none",
        ),
        row=2,
        col=1,
    )


def _add_unit_label(fig: go.Figure, text: str) -> None:
    fig.add_annotation(
        x=0,
        xref="paper",
        y=1.0,
        yref="y domain",
        text=text,
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        yshift=4,
        font={"size": 11, "color": "#57606a"},
    )


def plan_trend_figure(
    series: pd.DataFrame,
    target: dict[str, Any] | None,
    *,
    lang: str = "zh",
    title: str | None = None,
    plan: dict[str, Any] | None = None,
) -> go.Figure:
    """Annual series (top) and quarterly values (bottom) of one indicator in one region, with the
    plan's baseline, straight path and target, the plan period shaded and series breaks marked.

    `series` holds fct_indicator_values rows of one region × indicator (any period types);
    `target` a fct_plan_progress row, whose annual-scale levels and path are drawn as they are;
    `plan` the plan period to shade when the target has none (data.current_plan).
    """
    annual = series[series["period_type"] == "year"].sort_values("year")
    quarterly = series[series["period_type"] == "quarter"].sort_values(["year", "quarter"])
    has_q = not quarterly.empty
    fig = _trend_grid(has_q)
    first = annual if not annual.empty else quarterly
    unit = None if first.empty else first.iloc[0].get("unit")
    band = plan_band(target, plan)
    if band:
        _add_plan_band(fig, band, 2 if has_q else 1, lang)
    rows = _rows(annual)
    if rows:
        _add_annual(fig, rows, lang)
        _add_breaks(fig, rows, lang)
    if target:
        _add_baseline(fig, target, unit, lang)
        _add_path(fig, target, lang)
        _add_target_line(fig, target, band, unit, lang)
    if has_q:
        _add_quarters(fig, _rows(quarterly), lang)
    fig = _layout(fig, title, height=430 if has_q else 340)
    fig.update_xaxes(type="date")
    if unit:
        _add_unit_label(fig, unit if lang == "zh" else str(series.iloc[0].get("unit_en") or unit))
    return fig


def add_public_benchmark(fig: go.Figure, bench: pd.DataFrame, lang: str = "zh") -> bool:
    """The 全国 public-data series (dashboards.public_benchmark) as one dashed grey line on the annual
    panel of a plan_trend_figure; hover names it real public data with its release date.
    Returns whether a line was drawn (none when `bench` is empty)."""
    rows = [r for r in _rows(bench) if not is_missing(r.get("value"))]
    if not rows:
        return False
    released = t("public_benchmark_released", lang)
    fig.add_trace(
        go.Scatter(
            x=[_year_x(int(r["year"])) for r in rows],
            y=[r["value"] for r in rows],
            mode="lines+markers",
            line={"color": COLOR_BASELINE, "width": 1.5, "dash": "dash"},
            marker={"color": COLOR_BASELINE, "size": 5},
            name=t("public_benchmark_name", lang),
            text=[
                f"{t('public_benchmark_hover', lang)} · "
                f"{format_value(r['value'], r.get('unit'), lang, r.get('unit_en'))} · {released} {r.get('released_on')}"
                for r in rows
            ],
            hovertemplate="%{x|%Y}: %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    return True


def ranking_figure(
    df: pd.DataFrame,
    *,
    lang: str = "zh",
    title: str | None = None,
    count_unit: str | None = None,
) -> go.Figure:
    """Child regions ranked by value (horizontal bars). For rates, the numerator count is written
    beside each bar so that a rate resting on 1 event is read as such. Partial bars are grey."""
    rows = _rows(df)
    rows = [r for r in rows if not is_missing(r.get("value"))]
    rows.sort(key=lambda r: float(r["value"]))
    names = [str(r.get("region_name_en") if lang == "en" else r.get("region_name_zh")) for r in rows]
    texts = []
    for r in rows:
        text = format_value(r.get("value"), r.get("unit"), lang, r.get("unit_en"))
        if r.get("indicator_kind") == "rate" and not is_missing(r.get("numerator")):
            text += f"({format_value(r.get('numerator'), count_unit, lang)})"
        if r.get("completeness") == "partial":
            text = f"{partial_label(r.get('coverage_k'), r.get('coverage_n'), lang)} {text}"
        texts.append(text)
    colors = [COLOR_MAIN if r.get("completeness") != "partial" else "#afb8c1" for r in rows]
    fig = go.Figure(
        go.Bar(
            x=[r["value"] for r in rows],
            y=names,
            orientation="h",
            marker={"color": colors},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig = _layout(fig, title, height=max(260, 28 * len(rows) + 80))
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_layout(margin={"r": 90})
    return fig


def _signed_bars(
    names: list[Any],
    values: list[Any],
    texts: list[str],
    hover: list[str],
    colors: list[str],
    title: str | None,
    height: int,
) -> go.Figure:
    """Horizontal bars of signed changes, labels outside the bars, a zero line, and an x range
    padded so the labels fit on either side."""
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": colors},
            text=texts,
            customdata=hover,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig = _layout(fig, title, height=height)
    vals = [float(v) for v in values] or [0.0]
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    pad = 0.35 * ((hi - lo) or 1.0)  # room for the labels written outside the bars
    fig.update_xaxes(
        zeroline=True,
        zerolinecolor="#57606a",
        range=[lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0.1 * pad)],
    )
    return fig


def change_figure(df: pd.DataFrame, *, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Child regions ranked by change vs last year (percent), coloured by whether the change goes
    the better way, grey when the warehouse's exact test calls it within noise (yoy_signal); the
    absolute change is written beside each bar."""
    rows = [r for r in _rows(df) if not is_missing(r.get("yoy_pct"))]
    rows.sort(key=lambda r: float(r["yoy_pct"]))
    names = [str(r.get("region_name_en") if lang == "en" else r.get("region_name_zh")) for r in rows]
    colors = []
    for r in rows:
        v = float(r["yoy_pct"])
        if v == 0 or r.get("yoy_signal") in ("within_noise", "partial_coverage"):
            colors.append(COLOR_NEUTRAL)  # within chance variation: no colour claims a real change
        else:
            better = r.get("better") or "lower"
            colors.append(COLOR_GOOD if (v < 0) == (better == "lower") else COLOR_BAD)
    # short labels on the bars (percent), the absolute change in the hover
    texts = [format_pct_change(r["yoy_pct"]) for r in rows]
    hover = [
        f"{format_pct_change(r['yoy_pct'])} ({format_signed(r.get('yoy_abs'), r.get('unit'), lang, r.get('unit_en'))})"
        + (f" · {t('signal_no', lang)}" if r.get("yoy_signal") == "within_noise" else "")
        for r in rows
    ]
    fig = _signed_bars(
        names, [r["yoy_pct"] for r in rows], texts, hover, colors, title, height=max(260, 28 * len(rows) + 80)
    )
    fig.update_xaxes(ticksuffix="%")
    fig.update_yaxes(rangemode="normal")
    fig.update_layout(margin={"r": 120, "l": 10})
    return fig


def axis_scale(values: list[Any], unit: str, lang: str = "zh", unit_en: Any = None) -> tuple[float, str]:
    """(divisor, axis unit) so that axis ticks read the Chinese way: 130000000 人次 → 1.3 亿人次,
    150000 万元 → 15 亿元; English uses million / billion."""
    finite = [abs(float(v)) for v in values if not is_missing(v)]
    top = max(finite) if finite else 0.0
    if lang == "zh":
        if unit == "万元":
            return (1e4, "亿元") if top >= 1e5 else (1.0, unit)
        if top >= 1e9:
            return 1e8, "亿" + unit
        if top >= 1e5:
            return 1e4, "万" + unit
        return 1.0, unit
    en = str(unit_en or UNIT_EN.get(unit, unit))
    if unit == "万元":
        top *= 1e4
        if top >= 1e9:
            return 1e5, "billion yuan"
        return (1e2, "million yuan") if top >= 1e6 else (1e-4, "yuan")
    if top >= 1e9:
        return 1e9, f"billion {en}"
    if top >= 1e6:
        return 1e6, f"million {en}"
    return 1.0, en


def small_multiples(
    annual: pd.DataFrame,
    codes: list[str],
    *,
    lang: str = "zh",
    cols: int = 3,
    title: str | None = None,
    show_prev5: bool = False,
) -> go.Figure:
    """One small line chart per indicator (annual values), in the order of `codes`."""
    codes = [c for c in codes if c in set(annual["indicator_code"])]
    n = max(1, len(codes))
    nrows = math.ceil(n / cols)
    names = []
    scales: dict[str, float] = {}
    for c in codes:
        sub_df = annual[annual["indicator_code"] == c]
        r = sub_df.iloc[0]
        factor, unit = axis_scale(sub_df["value"].tolist(), str(r["unit"]), lang, r.get("unit_en"))
        scales[c] = factor
        names.append(f"{r['indicator_name_en'] if lang == 'en' else r['indicator_name_zh']}({unit})")
    fig = make_subplots(
        rows=nrows, cols=cols, subplot_titles=names or None, vertical_spacing=0.16 / max(1, nrows - 1) + 0.08
    )
    for i, c in enumerate(codes):
        sub = _rows(annual[annual["indicator_code"] == c].sort_values("year"))
        rr, cc = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Scatter(
                x=[int(r["year"]) for r in sub],
                y=[None if is_missing(r.get("value")) else num(r["value"]) / scales[c] for r in sub],
                mode="lines+markers",
                line={"color": COLOR_MAIN, "width": 2},
                marker={
                    "size": 6,
                    "color": [COLOR_MAIN if r.get("completeness") != "partial" else "white" for r in sub],
                    "line": {"color": COLOR_MAIN, "width": 1.5},
                    "symbol": ["diamond" if r.get("yoy_break") else "circle" for r in sub],
                },
                text=[_hover_value(r, lang) for r in sub],
                hovertemplate="%{x}: %{text}<extra></extra>",
                showlegend=False,
            ),
            row=rr,
            col=cc,
        )
        if show_prev5:
            fig.add_trace(
                go.Scatter(
                    x=[int(r["year"]) for r in sub],
                    y=[
                        None if is_missing(r.get("prev5_mean")) else num(r["prev5_mean"]) / scales[c]
                        for r in sub
                    ],
                    mode="lines",
                    line={"color": COLOR_BASELINE, "width": 1, "dash": "dot"},
                    name=t("vs_prev5", lang),
                    hoverinfo="skip",
                    showlegend=i == 0,
                ),
                row=rr,
                col=cc,
            )
    fig = _layout(fig, title, height=230 * nrows + 40)
    fig.update_annotations(font={"size": 12})
    fig.update_xaxes(dtick=2, tickformat="d")
    return fig


def quarter_bars(
    quarters: pd.DataFrame, codes: list[str], *, lang: str = "zh", title: str | None = None
) -> go.Figure:
    """Quarterly values of one year, one group of bars per indicator (counts only)."""
    fig = go.Figure()
    palette = ["#1f4e79", "#7fa7d1", "#d97706", "#6e7781", "#1a7f37", "#8250df"]
    for i, c in enumerate(codes):
        sub = _rows(quarters[quarters["indicator_code"] == c].sort_values("quarter"))
        if not sub:
            continue
        name = str(sub[0].get("indicator_name_en") if lang == "en" else sub[0].get("indicator_name_zh"))
        fig.add_trace(
            go.Bar(
                x=[f"Q{int(r['quarter'])}" for r in sub],
                y=[r.get("value") for r in sub],
                name=name,
                marker={"color": palette[i % len(palette)]},
                text=[_hover_value(r, lang) for r in sub],
                hovertemplate=name + " %{x}: %{text}<extra></extra>",
                textposition="none",
            )
        )
    fig = _layout(fig, title, height=320)
    fig.update_layout(barmode="group")
    return fig


def grade_figure(annual: pd.DataFrame, *, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Accidents by grade per year: 一般 = all − 较大及以上; 较大, 重大, 特别重大 stacked."""

    def series(code: str) -> dict[int, float]:
        sub = annual[annual["indicator_code"] == code]
        return {int(y): float(v) for y, v in zip(sub["year"], sub["value"], strict=True) if not is_missing(v)}

    total = series("ps_accidents")
    larger = series("ps_accidents_larger")
    major = series("ps_accidents_major")
    extra = series("ps_accidents_extraordinary")
    larger_plus = series("ps_accidents_larger_plus")
    years = sorted(total)
    ordinary = {}
    for y in years:
        lp = larger_plus.get(y)
        if lp is None:
            lp = larger.get(y, 0.0) + major.get(y, 0.0) + extra.get(y, 0.0)
        ordinary[y] = total[y] - lp
    fig = go.Figure()
    for key, vals, color in (
        ("grade_ordinary", ordinary, "#7fa7d1"),
        ("grade_larger", larger, "#d97706"),
        ("grade_major", major, "#cf222e"),
        ("grade_extraordinary", extra, "#6e1a1a"),
    ):
        fig.add_trace(
            go.Bar(
                x=years,
                y=[vals.get(y) for y in years],
                name=t(key, lang),
                marker={"color": color},
                hovertemplate=t(key, lang) + " %{x}: %{y}<extra></extra>",
            )
        )
    fig = _layout(fig, title, height=320)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1, tickformat="d")
    return fig


def status_figure(plan: pd.DataFrame, *, lang: str = "zh", title: str | None = None) -> go.Figure:
    """How many targets are met / on track / at risk / off track (tracked targets only), in the
    order of seed plan_statuses."""
    order = [s for s in plan_statuses() if s != "not_tracked"]
    counts = plan["status"].value_counts().to_dict() if not plan.empty else {}
    present = [s for s in order if counts.get(s)]
    fig = go.Figure(
        go.Bar(
            x=[int(counts[s]) for s in present],
            y=[status_label(s, lang) for s in present],
            orientation="h",
            marker={"color": [STATUS_HEX[s] for s in present]},
            text=[int(counts[s]) for s in present],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig = _layout(fig, title, height=60 + 34 * max(1, len(present)))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(showticklabels=False)
    return fig


def load_heatmap(summary: pd.DataFrame, *, lang: str = "zh", title: str | None = None) -> go.Figure:
    """Files loaded per source (rows) and quarter (columns); hover shows rows accepted/rejected.

    `summary` columns: source, quarter (label), files, rows_accepted, rows_rejected.
    """
    sources = sorted(summary["source"].unique().tolist()) if not summary.empty else []
    quarters = sorted(summary["quarter"].unique().tolist()) if not summary.empty else []
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for s in sources:
        zr: list[float | None] = []
        tr: list[str] = []
        for q in quarters:
            m = summary[(summary["source"] == s) & (summary["quarter"] == q)]
            if m.empty:
                zr.append(None)
                tr.append("")
            else:
                r = m.iloc[0]
                zr.append(float(r["files"]))
                tr.append(
                    f"{t('files_loaded', lang)} {int(r['files'])} · {t('rows_accepted', lang)} {int(r['rows_accepted'])}"
                    f" · {t('rows_rejected', lang)} {int(r['rows_rejected'])}"
                )
        z.append(zr)
        text.append(tr)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=quarters,
            y=sources,
            text=text,
            colorscale="Blues",
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
            colorbar={"title": {"text": t("files_loaded", lang)}},
            xgap=1,
            ygap=1,
        )
    )
    fig = _layout(fig, title, height=120 + 30 * max(1, len(sources)))
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="normal", autorange="reversed")
    return fig


def contribution_figure(
    df: pd.DataFrame, *, lang: str = "zh", title: str | None = None, top: int = 8
) -> go.Figure:
    """Which child regions drive the change: the largest absolute changes vs last year, coloured
    by whether they go the better way, with the percent change beside the absolute one."""
    rows = [r for r in _rows(df) if not is_missing(r.get("yoy_abs"))]
    rows.sort(key=lambda r: abs(float(r["yoy_abs"])), reverse=True)
    rows = rows[:top]  # largest absolute change first (drawn at the top)
    names = [str(r.get("region_name_en") if lang == "en" else r.get("region_name_zh")) for r in rows]
    colors = []
    for r in rows:
        v = float(r["yoy_abs"])
        better = r.get("better") or "lower"
        colors.append(
            COLOR_NEUTRAL if v == 0 else COLOR_GOOD if (v < 0) == (better == "lower") else COLOR_BAD
        )
    # short labels on the bars (absolute change), the percent change in the hover
    texts = [format_signed(r.get("yoy_abs"), r.get("unit"), lang, r.get("unit_en")) for r in rows]
    hover = [
        text + ("" if is_missing(r.get("yoy_pct")) else f" ({format_pct_change(r['yoy_pct'])})")
        for text, r in zip(texts, rows, strict=True)
    ]
    fig = _signed_bars(
        names, [r["yoy_abs"] for r in rows], texts, hover, colors, title, height=max(220, 30 * len(rows) + 70)
    )
    fig.update_yaxes(rangemode="normal", autorange="reversed")
    return fig


def breakdown_figure(
    df: pd.DataFrame,
    measures: list[str],
    *,
    lang: str = "zh",
    title: str | None = None,
    order: tuple[str, ...] | None = None,
    vertical: bool = False,
) -> go.Figure:
    """One breakdown of a period (marts.fct_breakdowns): a panel of bars per measure, categories
    ranked by the first measure (or in `order`, e.g. grades; months in calendar order when
    `vertical`). Partial values are grey and say k/n in their label."""
    rows = _rows(df)
    present = [m for m in measures if any(r["measure_code"] == m for r in rows)]
    fig_cols = min(len(present), 3) or 1
    fig_rows = max(1, math.ceil(len(present) / fig_cols))
    names: dict[str, str] = {}
    for m in present:
        first = next(r for r in rows if r["measure_code"] == m)
        names[m] = str(first.get("measure_name_en" if lang == "en" else "measure_name_zh") or m)
    labels: dict[str, str] = {}
    for r in rows:
        labels[str(r["category_code"])] = str(
            r.get("category_name_en" if lang == "en" else "category_name_zh")
        )
    lead = {
        str(r["category_code"]): num(r.get("value"))
        for r in rows
        if present and r["measure_code"] == present[0]
    }
    if vertical or order:
        rank = {c: i for i, c in enumerate(order or ())}
        cats = sorted(labels, key=lambda c: (rank.get(c, len(rank)), c))
    else:
        cats = sorted(labels, key=lambda c: (-(lead.get(c) or 0.0), c))
    if vertical:
        fig = make_subplots(
            rows=len(present) or 1, cols=1, shared_xaxes=True, subplot_titles=[names[m] for m in present]
        )
    else:
        fig = make_subplots(
            rows=fig_rows,
            cols=fig_cols,
            shared_yaxes=True,
            subplot_titles=[names[m] for m in present],
            horizontal_spacing=0.08,
            vertical_spacing=0.12 if fig_rows > 1 else 0.0,
        )
    for i, m in enumerate(present):
        by_cat = {str(r["category_code"]): r for r in rows if r["measure_code"] == m}
        ordered = [c for c in cats if c in by_cat]
        if not vertical:
            ordered = list(reversed(ordered))  # horizontal bars draw bottom-up: largest on top
        recs = [by_cat[c] for c in ordered]
        texts = [_hover_value(r, lang).split("<br>")[0] for r in recs]
        hovers = [_hover_value(r, lang) for r in recs]
        colors = [COLOR_MAIN if r.get("completeness") != "partial" else "#afb8c1" for r in recs]
        cat_names: list[Any] = [labels[c] for c in ordered]
        values: list[Any] = [r.get("value") for r in recs]
        bar = go.Bar(
            x=cat_names if vertical else values,
            y=values if vertical else cat_names,
            orientation="v" if vertical else "h",
            marker={"color": colors},
            text=texts,
            customdata=hovers,
            textposition="outside",
            cliponaxis=False,
            showlegend=False,
            hovertemplate=("%{x}" if vertical else "%{y}") + ": %{customdata}<extra></extra>",
        )
        if vertical:
            fig.add_trace(bar, row=i + 1, col=1)
        else:
            fig.add_trace(bar, row=i // fig_cols + 1, col=i % fig_cols + 1)
    panel = max(200, 24 * len(cats) + 60)
    height = 60 + 220 * max(1, len(present)) if vertical else fig_rows * panel + 40
    fig = _layout(fig, title, height=height)
    if vertical:
        fig.update_yaxes(showticklabels=False, showgrid=False)
    else:
        fig.update_xaxes(showticklabels=False, showgrid=False, rangemode="tozero")
        fig.update_layout(margin={"r": 70})
    fig.update_annotations(font={"size": 13})
    return fig


# ------------------------------------------------------------------ honest statistics (issue 6)

COLOR_FAN = "#1f6feb"
COLOR_WARN = "#d97706"


@dataclass(frozen=True)
class Funnel:
    """A funnel plot and what its caption needs to say."""

    figure: go.Figure
    theta: float | None
    overdispersion: poisson.Overdispersion | None
    excluded: int
    model: str = "poisson"  # 'poisson' or 'binomial': which limits are drawn


def funnel_figure(
    children: pd.DataFrame,
    parent: dict[str, Any] | None,
    scale: float,
    *,
    lang: str = "zh",
    title: str | None = None,
    denominator_unit: str = "",
    denominator_unit_en: str | None = None,
    count_unit: str | None = None,
    model: str = "poisson",
) -> Funnel:
    """Child regions' rates against their denominators, with 95% and 99.8% control limits around
    the parent region's rate (Spiegelhalter 2005): exact limits, or normal limits widened by a
    random effect τ² when the regions are over-dispersed. Partial values are left out.

    `model` (pipelines.lib.funnel_kind): 'poisson' for events per exposure, 'binomial' for a
    proportion (numerator part of the denominator: exact binomial limits, never above 100%).
    `children`: fct_indicator_values rows (value, numerator, denominator, completeness, region
    names, better); `parent`: the parent region's row; value = numerator × scale ÷ denominator.
    """
    rows = [
        r
        for r in _rows(children)
        if not is_missing(r.get("value"))
        and not is_missing(r.get("numerator"))
        and not is_missing(r.get("denominator"))
        and num(r.get("denominator")) > 0
        and r.get("completeness") != "partial"
    ]
    excluded = len(children) - len(rows)
    fig = go.Figure()
    if (
        parent is None
        or is_missing(parent.get("numerator"))
        or is_missing(parent.get("denominator"))
        or not num(parent.get("denominator"))
        or not rows
    ):
        return Funnel(_layout(fig, title), None, None, excluded, model)
    theta = num(parent["numerator"]) * scale / num(parent["denominator"])  # in value units
    events = np.array([num(r["numerator"]) for r in rows], dtype=float)
    dens = np.array([num(r["denominator"]) for r in rows], dtype=float)
    limits = _funnel_limits(model, theta, scale, events, dens)
    od = limits.od
    grid = np.geomspace(float(dens.min()) / 1.5, float(dens.max()) * 1.5, 160)
    # x: the denominator in readable units (万, 亿 …); limits are computed on the denominator
    divisor, x_unit = axis_scale(list(dens), denominator_unit, lang, denominator_unit_en)
    x_of = 1 / divisor

    unit = str(parent.get("unit") or "")
    for coverage, name, dash in (
        (0.998, t("funnel_998", lang), "solid"),
        (0.95, t("funnel_95", lang), "dash"),
    ):
        lo, hi = limits(grid, coverage)
        for k, band in enumerate((hi, lo)):
            fig.add_trace(
                go.Scatter(
                    x=grid * x_of,
                    y=band,
                    mode="lines",
                    line={"color": COLOR_BASELINE, "width": 1.2, "dash": dash},
                    name=name,
                    legendgroup=name,
                    showlegend=k == 0,
                    hoverinfo="skip",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[grid[0] * x_of, grid[-1] * x_of],
            y=[theta, theta],
            mode="lines",
            line={"color": COLOR_TARGET, "width": 1.5},
            name=t(
                "funnel_parent",
                lang,
                region=str(parent.get("region_name_en") if lang == "en" else parent.get("region_name_zh")),
                value=format_value(theta, unit, lang, parent.get("unit_en")),
            ),
            hoverinfo="skip",
        )
    )
    lo95, hi95 = limits(dens, 0.95)
    lo998, hi998 = limits(dens, 0.998)
    colors, status = [], []
    for r, v, a, b, c, d in zip(rows, (num(r["value"]) for r in rows), lo95, hi95, lo998, hi998, strict=True):
        worse_high = (r.get("better") or "lower") == "lower"
        if v > d or v < c:
            status.append(t("funnel_alarm", lang))
            colors.append(COLOR_BAD if (v > d) == worse_high else COLOR_GOOD)
        elif v > b or v < a:
            status.append(t("funnel_warn", lang))
            colors.append(COLOR_WARN)
        else:
            status.append(t("funnel_inside", lang))
            colors.append(COLOR_MAIN)
    names = [str(r.get("region_name_en") if lang == "en" else r.get("region_name_zh")) for r in rows]
    hover = [
        f"{format_value(r['value'], r.get('unit'), lang, r.get('unit_en'))} · "
        f"{format_value(r['numerator'], count_unit, lang)} · {s}"
        for r, s in zip(rows, status, strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=dens * x_of,
            y=[num(r["value"]) for r in rows],
            mode="markers+text",
            marker={"color": colors, "size": 10, "line": {"color": "white", "width": 1}},
            text=names,
            textposition="top center",
            textfont={"size": 11},
            customdata=hover,
            name=t("col_region", lang),
            hovertemplate="%{text}: %{customdata}<extra></extra>",
            showlegend=False,
        )
    )
    fig = _layout(fig, title, height=440)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0})
    fig.update_xaxes(type="log", title={"text": t("funnel_x", lang, unit=x_unit), "font": {"size": 12}})
    smallest = np.array([float(dens.min())])
    values = [num(r["value"]) for r in rows]
    top = max(float(np.nanmax(limits(smallest, 0.998)[1])), max(values))
    y_range = [0.0, top * 1.1]
    if model == "binomial":  # proportions crowd below 100%: show the band the limits span
        bottom = min(float(np.nanmin(limits(smallest, 0.998)[0])), min(values))
        pad = 0.05 * max(top - bottom, 0.01 * scale)
        y_range = [max(0.0, bottom - pad), top + pad]
    fig.update_yaxes(
        range=y_range, title={"text": unit if lang == "zh" else str(parent.get("unit_en") or unit)}
    )
    return Funnel(fig, theta, od, excluded, model)


@dataclass(frozen=True)
class _Limits:
    """Control limits of a funnel (value units) as a function of the denominator."""

    model: str
    theta: float
    scale: float
    od: poisson.Overdispersion | None

    def __call__(self, dens: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray]:
        widen = self.od is not None and self.od.overdispersed
        tau2 = self.od.tau2 if self.od is not None else 0.0
        if self.model == "binomial":  # proportion scale, n = the denominator count
            p0 = self.theta / self.scale
            if widen:
                lo, hi = proportions.funnel_limits_overdispersed(p0, dens, coverage, tau2)
            else:
                lo, hi = proportions.funnel_limits(p0, dens, coverage)
            return lo * self.scale, hi * self.scale
        exposure = dens / self.scale  # rate per unit exposure = the value
        if widen:
            return poisson.funnel_limits_overdispersed(self.theta, exposure, coverage, tau2)
        return poisson.funnel_limits(self.theta, exposure, coverage)


def _funnel_limits(model: str, theta: float, scale: float, events: np.ndarray, dens: np.ndarray) -> _Limits:
    """The limits of `model` around theta, with the over-dispersion test of the regions."""
    od: poisson.Overdispersion | None = None
    if model == "binomial":
        od = proportions.overdispersion(events, dens, theta / scale)
    elif theta > 0:
        od = poisson.overdispersion(events, dens / scale, theta)
    return _Limits(model, theta, scale, od)


def add_projection_fan(
    fig: go.Figure, fan: pd.DataFrame, *, lang: str = "zh", data_through: int | None = None
) -> go.Figure:
    """Adds the projection fan (90% and 50% bands, median) of fct_plan_projection rows of one
    target × data_through_year to the annual panel of a plan trend figure."""
    rows = sorted(_rows(fan), key=lambda r: int(r["year"]))
    if not rows:
        return fig
    x = [_year_x(int(r["year"])) for r in rows]
    label = t("fan_label", lang, year=data_through if data_through is not None else int(rows[0]["year"]))
    for lo_key, hi_key, alpha, name in (
        ("p05", "p95", 0.15, t("fan_90", lang)),
        ("p25", "p75", 0.3, t("fan_50", lang)),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[r[hi_key] for r in rows],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=name,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[r[lo_key] for r in rows],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(31,111,235,{alpha})",
                name=name,
                legendgroup=name,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    unit = None
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[r["p50"] for r in rows],
            mode="lines",
            line={"color": COLOR_FAN, "width": 2, "dash": "dot"},
            name=label,
            text=[
                f"{format_value(r['p50'], unit, lang)} ({format_value(r['p05'], unit, lang)} – {format_value(r['p95'], unit, lang)})"
                for r in rows
            ],
            hovertemplate="%{x|%Y} " + t("fan_median", lang) + ": %{text}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    return fig
