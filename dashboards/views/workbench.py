"""SQL 查询台 SQL workbench: an editor with example queries, a schema browser, results with CSV
and Excel downloads. Sealed: every query goes through the sandbox's child process
(dashboards/analyst.py, docs/sql_sandbox.md), with row, byte, time and memory limits."""

from __future__ import annotations

import time

import streamlit as st

from dashboards import analyst, components
from dashboards.access import require_page
from dashboards.i18n import t
from dashboards.sql_examples import EXAMPLES
from dashboards.state import Context, current
from pipelines.sandbox import QueryRefused

require_page("sql")  # analysts and statisticians (dashboards/access.py PAGES)

SQL_KEY = "wb_sql"
EXAMPLE_KEY = "wb_example"
RESULT_KEY = "wb_result"
NONE = "-"
BY_KEY = {e.key: e for e in EXAMPLES}


def _load_example() -> None:
    example = BY_KEY.get(st.session_state.get(EXAMPLE_KEY, NONE))
    if example is not None:
        st.session_state[SQL_KEY] = example.sql
        st.session_state.pop(RESULT_KEY, None)


def _preview(table: str) -> None:
    st.session_state[SQL_KEY] = f"SELECT *\nFROM {table}\nLIMIT 100"
    st.session_state[EXAMPLE_KEY] = NONE
    st.session_state.pop(RESULT_KEY, None)


def _execute(db: str, sql: str) -> None:
    started = time.perf_counter()
    try:
        result = analyst.run(db, sql)
    except QueryRefused as exc:
        st.session_state[RESULT_KEY] = {"sql": sql, "error": str(exc)}
        return
    st.session_state[RESULT_KEY] = {
        "sql": sql,
        "result": result,
        "seconds": time.perf_counter() - started,
    }


def _results(lang: str) -> None:
    state = st.session_state.get(RESULT_KEY)
    if not state:
        return
    if "error" in state:
        st.error(state["error"], icon=":material/block:")
        return
    result = state["result"]
    if not result.columns:
        st.info(t("wb_no_result", lang))
        return
    df = analyst.frame(result)
    st.caption(t("wb_rows", lang, n=len(df), s=f"{state['seconds']:.2f}"))
    if result.truncated:
        if result.truncated_by == "bytes":  # the byte limit: the note says how many MiB
            st.warning(result.note)
        else:
            st.warning(t("wb_truncated", lang, rows=f"{analyst.MAX_ROWS:,}"))
    st.dataframe(df, hide_index=True, width="stretch", height=420, key="wb_table")
    components.download_buttons(df, "query_result", lang, key="wb_dl")


def _schema_browser(db: str, lang: str) -> None:
    st.subheader(t("wb_schema", lang))
    tables = analyst.schema_tables(db)
    names = list(tables["table_name"])
    described = dict(zip(tables["table_name"], tables["description"], strict=True))
    sizes = dict(zip(tables["table_name"], tables["approx_rows"], strict=True))
    table = st.selectbox(t("wb_table", lang), names, key="wb_browse_table")
    if table is None:
        return
    st.caption(f"{described[table]} · {t('wb_approx_rows', lang, n=f'{int(sizes[table]):,}')}")
    cols = analyst.schema_columns(db, table)
    st.dataframe(
        cols,
        hide_index=True,
        width="stretch",
        height=380,
        key="wb_columns",
        column_config={"description": st.column_config.TextColumn(width="large")},
    )
    st.button(t("wb_preview", lang), key="wb_preview", on_click=_preview, args=(table,))


def render(ctx: Context) -> None:
    lang = ctx.lang
    st.title(t("wb_title", lang))
    st.caption(t("wb_intro", lang, rows=f"{analyst.MAX_ROWS:,}", seconds=f"{analyst.TIMEOUT_S:g}"))
    analyst.dictionary_link(lang)
    if SQL_KEY not in st.session_state:  # first visit: the first example, ready to run
        st.session_state[EXAMPLE_KEY] = EXAMPLES[0].key
        st.session_state[SQL_KEY] = EXAMPLES[0].sql

    editor, browser = st.columns([3, 2], gap="large")
    with editor:
        st.selectbox(
            t("wb_example", lang),
            [NONE, *BY_KEY],
            format_func=lambda k: t("wb_example_none", lang) if k == NONE else BY_KEY[k].title(lang),
            key=EXAMPLE_KEY,
            on_change=_load_example,
        )
        sql = st.text_area(t("wb_sql", lang), key=SQL_KEY, height=300)
        if st.button(t("wb_run", lang), key="wb_run", type="primary", icon=":material/play_arrow:"):
            if sql.strip():
                _execute(ctx.db, sql)
            else:
                st.session_state[RESULT_KEY] = {"sql": sql, "error": t("wb_empty", lang)}
    with browser:
        _schema_browser(ctx.db, lang)
    _results(lang)


render(current())
