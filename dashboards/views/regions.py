"""分地区 Drill-down: child regions ranked by value and by change, counts beside rates."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, components, data, signal, state
from dashboards.formatting import (
    DENOMINATOR_UNITS,
    format_indicator_value,
    format_pct_change,
    format_signed,
    format_value,
    is_missing,
)
from dashboards.i18n import t
from dashboards.state import Context, current

DEFAULT_INDICATOR = "ps_deaths"
DRILL_KEY = "regions_drill_target"


def _drill(regions: pd.DataFrame, table_key: str, codes: list[str]) -> None:
    """Row selected in the table: make it the region of the sidebar."""
    sel = st.session_state.get(table_key)
    rows = getattr(getattr(sel, "selection", None), "rows", None)
    if rows is None and isinstance(sel, dict):
        rows = sel.get("selection", {}).get("rows")
    if rows:
        state.set_region(regions, codes[int(rows[0])])


def _drill_button(regions: pd.DataFrame) -> None:
    code = st.session_state.get(DRILL_KEY)
    if code:
        state.set_region(regions, str(code))


def display_table(
    df: pd.DataFrame,
    counts: pd.DataFrame | None,
    lang: str,
    count_unit: str | None,
    units: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Formatted table: value, numerator count beside rates, change, signal vs noise."""
    rows = data.records(df)
    cnt = {}
    if counts is not None and not counts.empty:
        cnt = {
            str(r["region_code"]): (r.get("count_value"), r.get("count_base")) for r in data.records(counts)
        }
    out = []
    for r in rows:
        code = str(r["region_code"])
        is_rate = r.get("indicator_kind") == "rate"
        if is_rate:
            cur, base = cnt.get(code, (r.get("numerator"), None))
        else:
            cur, base = r.get("value"), r.get("yoy_base_value")
        sig = signal.poisson_signal(cur, base)
        den_unit = (units or DENOMINATOR_UNITS).get(str(r.get("denominator_measure")), ("", ""))[0]
        out.append(
            {
                t("col_region", lang): r.get("region_name_en") if lang == "en" else r.get("region_name_zh"),
                t("col_region_code", lang): code,
                t("col_value", lang): format_indicator_value(r, lang),
                t("count_beside_rate", lang): format_value(r.get("numerator"), count_unit, lang)
                if is_rate
                else "",
                t("col_denominator", lang): format_value(r.get("denominator"), den_unit or None, lang)
                if is_rate
                else "",
                t("col_yoy_abs", lang): format_signed(
                    r.get("yoy_abs"), r.get("unit"), lang, r.get("unit_en")
                ),
                t("col_yoy_pct", lang): format_pct_change(r.get("yoy_pct")),
                t("signal", lang): (
                    "" if sig is None else t("signal_yes", lang) if sig else t("signal_no", lang)
                ),
                t("col_released", lang): str(r.get("released_on") or "")[:10],
            }
        )
    frame = pd.DataFrame(out)
    if rows and rows[0].get("indicator_kind") != "rate":
        frame = frame.drop(columns=[t("count_beside_rate", lang), t("col_denominator", lang)])
    return frame


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("regions_title", lang, region=ctx.region_name))
    if not ctx.period_type or not ctx.period:
        st.info(t("no_periods", lang))
        return
    regions = data.regions(ctx.db)
    reg = data.indicators(ctx.db)
    name_col = "name_en" if lang == "en" else "name_zh"
    codes = [str(c) for c in reg["indicator_code"]]
    names = dict(zip(reg["indicator_code"], reg[name_col], strict=True))
    indicator = st.selectbox(
        t("indicator", lang),
        codes,
        format_func=lambda c: str(names.get(c, c)),
        **state.kept(
            "regions_indicator",
            codes,
            index=codes.index(DEFAULT_INDICATOR) if DEFAULT_INDICATOR in codes else 0,
        ),
    )
    df = data.children_values(ctx.db, ctx.region, indicator, ctx.period_type, ctx.period)
    if df.empty and ctx.period_type == "ytd" and ctx.period.endswith("Q4"):
        df = data.children_values(ctx.db, ctx.region, indicator, "year", ctx.period[:4])
    if df.empty:
        st.info(t("regions_none", lang, region=ctx.region_name))
        return
    first = df.iloc[0]
    is_rate = first["indicator_kind"] == "rate"
    count_unit = None
    counts = None
    if is_rate:
        num = str(first["numerator_measure"])
        m = reg[reg["indicator_code"] == num]
        count_unit = str(m.iloc[0]["unit_zh"]) if not m.empty else None
        counts = data.children_yoy_counts(
            ctx.db, ctx.region, num, str(first["period_type"]), str(first["period"])
        )
    st.caption(t("small_numbers", lang, n=signal.SMALL_COUNT))

    c1, c2 = st.columns(2)
    title = f"{names.get(indicator, indicator)} · {ctx.period_text}"
    with c1:
        components.chart(
            charts.ranking_figure(df, lang=lang, title=t("rank_by_value", lang), count_unit=count_unit),
            key="regions_rank_value",
            filename=f"rank_{ctx.region}_{indicator}",
        )
    with c2:
        components.chart(
            charts.change_figure(df, lang=lang, title=t("rank_by_change", lang)),
            key="regions_rank_change",
            filename=f"change_{ctx.region}_{indicator}",
        )
    formula = components.formula_text(ctx.db, [indicator], lang)
    components.source_caption(
        lang, ["marts.fct_indicator_values", "marts.dim_regions"], formula, components.vintage_text(df, lang)
    )

    st.subheader(title)
    # denominator units from the measure registry (dim_measures)
    shown = display_table(df, counts, lang, count_unit, data.measure_units(ctx.db))
    child_codes = [str(c) for c in df["region_code"]]
    components.table(
        shown,
        lang,
        name=f"children_{ctx.region}_{indicator}_{first['period']}",
        key="regions_table",
        on_select=lambda: _drill(regions, "regions_table", child_codes),
        export=df,
    )
    st.caption(t("signal_help", lang) + " " + t("drill_hint", lang))
    c3, c4 = st.columns([2, 1], vertical_alignment="bottom")
    with c3:
        st.selectbox(
            t("drill_to", lang),
            child_codes,
            format_func=lambda c: state.region_label(regions, c, lang),
            **state.kept(DRILL_KEY, child_codes),
        )
    with c4:
        st.button(
            t("drill_button", lang), key="regions_drill_button", on_click=_drill_button, args=(regions,)
        )
    if is_missing(first.get("value")):
        st.caption(t("rate_partial", lang))


render(current())
