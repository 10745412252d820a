"""Entry point: `streamlit run dashboards/app.py`.

Reads only the published read-only serving copy (pipelines.settings.serving_path(), env
SAFETY_SERVING). Chinese first; the sidebar switch turns the interface to English.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts dashboards/ first on the path, not the repo root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboards import access, components, data, state  # noqa: E402
from dashboards.i18n import t  # noqa: E402

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="应急管理统计 / Safety statistics", page_icon="🛡️", layout="wide")
started = time.perf_counter()

# Card values carry their unit ("0.0611人/亿元"): a smaller font and wrapping instead of "…".
st.html(
    """<style>
    [data-testid="stMetricValue"] { font-size: 1.7rem; line-height: 1.25; }
    [data-testid="stMetricValue"] *, [data-testid="stMetricDelta"] *, [data-testid="stMetricLabel"] * {
        white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
        overflow-wrap: anywhere; min-width: 0;
    }
    [data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
    </style>"""
)

lang = state.language_toggle()
# Sign-in before any data is read (docs/access.md): refuses to serve off loopback without an
# auth configuration, shows the sign-in page until a user is signed in.
user = access.gate(lang)
access.sidebar_user(user, lang)
db = data.db_token()
if db is None:
    st.error(t("no_serving", lang, path=data.serving_file()))
    st.stop()
assert db is not None

info = data.refresh_info(db)
ctx = state.sidebar(db, lang)
st.session_state["ctx"] = ctx


def _page(spec: access.PageSpec) -> st.Page:
    return st.Page(
        HERE / "views" / spec.file,
        title=t(spec.title_key, lang),
        icon=spec.icon,
        url_path=spec.url,
        default=spec.default,
    )


# Only the pages the user's role may open are registered (dashboards/access.py PAGES): the URL
# of any other page is not served.
pages: dict[str, list[st.Page]] = {}
for spec in access.pages_for(user.role):
    pages.setdefault(t(spec.section, lang), []).append(_page(spec))
page = st.navigation(pages)
components.sample_banner(info, lang)
if info:
    st.sidebar.caption(t("published_at", lang, ts=str(info.get("published_at"))[:19]))
page.run()

# Last element of every run: the render time, in a keyed container (class st-key-page_rendered)
# that the browser tests and dashboards/bench_pages.py wait for.
with st.container(key="page_rendered"):
    st.caption(
        t(
            "rendered_in",
            lang,
            s=f"{time.perf_counter() - started:.2f}",
            page=page.url_path or "overview",
            region=ctx.region,
            period=ctx.period or "—",
        )
    )
