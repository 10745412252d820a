"""来源与定义 Sources and definitions: indicator registry with formulas, comparison rules, the
source tables of each page, the plan registry with its source sentences, and data vintages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.i18n import t
from dashboards.state import Context, current, kept

PAGE_SOURCES: list[tuple[str, str, str]] = [
    (
        "page_overview",
        "marts.fct_indicator_values, marts.fct_plan_progress",
        "period_type ytd/year, headline, plan targets",
    ),
    (
        "page_plan",
        "marts.fct_indicator_values, marts.fct_plan_progress",
        "period_type year/quarter, baseline_used, target_abs, path_value",
    ),
    (
        "page_regions",
        "marts.fct_indicator_values, marts.dim_regions",
        "children of the selected region (parent_code)",
    ),
    ("page_ps", "marts.fct_indicator_values", "ps_*, imc_*, se_*"),
    ("page_road", "marts.fct_indicator_values", "road_*"),
    ("page_fire", "marts.fct_indicator_values", "fire_*"),
    ("page_disaster", "marts.fct_indicator_values", "nd_*, forest_*; prev5_mean"),
    ("page_enforcement", "marts.fct_indicator_values", "enf_*, hazards_*"),
    (
        "page_quality",
        "meta.refresh, quality.load_log, quality.rejects, marts.fct_published_vintages, marts.fct_reconciliation",
        "",
    ),
    ("page_sources", "marts.dim_indicators, marts.fct_plan_progress, marts.fct_published_vintages", ""),
]


def render(ctx: Context) -> None:
    lang = ctx.lang
    db = ctx.db
    st.title(t("sources_title", lang))

    st.subheader(t("registry", lang))
    reg = data.indicators(db)
    sfx = "en" if lang == "en" else "zh"
    shown = pd.DataFrame(
        {
            t("col_indicator", lang): reg[f"name_{sfx}"],
            "code": reg["indicator_code"],
            t("formula", lang): reg[f"formula_{sfx}"],
            t("col_unit", lang): reg[f"unit_{sfx}"],
            t("col_numerator", lang): reg["numerator_measure"],
            t("col_denominator", lang): reg["denominator_measure"].fillna(""),
            t("better", lang): reg["better"].map(
                lambda b: t(f"better_{b}", lang) if b in ("lower", "higher") else ""
            ),
            t("regulation", lang): reg["source_regulation"],
        }
    )
    components.table(shown, lang, name="dim_indicators", key="sources_registry", export=reg)
    components.source_caption(lang, ["marts.dim_indicators"], None, None)

    st.subheader(t("comparisons", lang))
    st.markdown(t("comparisons_text", lang))

    st.subheader(t("chart_sources", lang))
    st.dataframe(
        pd.DataFrame(
            [
                {t("page", lang): t(k, lang), t("col_source", lang): tables, t("note", lang): note}
                for k, tables, note in PAGE_SOURCES
            ]
        ),
        hide_index=True,
        width="stretch",
    )

    st.subheader(t("plan_registry", lang))
    all_regions = st.toggle(t("export_all", lang), **kept("sources_all_plans"))
    plans = data.plan_registry(db)
    if not all_regions:
        plans = plans[plans["region_code"] == ctx.region]
    if plans.empty:
        st.caption(t("plan_none", lang))
    else:
        ind = "indicator_en" if lang == "en" else "indicator_zh"
        components.table(
            plans[
                [
                    "jurisdiction_zh",
                    "plan_zh",
                    ind,
                    "binding",
                    "target_kind",
                    "baseline_year",
                    "target_year",
                    "target_value",
                    "status",
                    "source_quote",
                    "responsible_dept_zh",
                ]
            ].rename(
                columns={
                    "jurisdiction_zh": t("col_region", lang),
                    "plan_zh": t("col_plan", lang),
                    ind: t("col_indicator", lang),
                    "binding": t("col_binding", lang),
                    "source_quote": t("col_quote", lang),
                    "responsible_dept_zh": t("col_dept", lang),
                    "status": t("col_status", lang),
                }
            ),
            lang,
            name="plan_registry",
            key="sources_plans",
            export=plans,
            height=320,
        )
    components.source_caption(lang, ["marts.fct_plan_progress"], None, None)

    st.subheader(t("vintages", lang))
    vint = data.vintages(db, ctx.region)
    if vint.empty:
        st.caption("—")
    else:
        components.table(vint, lang, name=f"vintages_{ctx.region}", key="sources_vintages", height=300)
    components.source_caption(
        lang, ["marts.fct_published_vintages"], None, components.vintage_text(vint, lang)
    )


render(current())
