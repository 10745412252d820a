"""规划进度 Trend vs plan: annual and quarterly series with baseline, path, target and breaks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import components, data, figures
from dashboards.cards import primary_targets
from dashboards.formatting import format_value, target_text
from dashboards.i18n import binding_label, status_label, t
from dashboards.state import Context, current, kept

MAX_DEFAULT = 6
MIN_DEFAULT = 4


def indicator_choices(plan: pd.DataFrame, annual: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(all indicators with data in the region, the default selection): targets first."""
    targets = list(primary_targets(plan))
    with_data = (
        list(dict.fromkeys(annual.sort_values("display_order")["indicator_code"])) if not annual.empty else []
    )
    headline = (
        list(
            dict.fromkeys(
                annual[annual["headline"].astype(bool)].sort_values("display_order")["indicator_code"]
            )
        )
        if not annual.empty
        else []
    )
    options = list(dict.fromkeys([*[c for c in targets if c in with_data], *with_data]))
    default = [c for c in targets if c in with_data][:MAX_DEFAULT]
    if len(default) < MIN_DEFAULT:  # few targets: add the headline indicators
        default += [c for c in headline if c not in default][: MIN_DEFAULT - len(default)]
    return options, default


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("plan_title", lang, region=ctx.region_name))
    st.caption(t("plan_intro", lang))
    plan = data.plan_progress(ctx.db, ctx.region)
    annual = data.annual_series(ctx.db, ctx.region)
    if annual.empty:
        st.info(t("no_periods", lang))
        return
    options, default = indicator_choices(plan, annual)
    if plan.empty or not primary_targets(plan):
        st.info(t("headline_no_targets", lang))
    names = {
        str(c): str(e if lang == "en" else z)
        for c, z, e in zip(
            annual["indicator_code"], annual["indicator_name_zh"], annual["indicator_name_en"], strict=True
        )
    }
    chosen = st.multiselect(
        t("indicators", lang),
        options,
        format_func=lambda c: names.get(c, c),
        **kept("plan_indicators", options, default=default),
    )
    targets = primary_targets(plan)
    reg = data.indicators(ctx.db)
    for code in chosen:
        series = data.indicator_series(ctx.db, ctx.region, code)
        target = targets.get(code)
        st.subheader(names.get(code, code))
        if series.empty:
            st.info(t("no_series", lang))
            continue
        if target:
            unit = target.get("unit")
            c = ":" if lang == "zh" else ": "
            st.markdown(
                f"**{t('target', lang)}**{c}{target_text(target, lang)} · {binding_label(target.get('binding'), lang)} · "
                f"**{t('status', lang)}**{c}{status_label(target.get('status'), lang)} · "
                f"{t('current_value_plan', lang)}{c}{format_value(target.get('current_value'), unit, lang)}",
                help=str(target.get("status_rule_en") if lang == "en" else target.get("status_rule_zh")),
            )
        fig = figures.plan_trend(ctx.db, ctx.region, code, lang)
        components.chart(fig, key=f"plan_{code}", filename=f"plan_{ctx.region}_{code}")
        reg_row = reg[reg["indicator_code"] == code]
        formula = ""
        if not reg_row.empty:
            formula = str(reg_row.iloc[0]["formula_en" if lang == "en" else "formula_zh"])
        components.source_caption(
            lang,
            ["marts.fct_indicator_values", *(["marts.fct_plan_progress"] if target else [])],
            formula,
            components.vintage_text(series, lang),
        )
        with st.expander(t("export_table", lang)):
            components.table(
                series[
                    [
                        "period_type",
                        "period",
                        "value",
                        "unit",
                        "numerator",
                        "denominator",
                        "yoy_abs",
                        "yoy_pct",
                        "vs_prev5_mean_pct",
                        "completeness",
                        "coverage_k",
                        "coverage_n",
                        "value_source",
                        "released_on",
                        "break_flag",
                    ]
                ],
                lang,
                name=f"series_{ctx.region}_{code}",
                key=f"plan_table_{code}",
            )


render(current())
