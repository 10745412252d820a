"""Streamlit building blocks shared by the pages: banner, cards, tables with downloads, charts
with their source line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import data
from dashboards.cards import CardModel
from dashboards.charts import plotly_config
from dashboards.formatting import format_date, is_missing
from dashboards.i18n import t
from pipelines.lib import safe_cells


def sample_banner(info: dict[str, Any] | None, lang: str) -> None:
    if info and bool(info.get("is_sample")):
        st.warning(t("sample_banner", lang), icon="⚠️")


def vintage_text(df: pd.DataFrame | None, lang: str, column: str = "released_on") -> str:
    """'released up to <latest date>' of the rows a chart or table shows."""
    if df is None or df.empty or column not in df.columns:
        return "—"
    vals = pd.to_datetime(df[column], errors="coerce").dropna()
    if vals.empty:
        return "—"
    return t("vintage_upto", lang, date=format_date(vals.max().date()))


def formula_text(db: str, codes: Sequence[str], lang: str) -> str:
    reg = data.indicators(db)
    col = "formula_en" if lang == "en" else "formula_zh"
    name = "name_en" if lang == "en" else "name_zh"
    parts = []
    for c in codes:
        m = reg[reg["indicator_code"] == c]
        if not m.empty:
            parts.append(f"{m.iloc[0][name]} = {m.iloc[0][col]}")
    return ";".join(parts) if lang == "zh" else "; ".join(parts)


def source_caption(
    lang: str, tables: Sequence[str], formula: str | None = None, vintage: str | None = None
) -> None:
    """The line under every chart and table: source tables, formula and vintage (when known)."""
    st.caption(caption_text(lang, tables, formula, vintage))


def caption_text(
    lang: str, tables: Sequence[str], formula: str | None = None, vintage: str | None = None
) -> str:
    parts = [t("caption_source", lang, tables=", ".join(tables))]
    if formula:
        parts.append(t("caption_formula", lang, formula=formula))
    if vintage and vintage != "—":
        parts.append(t("caption_vintage", lang, vintage=vintage))
    return " · ".join(parts)


def chart(fig: go.Figure, key: str, filename: str | None = None) -> None:
    st.plotly_chart(fig, key=key, config=plotly_config(filename or key), width="stretch")


def download_buttons(df: pd.DataFrame, name: str, lang: str, key: str) -> None:
    """CSV and Excel downloads of one table; the files are built only when clicked, by
    `pipelines.lib.safe_cells` (text that a spreadsheet would read as a formula stays text)."""
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        st.download_button(
            t("download_csv", lang),
            data=lambda: safe_cells.csv_bytes(df),
            file_name=f"{name}.csv",
            mime=safe_cells.CSV_MIME,
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
        )
    with c2:
        st.download_button(
            t("download_xlsx", lang),
            data=lambda: safe_cells.xlsx_bytes(df, sheet=name),
            file_name=f"{name}.xlsx",
            mime=safe_cells.XLSX_MIME,
            key=f"{key}_xlsx",
            icon=":material/table_view:",
            on_click="ignore",
        )


def table(
    df: pd.DataFrame | Styler,
    lang: str,
    name: str,
    key: str,
    *,
    column_config: dict[str, Any] | None = None,
    height: Any = "auto",
    on_select: Callable[[], None] | None = None,
    export: pd.DataFrame | None = None,
) -> None:
    """A data frame with CSV/Excel downloads (of `export` when given, else of what is shown)."""
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "single-row"}
    st.dataframe(
        df, hide_index=True, column_config=column_config, height=height, key=key, width="stretch", **kwargs
    )
    shown = df.data if isinstance(df, Styler) else df  # a Styler greys cells; its data is exported
    download_buttons(export if export is not None else shown, name, lang, key=f"dl_{key}")


def kpi_card(model: CardModel, lang: str, spark: list[float] | None = None) -> None:
    with st.container(border=True):
        st.metric(
            model.label,
            model.value,
            delta=model.delta,
            delta_color=model.delta_color,  # type: ignore[arg-type]
            delta_arrow=model.delta_arrow,  # type: ignore[arg-type]
            delta_description=model.delta_description,
            help=model.help or None,
            chart_data=spark if spark and len(spark) > 1 else None,
            chart_type="line",
        )
        st.caption(model.period_note)
        if model.target is not None:
            line = (
                f"**{t('target', lang)}**:{model.target}"
                if lang == "zh"
                else f"**{t('target', lang)}**: {model.target}"
            )
            if model.binding:
                line += f" · {model.binding}"
            st.markdown(line)
            cols = st.columns([1, 2], vertical_alignment="center")
            with cols[0]:
                st.badge(
                    model.status_label or "—",
                    color=model.status_color,  # type: ignore[arg-type]
                    help=f"{t('status_rule', lang)}: {model.status_rule}" if model.status_rule else None,
                )
            if model.current:
                with cols[1]:
                    st.caption(f"{t('current_value_plan', lang)}: {model.current}")
        for note in model.notes:
            st.caption(f"⚠ {note}")


def spark_values(annual: pd.DataFrame, code: str, upto_year: int | None = None) -> list[float]:
    """Annual values of one indicator for a card's sparkline, ending at the selected year."""
    sub = annual[annual["indicator_code"] == code]
    if upto_year is not None:
        sub = sub[sub["year"] <= upto_year]
    sub = sub.sort_values("year")
    return [float(v) for v in sub["value"] if not is_missing(v)][-10:]
