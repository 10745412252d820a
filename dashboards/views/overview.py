"""总览 Overview: headline KPI cards of the selected region and period, plan targets and status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, components, data
from dashboards.cards import card_model, pick_cards
from dashboards.formatting import EM_DASH, format_value, is_missing, target_text
from dashboards.i18n import binding_label, t
from dashboards.state import Context, current, kept
from pipelines.lib.plan_statuses import status_label

CARDS_PER_ROW = 4


def plan_table(plan: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The plan targets as displayed (formatted strings, language-specific headers)."""
    rows = data.records(plan)
    out = []
    for r in rows:
        unit = r.get("unit")
        out.append(
            {
                t("col_binding", lang): binding_label(r.get("binding"), lang),
                t("col_indicator", lang): r.get("indicator_en") if lang == "en" else r.get("indicator_zh"),
                t("col_baseline", lang): (
                    f"{format_value(r.get('baseline_used'), unit, lang)}({r.get('baseline_year')})"
                    if not is_missing(r.get("baseline_used"))
                    else EM_DASH
                ),
                t("col_target", lang): target_text(r, lang),
                t("col_current", lang): format_value(r.get("current_value"), unit, lang),
                t("col_current_year", lang): ""
                if is_missing(r.get("current_year"))
                else str(int(r["current_year"])),
                t("col_path", lang): format_value(r.get("path_value"), unit, lang),
                t("col_status", lang): status_label(r.get("status"), lang),
                t("col_rule", lang): r.get("status_rule_en") if lang == "en" else r.get("status_rule_zh"),
                t("col_plan", lang): r.get("plan_zh"),
            }
        )
    return pd.DataFrame(out)


DRIVER_INDICATOR = "ps_deaths"
DRIVERS_TOP = 8


def drivers(ctx: Context) -> None:
    """The child regions whose change vs last year moves the total most (counts, not rates)."""
    if not ctx.period_type or not ctx.period:
        return
    df = data.children_values(ctx.db, ctx.region, DRIVER_INDICATOR, ctx.period_type, ctx.period)
    if df.empty or df["yoy_abs"].isna().all():
        return
    lang = ctx.lang
    name = str(df.iloc[0]["indicator_name_en" if lang == "en" else "indicator_name_zh"])
    st.subheader(t("drivers", lang, indicator=name))
    st.caption(t("drivers_caption", lang, n=DRIVERS_TOP))
    components.chart(
        charts.contribution_figure(df, lang=lang, top=DRIVERS_TOP),
        key="overview_drivers",
        filename=f"drivers_{ctx.region}_{DRIVER_INDICATOR}_{ctx.period}",
    )
    components.source_caption(
        lang,
        ["marts.fct_indicator_values", "marts.dim_regions"],
        components.formula_text(ctx.db, [DRIVER_INDICATOR], lang),
        components.vintage_text(df, lang),
    )


def reference_line(ctx: Context) -> None:
    """The data's reference period (every record source complete through it) and last refresh."""
    fr = data.freshness(ctx.db)
    info = data.refresh_info(ctx.db) or {}
    if fr.empty:
        return
    complete = fr["latest_complete_period"].dropna()
    period = min(complete) if len(complete) == len(fr) else EM_DASH
    lang = ctx.lang
    with st.container(key="reference_period"):
        st.caption(t("reference_period", lang, period=period, ts=str(info.get("published_at", EM_DASH))[:16]))
        behind = fr[fr["status"] != "fresh"]
        if not behind.empty:
            st.warning(t("reference_period_stale", lang, sources=", ".join(behind["source"])))


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("overview_title", lang, region=ctx.region_name, period=ctx.period_text))
    reference_line(ctx)
    if not ctx.period:
        st.info(t("no_periods", lang))
    values = (
        data.values_for_period(ctx.db, ctx.region, ctx.period_type, ctx.period)
        if ctx.period_type and ctx.period
        else pd.DataFrame()
    )
    plan = data.plan_progress(ctx.db, ctx.region)
    annual = data.annual_series(ctx.db, ctx.region)

    st.subheader(t("kpi_heading", lang))
    st.caption(t("kpi_caption", lang))
    if ctx.period_type == "month":
        st.caption(t("kpi_caption_month", lang))
    cards = pick_cards(values, plan, ctx.period_type, ctx.period)
    for start in range(0, len(cards), CARDS_PER_ROW):
        cols = st.columns(CARDS_PER_ROW)
        for col, (code, row, target) in zip(cols, cards[start : start + CARDS_PER_ROW], strict=False):
            with col:
                components.kpi_card(
                    card_model(code, row, target, lang),
                    lang,
                    spark=components.spark_values(annual, code, ctx.year),
                )
    components.source_caption(
        lang,
        ["marts.fct_indicator_values", "marts.fct_plan_progress"],
        t("kpi_formula_note", lang),
        components.vintage_text(values, lang),
    )

    drivers(ctx)

    st.subheader(t("plan_table", lang))
    if plan.empty:
        st.info(t("plan_none", lang))
        return
    tracked = plan[plan["status"] != "not_tracked"]
    n_untracked = int((plan["status"] == "not_tracked").sum())
    c1, c2 = st.columns([1, 2])
    with c1:
        components.chart(
            charts.status_figure(tracked, lang=lang, title=t("col_status", lang)),
            key="overview_status",
            filename=f"plan_status_{ctx.region}",
        )
    with c2:
        if n_untracked:
            st.caption(t("plan_not_tracked_count", lang, n=n_untracked))
        show_all = st.toggle(t("show_not_tracked", lang), **kept("overview_show_untracked"))
    shown = plan if show_all else tracked
    components.table(
        plan_table(shown, lang),
        lang,
        name=f"plan_progress_{ctx.region}",
        key="overview_plan_table",
        export=shown,
    )
    components.source_caption(
        lang,
        ["marts.fct_plan_progress"],
        t("plan_formula_note", lang),
        components.vintage_text(plan, lang),
    )


render(current())
