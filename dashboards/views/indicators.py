"""指标目录 Indicator registry: one row per indicator (formula, numerator and its sector scope,
denominator, scale, unit, better direction, source), and for the chosen indicator the SQL that
recomputes its value for the sidebar's region and period, runnable through the sandbox."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import analyst, data
from dashboards.access import require_page
from dashboards.i18n import t
from dashboards.indicator_notes import note_markdown
from dashboards.indicator_sql import recompute_sql
from dashboards.state import Context, current, kept
from pipelines.sandbox import QueryRefused

require_page("indicators")  # analysts and statisticians: runnable SQL (dashboards/access.py PAGES)

MODELS = (
    "dbt_project/models/marts/fct_indicator_values.sql",
    "dbt_project/models/intermediate/int_indicator_values__base.sql",
    "dbt_project/models/intermediate/int_measure_values__chosen.sql",
)
TABLES = ["marts.dim_indicators", "marts.dim_measures", "marts.dim_sectors"]


@st.cache_data(ttl=analyst.TTL_SECONDS, show_spinner=False)
def _sectors(db: str) -> pd.DataFrame:
    return analyst.frame(analyst.run(db, "SELECT * FROM marts.dim_sectors ORDER BY sector_code"))


@st.cache_data(ttl=analyst.TTL_SECONDS, show_spinner=False)
def _breakdowns(db: str) -> list[tuple[str, str]]:
    r = analyst.run(db, "SELECT DISTINCT measure_code, breakdown FROM marts.fct_breakdowns")
    return [(str(m), str(b)) for m, b in r.rows]


def _scope_text(scope: Any, sectors: pd.DataFrame, lang: str) -> str:
    if not isinstance(scope, str) or not scope or scope not in sectors.columns:
        return t("ind_scope_none", lang)
    names = sectors[sectors[scope].astype(bool)][f"name_{'en' if lang == 'en' else 'zh'}"]
    return f"{scope}: " + ("; " if lang == "en" else "、").join(str(n) for n in names)


def _measure_text(code: Any, measures: dict[str, dict[str, Any]], lang: str) -> str:
    if not isinstance(code, str) or not code:
        return "—"
    m = measures.get(code)
    if m is None:
        return code
    return f"{code} · {m['name_en' if lang == 'en' else 'name_zh']} ({m['unit']})"


def render(ctx: Context) -> None:
    lang = ctx.lang
    db = ctx.db
    sfx = "en" if lang == "en" else "zh"
    st.title(t("ind_title", lang))
    st.caption(t("ind_intro", lang))
    analyst.dictionary_link(lang)

    reg = data.indicators(db)
    measures = {str(r["measure_code"]): r for r in data.records(data.measures(db))}
    sectors = _sectors(db)
    table = pd.DataFrame(
        {
            "code": reg["indicator_code"],
            t("col_indicator", lang): reg[f"name_{sfx}"],
            t("ind_kind", lang): reg["kind"].map(lambda k: t(f"ind_kind_{k}", lang)),
            t("formula", lang): reg[f"formula_{sfx}"],
            t("col_numerator", lang): reg["numerator_measure"].map(
                lambda c: _measure_text(c, measures, lang)
            ),
            t("ind_scope", lang): reg["sector_scope"].map(lambda s: _scope_text(s, sectors, lang)),
            t("col_denominator", lang): reg["denominator_measure"].map(
                lambda c: _measure_text(c, measures, lang)
            ),
            t("ind_scale", lang): reg["scale"],
            t("col_unit", lang): reg[f"unit_{sfx}"],
            t("better", lang): reg["better"].map(lambda b: t(f"better_{b}", lang)),
            t("regulation", lang): reg["source_regulation"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", height=420, key="ind_registry")
    st.caption(t("caption_source", lang, tables=", ".join(TABLES)))

    codes = list(reg["indicator_code"])
    names = dict(zip(reg["indicator_code"], reg[f"name_{sfx}"], strict=True))
    code = st.selectbox(
        t("ind_pick", lang),
        codes,
        format_func=lambda c: f"{names[c]} ({c})",
        **kept("ind_code", codes),
    )
    if code is None:
        return
    ind = data.records(reg[reg["indicator_code"] == code])[0]
    st.subheader(f"{ind[f'name_{sfx}']} ({code})")
    st.markdown(f"**{t('formula', lang)}**: {ind[f'formula_{sfx}']}")
    if ind["kind"] == "rate":
        st.markdown(t("ind_value_formula", lang, scale=f"{float(ind['scale']):g}"))
    st.caption(f"{t('ind_model', lang)}: " + " ← ".join(f"`{m}`" for m in MODELS))
    with st.expander(t("note_expander", lang), expanded=True):  # seeds/indicator_notes.csv
        st.markdown(note_markdown(code, lang))

    period_type = ctx.period_type or "year"
    period = ctx.period or str(ctx.year or "")
    st.markdown(
        f"**{t('ind_sql', lang)}** · {t('ind_sql_for', lang, region=ctx.region_name, period=ctx.period_text)}"
    )
    sql = recompute_sql(
        ind,
        ctx.region,
        period_type,
        period,
        measure_kinds={c: str(m["kind"]) for c, m in measures.items()},
        measure_domains={c: str(m["domain"]) for c, m in measures.items()},
        breakdowns=_breakdowns(db),
    )
    st.code(sql, language="sql")
    if st.button(t("ind_run", lang), key="ind_run", icon=":material/play_arrow:"):
        try:
            result = analyst.run(db, sql)
        except QueryRefused as exc:
            st.error(str(exc))
            return
        df = analyst.frame(result)
        if df.empty:
            st.info(t("ind_no_value", lang))
            return
        st.dataframe(df, hide_index=True, width="stretch", key="ind_result")
        row = df.iloc[0]
        value, recomputed = row.get("value"), row.get("recomputed_value")
        if pd.notna(value) and pd.notna(recomputed):
            same = abs(float(value) - float(recomputed)) <= 1e-9 * max(1.0, abs(float(value)))
            (st.success if same else st.warning)(t("ind_match" if same else "ind_differs", lang))


render(current())
