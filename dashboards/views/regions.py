"""分地区 Drill-down: child regions compared by value (a funnel plot for rates of events or
persons and for proportions, a ranking for counts and for rates of amounts such as 万元, 公顷 or
人次, which have no control limits) and by change, counts beside rates; within-noise changes
greyed (docs/methods.md)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import charts, components, data, state
from dashboards.cards import format_p
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
from pipelines.lib.funnel_kind import clustered, indicator_funnel_kind

DEFAULT_INDICATOR = "ps_deaths"
SMALL_COUNT = 10  # below this many events, rates and percent changes are mostly chance
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


SIGNAL_KEYS = {"significant": "signal_yes", "within_noise": "signal_no", "partial_coverage": "signal_partial"}
GREY = "color: #8b949e"


def display_table(
    df: pd.DataFrame,
    lang: str,
    count_unit: str | None,
    units: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Formatted table: value and its 95% interval, numerator count beside rates, change, and the
    warehouse's exact test of the change (yoy_signal; `df` carries the noise columns)."""
    rows = data.records(df)
    out = []
    for r in rows:
        code = str(r["region_code"])
        is_rate = r.get("indicator_kind") == "rate"
        noise = r.get("yoy_signal")
        unit, unit_en = r.get("unit"), r.get("unit_en")
        den_unit = (units or DENOMINATOR_UNITS).get(str(r.get("denominator_measure")), ("", ""))[0]
        interval = (
            ""
            if is_missing(r.get("ci_low"))
            else f"{format_value(r.get('ci_low'), unit, lang, unit_en)} – {format_value(r.get('ci_high'), unit, lang, unit_en)}"
        )
        out.append(
            {
                t("col_region", lang): r.get("region_name_en") if lang == "en" else r.get("region_name_zh"),
                t("col_region_code", lang): code,
                t("col_value", lang): format_indicator_value(r, lang),
                t("col_ci", lang): interval,
                t("count_beside_rate", lang): format_value(r.get("numerator"), count_unit, lang)
                if is_rate
                else "",
                t("col_denominator", lang): format_value(r.get("denominator"), den_unit or None, lang)
                if is_rate
                else "",
                t("col_yoy_abs", lang): format_signed(r.get("yoy_abs"), unit, lang, unit_en),
                t("col_yoy_pct", lang): format_pct_change(r.get("yoy_pct")),
                t("col_p", lang): "" if is_missing(r.get("yoy_p_value")) else format_p(r.get("yoy_p_value")),
                t("signal", lang): t(SIGNAL_KEYS[str(noise)], lang) if noise in SIGNAL_KEYS else "",
                t("col_released", lang): str(r.get("released_on") or "")[:10],
            }
        )
    frame = pd.DataFrame(out)
    if rows and rows[0].get("indicator_kind") != "rate":
        frame = frame.drop(columns=[t("count_beside_rate", lang), t("col_denominator", lang)])
    return frame


def grey_within_noise(frame: pd.DataFrame, df: pd.DataFrame, lang: str) -> Any:
    """The table with the change columns of within-noise rows in grey (a Styler)."""
    noise = list(df["yoy_signal"]) if "yoy_signal" in df.columns else [None] * len(frame)
    change_cols = [t("col_yoy_abs", lang), t("col_yoy_pct", lang), t("col_p", lang), t("signal", lang)]

    def style(row: pd.Series) -> list[str]:
        grey = noise[int(str(row.name))] in ("within_noise", "partial_coverage")
        return [GREY if grey and c in change_cols else "" for c in frame.columns]

    return frame.style.apply(style, axis=1)


def funnel_notes(funnel: charts.Funnel, why: str, lang: str) -> list[str]:
    """The funnel's caption: what a funnel replaces, which limits are drawn and why, widening."""
    binomial = funnel.model == "binomial"
    notes = [t("funnel_caption", lang), why]
    od = funnel.overdispersion
    if od is not None and od.overdispersed:
        key = "funnel_overdispersed_binomial" if binomial else "funnel_overdispersed"
        notes.append(t(key, lang, phi=f"{od.phi:.2f}", tau=format_value(od.tau2**0.5, None, lang)))
    else:
        notes.append(t("funnel_exact_binomial" if binomial else "funnel_exact", lang))
    if funnel.excluded:
        notes.append(t("funnel_excluded", lang, n=funnel.excluded))
    return notes


def funnel_why(kind: str, ind: dict[str, Any], measures: dict[str, dict[str, Any]], lang: str) -> str:
    """Why these limits: the numerator's kind of count (measure registry, dim_measures)."""
    num_m = measures.get(str(ind.get("numerator_measure")), {})
    if kind == "binomial":
        den_m = measures.get(str(ind.get("denominator_measure")), {})
        col = "name_en" if lang == "en" else "name_zh"
        den_name = str(den_m.get(col) or ind.get("denominator_measure"))
        return t(
            "funnel_why_binomial",
            lang,
            num=str(num_m.get(col) or ind.get("numerator_measure")),
            den=den_name[:1].lower() + den_name[1:] if lang == "en" else den_name,
        )
    return t("funnel_why_persons" if clustered(num_m.get("dimension")) else "funnel_why_events", lang)


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
    period_type, period = str(first["period_type"]), str(first["period"])
    noise = data.children_noise(ctx.db, ctx.region, indicator, period_type, period)
    df = df.merge(noise, on="region_code", how="left")
    is_rate = first["indicator_kind"] == "rate"
    count_unit = None
    if is_rate:
        num = str(first["numerator_measure"])
        m = reg[reg["indicator_code"] == num]
        count_unit = str(m.iloc[0]["unit_zh"]) if not m.empty else None
    st.caption(t("small_numbers", lang, n=SMALL_COUNT))

    c1, c2 = st.columns(2)
    title = f"{names.get(indicator, indicator)} · {ctx.period_text}"
    ind = data.records(reg[reg["indicator_code"] == indicator])[0]
    measures = {str(m["measure_code"]): m for m in data.records(data.measures(ctx.db))}
    dimensions = {code: str(m.get("dimension") or "") for code, m in measures.items()}
    kind = indicator_funnel_kind(ind, dimensions)  # which limits the measure types allow
    units = data.measure_units(ctx.db)
    with c1:
        if kind != "none":  # a funnel plot, not a league table: rank order among noisy rates means nothing
            den = units.get(str(first["denominator_measure"]), ("", ""))
            funnel = charts.funnel_figure(
                df,
                data.region_value(ctx.db, ctx.region, indicator, period_type, period),
                float(ind["scale"]),
                lang=lang,
                title=t("funnel_title", lang),
                denominator_unit=den[0],
                denominator_unit_en=den[1],
                count_unit=count_unit,
                model=kind,
            )
            components.chart(funnel.figure, key="regions_funnel", filename=f"funnel_{ctx.region}_{indicator}")
            st.caption(" ".join(funnel_notes(funnel, funnel_why(kind, ind, measures, lang), lang)))
        elif is_rate:  # an amount (万元, 公顷, 人次 …) per denominator: values only, no limits
            components.chart(
                charts.ranking_figure(
                    df, lang=lang, title=t("funnel_none_title", lang), count_unit=count_unit
                ),
                key="regions_rank_value",
                filename=f"rank_{ctx.region}_{indicator}",
            )
            num_unit = units.get(str(first["numerator_measure"]), ("", ""))
            st.caption(t("funnel_none", lang, unit=num_unit[1] if lang == "en" else num_unit[0]))
        else:
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
    shown = display_table(df, lang, count_unit, data.measure_units(ctx.db))
    child_codes = [str(c) for c in df["region_code"]]
    components.table(
        grey_within_noise(shown, df, lang),
        lang,
        name=f"children_{ctx.region}_{indicator}_{first['period']}",
        key="regions_table",
        column_config={t("signal", lang): st.column_config.TextColumn(help=t("signal_help", lang))},
        on_select=lambda: _drill(regions, "regions_table", child_codes),
        export=df,
    )
    st.caption(t("signal_help", lang) + " " + t("drill_hint", lang))
    c3, c4 = st.columns([2, 1], vertical_alignment="bottom")
    with c3:
        st.selectbox(
            t("drill_to", lang),
            child_codes,
            format_func=state.region_labeler(regions, lang),
            **state.kept(DRILL_KEY, child_codes),
        )
    with c4:
        st.button(
            t("drill_button", lang), key="regions_drill_button", on_click=_drill_button, args=(regions,)
        )
    if is_missing(first.get("value")):
        st.caption(t("rate_partial", lang))


render(current())
