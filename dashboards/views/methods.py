"""统计方法 Methods: how intervals, signal vs noise, funnel plots and attainment probabilities are
computed. One source of truth: the page shows docs/methods.md, the repository's methods note."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.i18n import t
from dashboards.state import Context, current

METHODS_DOC = Path(__file__).resolve().parents[2] / "docs" / "methods.md"


def methods_markdown() -> str:
    """docs/methods.md without its top heading (the page has its own title)."""
    text = METHODS_DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip()


def render(ctx: Context) -> None:
    st.title(t("methods_title", ctx.lang))
    st.markdown(methods_markdown())


render(current())
