"""数据导出 Exports: the official-layout workbook and brief of the sidebar's region and quarter,
the monthly 安全生产形势 text and the 综合情况表 of its month or period (dashboards/situation.py),
and any published table as CSV or Excel, for the selected region or all."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import components, data, situation
from dashboards.access import current_role, may_export
from dashboards.i18n import t
from dashboards.state import Context, current, kept
from pipelines.exports.brief import find_chromium, pdf_bytes, render_html
from pipelines.exports.quarterly_workbook import build_workbook
from pipelines.exports.report_data import ExportError, load_from_file, quarter_for

PREVIEW_ROWS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def official_reports(ctx: Context) -> None:
    """Download buttons for the 综合报表 workbook and the quarterly brief. The report's figures are
    read when the page runs (a few small queries); the files are built only when clicked."""
    lang = ctx.lang
    st.subheader(t("official_title", lang))
    quarter = quarter_for(ctx.period_type, ctx.period)
    if quarter is None:
        st.info(t("official_pick_period", lang))
        return
    try:
        report = load_from_file(Path(ctx.db.rsplit("|", 1)[0]), quarter, ctx.region)
    except ExportError:
        st.info(t("official_unavailable", lang, region=ctx.region_name, quarter=quarter))
        return
    st.caption(t("official_intro", lang, region=ctx.region_name, quarter=quarter))
    name = f"{ctx.region}_{quarter}"
    has_pdf = find_chromium() is not None
    c1, c2, _ = st.columns([1, 1, 2])
    with c1:
        st.download_button(
            t("download_workbook", lang),
            data=lambda: build_workbook(report),
            file_name=f"综合报表_{name}.xlsx",
            mime=XLSX,
            key="official_workbook",
            icon=":material/table_view:",
            on_click="ignore",
        )
    with c2:
        if has_pdf:
            st.download_button(
                t("download_brief_pdf", lang),
                data=lambda: pdf_bytes(report) or b"",
                file_name=f"季度简报_{name}.pdf",
                mime="application/pdf",
                key="official_brief",
                icon=":material/picture_as_pdf:",
                on_click="ignore",
            )
        else:
            st.download_button(
                t("download_brief_html", lang),
                data=lambda: render_html(report).encode("utf-8"),
                file_name=f"季度简报_{name}.html",
                mime="text/html",
                key="official_brief",
                icon=":material/description:",
                on_click="ignore",
            )
    if not has_pdf:
        st.caption(t("brief_html_only", lang))


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("exports_title", lang))
    official_reports(ctx)
    situation.official_tables_download(ctx)
    st.divider()
    situation.render_situation(ctx)
    st.divider()
    st.caption(t("exports_intro", lang))
    present = set(data.tables(ctx.db))
    role = current_role()  # tables by role: dashboards/access.py EXPORT_ROLES
    names = [n for n, table in data.EXPORT_TABLES.items() if table in present and may_export(role, n)]
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
