"""规划进度 Trend vs plan: annual and quarterly series with baseline, path, target and breaks;
the probability of meeting each target and the projection fan (docs/methods.md §4)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import charts, components, data, figures, public_benchmark
from dashboards.cards import primary_targets
from dashboards.formatting import format_value, target_text
from dashboards.i18n import binding_label, t
from dashboards.state import Context, current, kept
from pipelines.lib.plan_statuses import status_label

MAX_DEFAULT = 6
MIN_DEFAULT = 4
PROJECTED = ("poisson_trend", "quasi_poisson_trend", "quasi_likelihood_trend", "constant_rate")


def format_probability(p: Any, observed: bool) -> str:
    """A simulated probability never claims certainty: <1% / >99% unless all years are observed."""
    if p is None or pd.isna(p):
        return "—"
    value = float(p)
    if not observed and value < 0.01:
        return "<1%"
    if not observed and value > 0.99:
        return ">99%"
    return f"{value * 100:.0f}%"


def attainment_lines(rows: list[dict[str, Any]], unit: str | None, lang: str) -> list[str]:
    """What the page says about one target's assessments (fct_plan_attainment rows, any order):
    the latest projection, the observed outcome when every year is in, and the history."""
    if not rows:
        return [t("attainment_none", lang)]
    rows = sorted(rows, key=lambda r: int(r["data_through_year"]))
    lines = []
    latest = rows[-1]
    projections = [r for r in rows if r.get("method") in PROJECTED and r.get("probability") is not None]
    if latest.get("method") == "observed" and latest.get("attainment_band"):
        lines.append(t("attainment_observed", lang, verdict=t(f"band_{latest['attainment_band']}", lang)))
    if projections:
        r = projections[-1]
        lines.append(
            t(
                "attainment_line",
                lang,
                year=int(r["data_through_year"]),
                p=format_probability(r["probability"], observed=False),
                value=format_value(r.get("projected_value"), unit, lang),
                low=format_value(r.get("projected_p05"), unit, lang),
                high=format_value(r.get("projected_p95"), unit, lang),
                method=t(f"method_{r['method']}", lang),
            )
        )
        history = " · ".join(
            f"{int(x['data_through_year'])}: {format_probability(x['probability'], observed=False)}"
            for x in projections
        )
        lines.append(f"{t('attainment_history', lang)}: {history}")
    elif latest.get("method") != "observed":
        lines.append(t("attainment_none", lang))
    return lines


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
    attainment = data.plan_attainment(ctx.db, ctx.region)
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
        fig = figures.plan_trend(ctx.db, ctx.region, code, lang, public_benchmark.token())
        if target and target.get("target_kind") != "other":  # no numeric target: nothing to attain
            assessed = attainment[attainment["target_id"] == target.get("target_id")]
            rows = data.records(assessed)
            st.markdown(
                f"**{t('attainment', lang)}**"
                + (":" if lang == "zh" else ": ")
                + "  \n".join(attainment_lines(rows, target.get("unit"), lang))
            )
            years = [int(r["data_through_year"]) for r in rows if r.get("method") in PROJECTED]
            if years:
                through = st.selectbox(
                    t("fan_from", lang),
                    years,
                    **kept(f"plan_fan_{code}", years, index=len(years) - 1),
                )
                fan = data.plan_projection(ctx.db, str(target.get("target_id")), int(through))
                fig = charts.add_projection_fan(fig, fan, lang=lang, data_through=int(through))
        components.chart(fig, key=f"plan_{code}", filename=f"plan_{ctx.region}_{code}")
        if not public_benchmark.for_series(public_benchmark.token(), series, ctx.region, code).empty:
            st.caption(public_benchmark.caption(ctx.db, lang))
        reg_row = reg[reg["indicator_code"] == code]
        formula = ""
        if not reg_row.empty:
            formula = str(reg_row.iloc[0]["formula_en" if lang == "en" else "formula_zh"])
        components.source_caption(
            lang,
            [
                "marts.fct_indicator_values",
                *(
                    ["marts.fct_plan_progress", "marts.fct_plan_attainment", "marts.fct_plan_projection"]
                    if target
                    else []
                ),
            ],
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
