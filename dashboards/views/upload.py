"""上传与审核 Upload and check (statisticians): a file is checked by `pipelines.check` before it
enters the raw drop; a file with errors is refused with every problem by row and cell, an accepted
one is placed in the drop under the contract's naming (a different file of the same name is a
重报: it replaces it, the previous version kept in `.superseded/`) and the incremental refresh runs in a child process
with a time limit. docs/check.md.

Uploads are hostile: size-limited before anything is written, the name sanitised, written to a
private temporary folder that is removed after the check, and every cell shown as text only.
"""

from __future__ import annotations

import gc
import shutil

import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.access import current_role, may, require_page
from dashboards.i18n import t
from dashboards.state import Context, current
from pipelines.check import (
    CONTRACT_NAME,
    CheckResult,
    check_file,
    known_accident_ids,
    place_in_drop,
    refresh_timeout_s,
    run_refresh_subprocess,
    safe_file_name,
    stage_upload,
    upload_max_bytes,
)
from pipelines.lib.contracts import ALL_SOURCES, SOURCES_BY_NAME
from pipelines.quality.audit_rules import report_period
from pipelines.settings import raw_root, warehouse_path

require_page("upload")

OUTCOME_KEY = "_upload_outcome"  # the last submission's outcome, shown after the rerun


def problem_table(result: CheckResult, lang: str) -> pd.DataFrame:
    """Problems by row and cell, the page's language first; values stay text (st.dataframe)."""
    first, other = ("message_zh", "message_en") if lang == "zh" else ("message_en", "message_zh")
    rows = [
        {
            t("upload_col_row", lang): p["row_number"],
            t("upload_col_column", lang): p["column_name"] or "",
            t("upload_col_value", lang): "" if p["bad_value"] is None else str(p["bad_value"]),
            t("upload_col_rule", lang): p["rule"],
            t("upload_col_severity", lang): t(f"upload_{p['severity']}", lang),
            t("upload_col_message", lang): p[first],
            t("upload_col_message_other", lang): p[other],
        }
        for p in result.problems
    ]
    df = pd.DataFrame(rows)
    if not df.empty:
        df[t("upload_col_row", lang)] = df[t("upload_col_row", lang)].astype("Int64")
    return df


@st.cache_data(max_entries=4, ttl=600, show_spinner=False)
def checked(content: bytes, name: str, source: str) -> CheckResult:
    """The check of an upload, once per content, name and source (not on every rerun)."""
    staged = stage_upload(content, name)
    try:
        ids = known_accident_ids(warehouse_path()) if source == "accidents" else None
        return check_file(staged, source, ids)
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


def name_ok(name: str | None, source: str) -> bool:
    if name is None or CONTRACT_NAME.match(name) is None:
        return False
    return SOURCES_BY_NAME[source].kind != "record" or report_period(name) is not None


def submit(ctx: Context, content: bytes, name: str, source: str) -> None:
    """Place the accepted file in the drop and refresh; the outcome is shown after a rerun."""
    lang = ctx.lang
    drop = raw_root()
    staged = stage_upload(content, name)
    try:
        placed = place_in_drop(staged, SOURCES_BY_NAME[source], drop, name)
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)
    outcome: dict[str, object] = {"placed": placed.status, "file": placed.relpath}
    outcome["message"] = placed.message_zh if lang == "zh" else placed.message_en
    if placed.status in ("added", "resubmitted"):
        with st.status(t("upload_refreshing", lang), expanded=False) as status:
            timeout = refresh_timeout_s()
            result = run_refresh_subprocess(drop, timeout)
            outcome.update(rc=result.returncode, report=result.report, log=result.log_tail, timeout=timeout)
            status.update(state="complete" if result.returncode == 0 else "error")
    st.session_state[OUTCOME_KEY] = outcome
    if outcome.get("rc") == 0:
        # DuckDB reuses an open database of the same path within a process: while the cached
        # connection to the replaced serving copy lives, a new one would still read the old file
        data._connection.clear()
        gc.collect()
    st.rerun()  # the sidebar and every cache then read the newly published copy


def show_outcome(ctx: Context, outcome: dict) -> None:
    lang = ctx.lang
    placed, rel = outcome["placed"], str(outcome["file"])
    if placed == "refused":
        st.error(str(outcome["message"]), icon=":material/block:")
        return
    if placed == "unchanged":
        st.info(str(outcome["message"]))
        return
    st.info(str(outcome["message"]))
    rc = outcome.get("rc")
    if rc == 0:
        st.success(t("upload_refresh_ok", lang, file=rel), icon=":material/check_circle:")
        log = data.load_log(ctx.db)
        mine = log[log["file_path"] == rel] if not log.empty else log
        if not mine.empty:
            r = mine.iloc[0]
            st.caption(
                t(
                    "upload_loaded_rows",
                    lang,
                    status=r["status"],
                    accepted=int(r["rows_accepted"] or 0),
                    rejected=int(r["rows_rejected"] or 0),
                )
            )
        if outcome.get("report"):
            with st.expander("刷新报告 / refresh report"):
                st.code(str(outcome["report"]), language=None)
    elif rc == 3:
        st.warning(t("upload_refresh_busy", lang))
    elif rc is None:
        st.error(t("upload_refresh_timeout", lang, s=f"{outcome.get('timeout', 0):g}"))
    else:
        st.error(t("upload_refresh_failed", lang, rc=rc))
        if outcome.get("log"):
            st.code(str(outcome["log"]), language=None)


def render(ctx: Context) -> None:
    lang = ctx.lang
    limit = upload_max_bytes()
    st.title(t("upload_title", lang))
    st.caption(t("upload_intro", lang, mb=f"{limit / 1048576:g}"))
    outcome = st.session_state.get(OUTCOME_KEY)
    if outcome:
        show_outcome(ctx, outcome)
    names = [s.name for s in ALL_SOURCES]
    source = st.selectbox(
        t("upload_source", lang),
        names,
        format_func=lambda n: f"{SOURCES_BY_NAME[n].title_zh} · {SOURCES_BY_NAME[n].title_en} ({n})",
        key="upload_source",
    )
    upload = st.file_uploader(t("upload_file", lang), type=["csv", "xlsx", "parquet"], key="upload_file")
    if upload is None:
        return
    if upload.size > limit:  # before the content is read or written anywhere
        st.error(t("upload_too_large", lang, size=f"{upload.size / 1048576:.1f}", mb=f"{limit / 1048576:g}"))
        return
    name = safe_file_name(upload.name)
    if name is None:
        st.error(t("upload_bad_name", lang))
        return
    content = upload.getvalue()
    result = checked(content, name, source)
    st.markdown(
        t(
            "upload_summary",
            lang,
            file=name,
            rows=result.rows_read,
            errors=len(result.errors),
            warnings=len(result.warnings),
        )
    )
    if result.problems:
        table = problem_table(result, lang)
        st.dataframe(table, hide_index=True, width="stretch", key="upload_problems")
        components.download_buttons(table, f"审核_{name.rsplit('.', 1)[0]}", lang, key="upload_dl")
    if result.unreadable:
        st.error(t("upload_unreadable", lang), icon=":material/block:")
        return
    if result.errors:
        st.error(t("upload_refused", lang, errors=len(result.errors)), icon=":material/block:")
        return
    if result.warnings:
        st.warning(t("upload_passed_warnings", lang, warnings=len(result.warnings)))
    else:
        st.success(t("upload_passed", lang))
    if not may(current_role(), "refresh_controls"):
        st.info(t("upload_no_refresh_right", lang))
        return
    typed = st.text_input(
        t("upload_name", lang), value=name, help=t("upload_name_help", lang), key="upload_name"
    )
    target = safe_file_name(typed)
    valid = name_ok(target, source)
    if not valid:
        st.error(t("upload_name_invalid", lang))
    elif target != name:  # the dates are checked against the period of the name it goes in under
        again = checked(content, str(target), source)
        if again.errors:
            st.dataframe(
                problem_table(again, lang), hide_index=True, width="stretch", key="upload_problems_renamed"
            )
            st.error(t("upload_refused", lang, errors=len(again.errors)), icon=":material/block:")
            valid = False
    if st.button(t("upload_submit", lang), type="primary", disabled=not valid, key="upload_submit"):
        assert target is not None
        submit(ctx, content, target, source)


render(current())
