"""数据导出 Exports: any published table as CSV or Excel, for the selected region or all."""

from __future__ import annotations

import streamlit as st

from dashboards import components, data
from dashboards.i18n import t
from dashboards.state import Context, current, kept

PREVIEW_ROWS = 200


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("exports_title", lang))
    st.caption(t("exports_intro", lang))
    present = set(data.tables(ctx.db))
    names = [n for n, table in data.EXPORT_TABLES.items() if table in present]
    name = st.selectbox(
        t("export_table", lang),
        names,
        format_func=lambda n: data.EXPORT_TABLES[n],
        **kept("exports_table", names),
    )
    scope = st.radio(
        t("export_scope", lang),
        ["region", "all"],
        format_func=lambda s: (
            t("export_region", lang) + f"({ctx.region_name})" if s == "region" else t("export_all", lang)
        ),
        horizontal=True,
        **kept("exports_scope", ["region", "all"]),
    )
    df = data.export_table(ctx.db, name, ctx.region if scope == "region" else None)
    st.caption(t("rows", lang, n=len(df)))
    st.dataframe(df.head(PREVIEW_ROWS), hide_index=True, width="stretch", height=360)
    suffix = ctx.region if scope == "region" else "all"
    components.download_buttons(df, f"{name}_{suffix}", lang, key="exports_dl")
    components.source_caption(lang, [data.EXPORT_TABLES[name]], None, components.vintage_text(df, lang))


render(current())
