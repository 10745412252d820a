"""Domain pages (production safety, road traffic, fires, natural disasters, enforcement).

Each page shows the domain's indicators from marts.fct_indicator_values for the selected region
and period, their annual trends and the quarters of the selected year. Breakdowns by sector,
category, month, place, cause or hazard need marts the pipeline does not publish yet; the page
says so instead of scanning record tables at view time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import components, data, figures
from dashboards.cards import card_model, pick_rows
from dashboards.formatting import (
    format_indicator_value,
    format_pct_change,
    format_signed,
    period_label,
)
from dashboards.i18n import t
from dashboards.state import Context


@dataclass(frozen=True)
class Domain:
    key: str
    title_key: str
    counts: tuple[str, ...]
    rates: tuple[str, ...]
    quarter_codes: tuple[str, ...]
    pending: tuple[str, ...]
    grades: bool = False
    prev5: bool = False


DOMAINS: dict[str, Domain] = {
    "production_safety": Domain(
        key="production_safety",
        title_key="page_ps",
        counts=(
            "ps_accidents",
            "ps_deaths",
            "ps_injuries",
            "ps_accidents_larger_plus",
            "ps_accidents_larger",
            "ps_accidents_major",
            "ps_accidents_extraordinary",
            "imc_deaths",
            "se_deaths",
        ),
        rates=("ps_deaths_per_100m_gdp", "imc_deaths_per_100k_workers", "se_deaths_per_10k_units"),
        quarter_codes=("ps_accidents", "ps_deaths"),
        pending=("bd_sector", "bd_category", "bd_month"),
        grades=True,
    ),
    "road_traffic": Domain(
        key="road_traffic",
        title_key="page_road",
        counts=("road_accidents", "road_deaths", "road_injuries"),
        rates=("road_deaths_per_10k_vehicles",),
        quarter_codes=("road_accidents", "road_deaths"),
        pending=("bd_vehicle", "bd_month"),
    ),
    "fires": Domain(
        key="fires",
        title_key="page_fire",
        counts=("fire_count", "fire_deaths", "fire_injuries", "fire_direct_loss"),
        rates=("fire_deaths_per_100k_pop",),
        quarter_codes=("fire_count", "fire_deaths"),
        pending=("bd_place", "bd_cause", "bd_month"),
    ),
    "disasters": Domain(
        key="disasters",
        title_key="page_disaster",
        counts=(
            "nd_affected_person_times",
            "nd_deaths_missing",
            "nd_deaths",
            "nd_missing",
            "nd_relocated",
            "nd_collapsed_houses",
            "nd_crop_affected_area",
            "nd_direct_loss",
            "forest_fire_count",
            "forest_damaged_area",
        ),
        rates=(
            "nd_deaths_missing_per_1m_pop",
            "nd_loss_pct_gdp",
            "nd_affected_per_100k_pop",
            "forest_fire_damage_permille",
        ),
        quarter_codes=("nd_deaths_missing", "nd_relocated"),
        pending=("bd_hazard", "bd_month"),
        prev5=True,
    ),
    "enforcement": Domain(
        key="enforcement",
        title_key="page_enforcement",
        counts=(
            "enf_inspections",
            "enf_penalties",
            "enf_fines",
            "enf_suspensions",
            "enf_closures",
            "hazards_found",
            "hazards_major_found",
            "hazards_rectified",
        ),
        rates=("hazard_rectification_pct",),
        quarter_codes=("enf_inspections", "enf_penalties"),
        pending=("bd_enf_sector", "bd_month"),
    ),
}


def period_table(rows: dict[str, dict], codes: tuple[str, ...], lang: str, prev5: bool) -> pd.DataFrame:
    out = []
    for code in codes:
        r = rows.get(code)
        if r is None:
            continue
        rec = {
            t("col_indicator", lang): r.get("indicator_name_en")
            if lang == "en"
            else r.get("indicator_name_zh"),
            t("col_period", lang): period_label(str(r["period_type"]), str(r["period"]), lang),
            t("col_value", lang): format_indicator_value(r, lang),
            t("col_yoy_abs", lang): format_signed(r.get("yoy_abs"), r.get("unit"), lang, r.get("unit_en")),
            t("col_yoy_pct", lang): format_pct_change(r.get("yoy_pct")),
        }
        if prev5:
            rec[t("col_prev5_pct", lang)] = format_pct_change(r.get("vs_prev5_mean_pct"))
        rec[t("col_released", lang)] = str(r.get("released_on") or "")[:10]
        rec[t("col_break", lang)] = (r.get("break_note_en") if lang == "en" else r.get("break_note_zh")) or ""
        out.append(rec)
    return pd.DataFrame(out)


def render_domain(ctx: Context, key: str) -> None:
    dom = DOMAINS[key]
    lang = ctx.lang
    st.title(t("domain_title", lang, domain=t(dom.title_key, lang), region=ctx.region_name))
    codes = dom.counts + dom.rates
    values = (
        data.values_for_period(ctx.db, ctx.region, ctx.period_type, ctx.period)
        if ctx.period_type and ctx.period
        else pd.DataFrame()
    )
    annual = data.annual_series(ctx.db, ctx.region)
    annual = annual[annual["indicator_code"].isin(codes)] if not annual.empty else annual
    rows = pick_rows(values, ctx.period_type, ctx.period)
    present = [c for c in codes if c in rows]
    if not present and annual.empty:
        st.info(t("domain_no_data", lang))
        st.caption(t("pending_breakdowns", lang, items=", ".join(t(k, lang) for k in dom.pending)))
        return
    if dom.prev5:
        st.caption(t("vs_prev5_note", lang))

    # headline numbers of the domain for the period: the first counts, then the rates
    cards = [c for c in (*dom.counts[:4], *dom.rates) if c in rows][:8]
    for start in range(0, len(cards), 4):
        cols = st.columns(4)
        for col, code in zip(cols, cards[start : start + 4], strict=False):
            with col:
                components.kpi_card(
                    card_model(code, rows[code], None, lang),
                    lang,
                    spark=components.spark_values(annual, code, ctx.year),
                )

    st.subheader(t("domain_table", lang) + f" · {ctx.period_text}")
    table_df = period_table(rows, codes, lang, dom.prev5)
    export = values[values["indicator_code"].isin(codes)] if not values.empty else values
    if not table_df.empty:
        components.table(
            table_df, lang, name=f"{key}_{ctx.region}_{ctx.period}", key=f"{key}_table", export=export
        )
    components.source_caption(
        lang,
        ["marts.fct_indicator_values"],
        components.formula_text(ctx.db, [c for c in dom.rates if c in rows], lang) or None,
        components.vintage_text(export, lang),
    )

    if not annual.empty:
        st.subheader(t("domain_trend", lang))
        shown = [c for c in codes if c in set(annual["indicator_code"])]
        components.chart(
            figures.domain_trends(ctx.db, ctx.region, tuple(shown), lang, dom.prev5),
            key=f"{key}_trend",
            filename=f"{key}_trend_{ctx.region}",
        )
        components.source_caption(
            lang,
            ["marts.fct_indicator_values (period_type = year)"],
            components.formula_text(ctx.db, [c for c in dom.rates if c in shown], lang) or None,
            components.vintage_text(annual, lang),
        )

    if dom.grades and not annual.empty and "ps_accidents" in set(annual["indicator_code"]):
        st.subheader(t("domain_grades", lang))
        components.chart(
            figures.grades(ctx.db, ctx.region, lang),
            key=f"{key}_grades",
            filename=f"{key}_grades_{ctx.region}",
        )
        components.source_caption(
            lang,
            ["marts.fct_indicator_values"],
            t("grade_formula", lang),
            components.vintage_text(annual, lang),
        )

    if ctx.year:
        quarters = data.quarter_values(ctx.db, ctx.region, ctx.year)
        qcodes = [c for c in dom.quarter_codes if not quarters.empty and c in set(quarters["indicator_code"])]
        if qcodes:
            st.subheader(t("domain_quarters", lang, year=ctx.year))
            components.chart(
                figures.quarters(ctx.db, ctx.region, ctx.year, tuple(qcodes), lang),
                key=f"{key}_quarters",
                filename=f"{key}_quarters_{ctx.region}_{ctx.year}",
            )
            components.source_caption(
                lang,
                ["marts.fct_indicator_values (period_type = quarter)"],
                None,
                components.vintage_text(quarters, lang),
            )

    st.info(t("pending_breakdowns", lang, items=", ".join(t(k, lang) for k in dom.pending)), icon="🧩")
