"""数据质量 Data quality: last refresh, files per source and period, rejected rows and reasons,
what changed, records vs report tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, components, data
from dashboards.access import require_page
from dashboards.formatting import format_number, format_pct_change, format_value, period_label
from dashboards.i18n import t
from dashboards.state import Context, current

# statisticians only: rejected rows, submissions, refreshes (dashboards/access.py PAGES)
require_page("quality")

CHANGE_LABELS = {"new": ("新增", "new"), "changed": ("已变更", "changed"), "unchanged": ("未变", "unchanged")}


KIND_LABELS = {"changed": ("修订", "revised"), "added": ("新增", "added"), "removed": ("删除", "removed")}


def value_changes(ctx: Context, info: dict) -> None:
    """Indicator values that moved since the previous publication (quality.indicator_changes)."""
    lang, db = ctx.lang, ctx.db
    history = data.refresh_history(db)
    if history.empty:
        st.caption(t("changes_no_history", lang))
        return
    run_id = str(info.get("run_id") or history.iloc[0]["run_id"])
    latest = history[history["run_id"] == run_id]
    row = latest.iloc[0] if not latest.empty else history.iloc[0]
    if bool(row.get("is_first")):
        st.info(t("changes_first", lang))
    else:
        n = int(row.get("values_changed") or 0)
        st.metric(t("values_changed", lang), format_number(n, lang, integer=True))
        summary = data.value_change_summary(db, run_id)
        if not summary.empty:
            name = "indicator_name_en" if lang == "en" else "indicator_name_zh"
            components.table(
                pd.DataFrame(
                    {
                        t("change_kind", lang): summary["change_kind"].map(
                            lambda k: KIND_LABELS.get(k, (k, k))[1 if lang == "en" else 0]
                        ),
                        t("col_indicator", lang): summary[name],
                        t("values_n", lang): summary["n_values"],
                        t("regions_n", lang): summary["n_regions"],
                    }
                ),
                lang,
                name=f"value_changes_summary_{run_id[:8]}",
                key="quality_value_summary",
                export=summary,
            )
            detail = data.value_changes(db, run_id, ctx.region)
            st.markdown(f"**{t('changes_in_region', lang, region=ctx.region_name)}**")
            if detail.empty:
                st.caption(t("changes_none", lang))
            else:
                rname = "region_name_en" if lang == "en" else "region_name_zh"
                iname = "indicator_name_en" if lang == "en" else "indicator_name_zh"
                recs = data.records(detail)
                shown = pd.DataFrame(
                    {
                        t("col_region", lang): [r[rname] for r in recs],
                        t("col_indicator", lang): [r[iname] for r in recs],
                        t("col_period", lang): [
                            period_label(r["period_type"], r["period"], lang) for r in recs
                        ],
                        t("change_kind", lang): [
                            KIND_LABELS.get(r["change_kind"], ("", ""))[1 if lang == "en" else 0]
                            for r in recs
                        ],
                        t("old_value", lang): [
                            format_value(r["old_value"], r["unit"], lang, r["unit_en"]) for r in recs
                        ],
                        t("new_value", lang): [
                            format_value(r["new_value"], r["unit"], lang, r["unit_en"]) for r in recs
                        ],
                        t("new_released", lang): [str(r["new_released_on"] or "")[:10] for r in recs],
                    }
                )
                components.table(
                    shown,
                    lang,
                    name=f"value_changes_{ctx.region}_{run_id[:8]}",
                    key="quality_value_changes",
                    export=detail,
                    height=300,
                )
    with st.expander(t("refresh_history", lang)):
        st.dataframe(history, hide_index=True, width="stretch")
    components.source_caption(lang, ["quality.refreshes", "quality.indicator_changes"], None, None)


def source_name(code: str, lang: str) -> str:
    """生产安全事故 / production-safety accidents for 'accidents' (input contracts' titles)."""
    from pipelines.lib.contracts import ALL_SOURCES

    for s in ALL_SOURCES:
        if s.name == code:
            return s.title_en if lang == "en" else s.title_zh
    return code


def freshness_section(ctx: Context) -> None:
    """数据时效: per record source, the quarter due vs the latest complete quarter."""
    lang = ctx.lang
    st.subheader(t("freshness", lang))
    fr = data.freshness(ctx.db)
    if fr.empty:
        st.caption("marts.fct_source_freshness —")
        return
    st.caption(t("freshness_caption", lang, date=str(fr.iloc[0]["reference_date"])[:10]))
    shown = pd.DataFrame(
        {
            t("source", lang): fr["source"].map(lambda c: source_name(c, lang)),
            t("col_status", lang): fr["status"].map(lambda s: t(f"fresh_{s}", lang)),
            t("col_expected_period", lang): fr["expected_period"],
            t("col_complete_period", lang): fr["latest_complete_period"].fillna("—"),
            t("col_data_period", lang): fr["latest_data_period"].fillna("—"),
            t("col_quarters_behind", lang): fr["quarters_behind"],
            t("col_days_overdue", lang): fr["days_overdue"],
            t("col_last_loaded", lang): fr["last_loaded_at"].astype(str).str[:19],
        }
    )
    components.table(shown, lang, name="source_freshness", key="quality_freshness", export=fr)
    components.source_caption(lang, ["marts.fct_source_freshness"], None, None)


def submissions_section(ctx: Context) -> None:
    """报送情况: submission and timeliness rates, then every missing or late unit."""
    lang = ctx.lang
    st.subheader(t("submissions", lang))
    rates = data.submission_rates(ctx.db)
    if rates.empty:
        st.caption("marts.fct_submission_rates —")
        return
    st.caption(t("submission_rates_caption", lang))
    components.table(
        pd.DataFrame(
            {
                t("source", lang): rates["source"].map(lambda c: source_name(c, lang)),
                t("col_period", lang): rates["period"],
                t("col_units_due", lang): rates["n_units_due"],
                t("col_submitted", lang): rates["n_submitted"],
                t("col_missing", lang): rates["n_missing"],
                t("col_late", lang): rates["n_late"],
                t("col_submission_rate", lang): rates["submission_rate_pct"].map(
                    lambda v: format_number(v, lang)
                ),
                t("col_timeliness_rate", lang): rates["timeliness_rate_pct"].map(
                    lambda v: format_number(v, lang)
                ),
            }
        ),
        lang,
        name="submission_rates",
        key="quality_submission_rates",
        export=rates,
    )
    st.markdown(f"**{t('outstanding', lang)}**")
    out = data.outstanding_submissions(ctx.db)
    if out.empty:
        st.success(t("outstanding_none", lang))
    else:
        st.caption(t("missing_note", lang))
        name = "unit_name_en" if lang == "en" else "unit_name_zh"
        components.table(
            pd.DataFrame(
                {
                    t("col_reporting_unit", lang): out[name],
                    t("source", lang): out["source"].map(lambda c: source_name(c, lang)),
                    t("col_period", lang): out["period"],
                    t("col_status", lang): out["status"].map(lambda s: t(f"sub_{s}", lang)),
                    t("col_deadline", lang): out["deadline"].astype(str).str[:10],
                    t("col_days_late", lang): out["days_late"].map(
                        lambda v: format_number(v, lang, integer=True)
                    ),
                }
            ),
            lang,
            name="missing_late_submissions",
            key="quality_outstanding",
            export=out,
        )
    components.source_caption(lang, ["marts.fct_submissions", "marts.fct_submission_rates"], None, None)


def refresh_report_section(ctx: Context) -> None:
    """刷新报告: the report written after the latest refresh, earlier ones folded away."""
    lang = ctx.lang
    reports = data.refresh_reports(ctx.db)
    if reports.empty:
        return
    st.subheader(t("refresh_report", lang))
    with st.container(key="refresh_report"):
        st.code(str(reports.iloc[0]["report"]), language=None)
    if len(reports) > 1:
        with st.expander(t("refresh_report_older", lang)):
            for report in reports["report"].iloc[1:10]:
                st.code(str(report), language=None)


def render(ctx: Context) -> None:
    lang = ctx.lang
    db = ctx.db
    st.title(t("quality_title", lang))

    # last refresh
    info = data.refresh_info(db) or {}
    st.subheader(t("last_refresh", lang))
    c1, c2, c3 = st.columns([1, 2, 1])
    c1.metric(t("last_refresh", lang), str(info.get("published_at", "—"))[:19] + " UTC")
    c2.metric(t("raw_root", lang), str(info.get("raw_root", "—")))
    c3.metric(t("is_sample", lang), t("yes", lang) if info.get("is_sample") else t("no", lang))
    st.caption(f"{t('run_id', lang)}: {info.get('run_id', '—')} · meta.refresh")
    refresh_report_section(ctx)
    freshness_section(ctx)
    submissions_section(ctx)

    # files per source and period
    st.subheader(t("files_per_source", lang))
    summary = data.load_summary(db)
    if summary.empty:
        st.info("quality.load_log —")
    else:
        components.chart(
            charts.load_heatmap(summary, lang=lang), key="quality_heatmap", filename="files_per_source_period"
        )
        components.source_caption(
            lang,
            ["quality.load_log"],
            t("file_period_note", lang),
            components.vintage_text(summary, lang, "loaded_at"),
        )
        per_source = (
            summary.groupby("source", as_index=False)[
                ["files", "rows_read", "rows_accepted", "rows_rejected", "files_not_loaded"]
            ]
            .sum()
            .rename(
                columns={
                    "source": t("source", lang),
                    "files": t("files_loaded", lang),
                    "rows_read": t("rows_read", lang),
                    "rows_accepted": t("rows_accepted", lang),
                    "rows_rejected": t("rows_rejected", lang),
                    "files_not_loaded": t("files_not_loaded", lang),
                }
            )
        )
        components.table(
            per_source, lang, name="load_summary", key="quality_summary", export=data.load_log(db)
        )

    # rejects
    st.subheader(t("rejects", lang))
    reasons = data.reject_reasons(db)
    if reasons.empty:
        st.success(t("rejects_none", lang))
    else:
        msg = "message_en" if lang == "en" else "message_zh"
        shown = reasons[["source", "rule", "column_name", msg, "n_rows", "n_files"]].rename(
            columns={
                "source": t("source", lang),
                "rule": t("reject_rule", lang),
                "column_name": t("reject_column", lang),
                msg: t("message", lang),
                "n_rows": t("rows_rejected", lang),
                "n_files": t("files_loaded", lang),
            }
        )
        st.markdown(f"**{t('reject_reasons', lang)}**")
        components.table(shown, lang, name="reject_reasons", key="quality_reasons", export=reasons)
        rows = data.rejects(db)
        detail = rows[["file_path", "row_number", "column_name", "bad_value", "rule", msg]].rename(
            columns={
                "file_path": t("file", lang),
                "row_number": t("reject_row", lang),
                "column_name": t("reject_column", lang),
                "bad_value": t("reject_value", lang),
                "rule": t("reject_rule", lang),
                msg: t("message", lang),
            }
        )
        components.table(detail, lang, name="rejects", key="quality_rejects", export=rows, height=320)
    components.source_caption(lang, ["quality.rejects"], None, None)

    # what changed
    st.subheader(t("changes", lang))
    value_changes(ctx, info)
    st.caption(t("changes_note", lang))
    changes = data.file_changes(db)
    if not changes.empty:
        counts = changes["change"].value_counts().to_dict()
        cols = st.columns(3)
        for col, key in zip(cols, ("new", "changed", "unchanged"), strict=True):
            col.metric(
                CHANGE_LABELS[key][1 if lang == "en" else 0],
                format_number(counts.get(key, 0), lang, integer=True),
            )
        st.markdown(f"**{t('changes_files', lang)}**")
        moved = changes[changes["change"] != "unchanged"].copy()
        moved["change"] = moved["change"].map(lambda c: CHANGE_LABELS[c][1 if lang == "en" else 0])
        components.table(
            moved[
                [
                    "source",
                    "file_path",
                    "change",
                    "loaded_at",
                    "rows_accepted",
                    "previous_rows_accepted",
                    "status",
                ]
            ].rename(
                columns={
                    "source": t("source", lang),
                    "file_path": t("file", lang),
                    "change": t("change_kind", lang),
                    "loaded_at": t("loaded_at", lang),
                    "rows_accepted": t("rows_accepted", lang),
                    "previous_rows_accepted": t("previous_rows", lang),
                    "status": t("load_status", lang),
                }
            ),
            lang,
            name="file_changes",
            key="quality_changes",
            export=changes,
            height=300,
        )
    st.markdown(f"**{t('changes_revisions', lang)}**")
    rev = data.revisions(db)
    if rev.empty:
        st.caption(t("changes_none", lang))
    else:
        name = "region_name_en" if lang == "en" else "region_name_zh"
        components.table(
            rev[
                [
                    name,
                    "period",
                    "measure_code",
                    "old_value",
                    "old_released_on",
                    "new_value",
                    "new_released_on",
                ]
            ].rename(
                columns={
                    name: t("col_region", lang),
                    "period": t("col_period", lang),
                    "measure_code": t("measure", lang),
                    "old_value": t("old_value", lang),
                    "new_value": t("new_value", lang),
                    "old_released_on": t("old_released", lang),
                    "new_released_on": t("new_released", lang),
                }
            ),
            lang,
            name="revisions",
            key="quality_revisions",
            export=rev,
        )
    components.source_caption(lang, ["quality.load_log", "marts.fct_published_vintages"], None, None)

    # reconciliation
    st.subheader(t("reconciliation", lang))
    rec = data.reconciliation(db)
    if rec.empty:
        st.caption(t("reconciliation_none", lang))
    else:
        n_mis = int((rec["status"] != "match").sum())
        st.caption(t("reconciliation_summary", lang, n=len(rec), m=n_mis))
        name = "region_name_en" if lang == "en" else "region_name_zh"
        shown = pd.DataFrame(
            {
                t("col_region", lang): rec[name],
                t("measure", lang): rec["measure_code"],
                t("col_period", lang): rec["period_type"]
                + " "
                + rec["year"].astype(str)
                + rec["quarter"].map(lambda q: f"Q{int(q)}" if pd.notna(q) else ""),
                t("records_value", lang): rec["records_value"],
                t("report_value", lang): rec["report_value"],
                t("difference", lang): rec["difference"],
                t("difference_pct", lang): rec["difference_pct"].map(format_pct_change),
                t("load_status", lang): rec["status"],
            }
        )
        components.table(
            shown, lang, name="reconciliation", key="quality_reconciliation", export=rec, height=300
        )
    components.source_caption(lang, ["marts.fct_reconciliation"], t("reconciliation_formula", lang), None)


render(current())
