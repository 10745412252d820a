"""Sidebar state shared by every page: language, region (over the hierarchy) and period.

The widgets live in the entry script (app.py) so that their values survive page switches. The
URL carries ?region=…&period=…&lang=en so that a view can be linked and reloaded. Without a region
in the URL a session opens at the home region (SAFETY_HOME_REGION, else the region with the
richest complete data) at its latest complete period (docs/dashboard.md, Home region).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.formatting import period_label
from dashboards.i18n import t
from pipelines.settings import home_region

NATIONAL = "000000"
LEVEL_KEYS = ("region_l1", "region_l2", "region_l3")
PERIOD_KEY = "period_key"
LANG_KEY = "lang_en"


@dataclass(frozen=True)
class Context:
    db: str
    lang: str
    region: str
    region_name: str
    period_type: str | None
    period: str | None
    period_text: str

    @property
    def year(self) -> int | None:
        return int(self.period[:4]) if self.period else None


# ------------------------------------------------------------------------------- region tree


def relevant_regions(regions: pd.DataFrame, home: str | None = None) -> set[str]:
    """Regions that have data or plan targets, the home region and its current children (not
    the abolished ones), and all their ancestors: the pickers list these only, not the whole
    registry (~3,200 current codes and their history)."""
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    seeds = [
        str(code)
        for code, has_data, has_plan in zip(
            regions["region_code"], regions["has_data"], regions["has_plan"], strict=True
        )
        if bool(has_data) or bool(has_plan)
    ]
    if home and home in parent:
        kids = regions[(regions["parent_code"] == home) & regions["is_current"].astype(bool)]
        seeds += [home, *(str(c) for c in kids["region_code"])]
    keep: set[str] = set()
    for code in seeds:
        c: str | None = code
        while c and c not in keep:
            keep.add(c)
            p = parent.get(c)
            c = p if isinstance(p, str) and p else None
    keep.add(NATIONAL)
    return keep


def children_of(regions: pd.DataFrame, parent: str, keep: set[str]) -> list[str]:
    kids = regions[(regions["parent_code"] == parent) & regions["region_code"].isin(keep)]
    return [str(c) for c in kids["region_code"]]


def ancestor_chain(regions: pd.DataFrame, code: str) -> list[str]:
    """[province-or-national, city, county] codes from the top level down to `code`."""
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    chain: list[str] = []
    c: str | None = code
    while c and c != NATIONAL and c in parent:
        chain.append(c)
        p = parent.get(c)
        c = p if isinstance(p, str) and p else None
    chain.reverse()
    return chain or [NATIONAL]


def set_region(regions: pd.DataFrame, code: str) -> None:
    """Select `code` in the cascading selectors (use from a callback, before the widgets run)."""
    chain = ancestor_chain(regions, code)
    for i, key in enumerate(LEVEL_KEYS):
        put(key, chain[i] if i < len(chain) else "")


# ------------------------------------------------------------------------------ kept values
# A widget's identity includes its label, so switching the language gives every translated
# widget a new identity and Streamlit would reset it to its default. Their values are therefore
# also kept under "_kept_<key>": restored before the widget is created, updated by its on_change.


def _kept(key: str) -> str:
    return f"_kept_{key}"


def put(key: str, value: Any) -> None:
    """Set a widget's value and its kept copy (from callbacks or before the widget runs)."""
    st.session_state[key] = value
    st.session_state[_kept(key)] = value


def remember(key: str) -> None:
    """on_change of a kept widget: the user's new value becomes the kept one."""
    st.session_state[_kept(key)] = st.session_state.get(key)


def restore(key: str) -> bool:
    """Before creating a kept widget: put back its kept value. True when there was one (then do
    not pass a default to the widget)."""
    if _kept(key) in st.session_state:
        st.session_state[key] = st.session_state[_kept(key)]
        return True
    return False


def region_labeler(regions: pd.DataFrame, lang: str) -> Callable[[str], str]:
    """format_func of a region picker: one dict of names built per picker, not a lookup of the
    registry per option."""
    col = "name_en" if lang == "en" else "name_zh"
    names = dict(zip(regions["region_code"], regions[col], strict=True))

    def label(code: str) -> str:
        if code == "":
            return t("region_all_children", lang)
        name = names.get(code)
        if name is None:
            return code
        return f"{name}({code})" if lang == "zh" else f"{name} ({code})"

    return label


def region_label(regions: pd.DataFrame, code: str, lang: str) -> str:
    return region_labeler(regions, lang)(code)


# --------------------------------------------------------------------------------- home region

_CODE = re.compile(r"\d{6}")


def resolve_home(db: str, regions: pd.DataFrame) -> tuple[str, str | None]:
    """(home region, the invalid configured value or None). SAFETY_HOME_REGION when it names a
    code of the registry; otherwise the region with the richest complete data
    (data.richest_region), else 全国."""
    fallback = data.richest_region(db) or NATIONAL
    configured = home_region()
    if configured is None:
        return fallback, None
    if _CODE.fullmatch(configured) and configured in set(regions["region_code"]):
        return configured, None
    return fallback, configured


def _shown_config(value: str) -> str:
    """The configured text as the warning may show it: letters and digits only, cut short."""
    clean = re.sub(r"[^0-9A-Za-z]", "", value)[:12]
    return clean or "?"


# ------------------------------------------------------------------------------------ periods


def period_options(periods: pd.DataFrame) -> list[str]:
    """'year:2025', 'ytd:2025Q4', 'month:2025M12', 'ytd:2025M11', … newest first (data.periods):
    at each period end the full year, 1–N月累计, then the month alone."""
    return [f"{pt}:{p}" for pt, p in zip(periods["period_type"], periods["period"], strict=True)]


def default_period(options: list[str], complete: str | None = None) -> str | None:
    """The latest complete period (data.latest_complete_period) when it is an option; else the
    latest 1–N月累计; the latest year when there are none."""
    if complete in options:
        return complete
    for o in options:
        if o.startswith("ytd:"):
            return o
    return options[0] if options else None


def split_period(key: str | None) -> tuple[str | None, str | None]:
    if not key or ":" not in key:
        return None, None
    pt, p = key.split(":", 1)
    return pt, p


PERIOD_SUFFIX = {"ytd": "period_ytd_suffix", "year": "period_year_suffix", "month": "period_month_suffix"}


def format_period_option(key: str, lang: str) -> str:
    pt, p = split_period(key)
    if pt is None or p is None:
        return key
    label = period_label(pt, p, lang)
    suffix = t(PERIOD_SUFFIX.get(pt, "period_year_suffix"), lang)
    return f"{label}({suffix})" if lang == "zh" else f"{label} ({suffix})"


# ------------------------------------------------------------------------------------ sidebar


def _init_from_query_params(regions: pd.DataFrame, home: str) -> None:
    """On the first run of a session, take region and period from the URL (lang: language_toggle);
    without a region in the URL, open at the home region (its latest complete period follows)."""
    if st.session_state.get("_state_initialised"):
        return
    st.session_state["_state_initialised"] = True
    qp = st.query_params
    code = qp.get("region")
    if code and code in set(regions["region_code"]):
        set_region(regions, code)
    else:
        set_region(regions, home)
    if qp.get("period"):
        put(PERIOD_KEY, qp.get("period"))


def _level_changed(level: int) -> None:
    remember(LEVEL_KEYS[level])
    for key in LEVEL_KEYS[level + 1 :]:
        put(key, "")


def language_toggle() -> str:
    if "_lang_initialised" not in st.session_state:
        st.session_state["_lang_initialised"] = True
        if st.query_params.get("lang") == "en":
            st.session_state[LANG_KEY] = True
    on = st.sidebar.toggle(t("lang_switch", "zh"), key=LANG_KEY, help=t("lang_help", "zh"))
    return "en" if on else "zh"


def sidebar(db: str, lang: str) -> Context:
    """Region and period selectors; returns the page context."""
    regions = data.regions(db)
    home, invalid = resolve_home(db, regions)
    _init_from_query_params(regions, home)
    keep = _kept_regions(db, home)
    label = region_labeler(regions, lang)
    sb = st.sidebar
    sb.subheader(t("filters", lang))
    if invalid is not None:
        sb.warning(t("home_region_invalid", lang, code=_shown_config(invalid), home=label(home)))

    # level 1: national + provinces
    level1 = [NATIONAL, *children_of(regions, NATIONAL, keep)]
    restore(LEVEL_KEYS[0])
    if st.session_state.get(LEVEL_KEYS[0]) not in level1:
        put(LEVEL_KEYS[0], NATIONAL)
    sb.selectbox(
        t("region_level_1", lang),
        level1,
        key=LEVEL_KEYS[0],
        format_func=label,
        on_change=_level_changed,
        args=(0,),
    )
    selected = str(st.session_state[LEVEL_KEYS[0]])
    # levels 2 and 3: children of the level above, "" = stay at the level above
    for i in (1, 2):
        parent = selected
        kids = children_of(regions, parent, keep) if parent != NATIONAL else []
        if not kids:
            put(LEVEL_KEYS[i], "")
            break
        options = ["", *kids]
        restore(LEVEL_KEYS[i])
        if st.session_state.get(LEVEL_KEYS[i]) not in options:
            put(LEVEL_KEYS[i], "")
        sb.selectbox(
            t("region_level_2" if i == 1 else "region_level_3", lang),
            options,
            key=LEVEL_KEYS[i],
            format_func=label,
            on_change=_level_changed,
            args=(i,),
        )
        value = str(st.session_state[LEVEL_KEYS[i]])
        if not value:
            break
        selected = value

    region = selected
    row = regions[regions["region_code"] == region].iloc[0]
    region_name = str(row["name_en"] if lang == "en" else row["name_zh"])

    # period
    per = data.periods(db, region)
    options = period_options(per)
    restore(PERIOD_KEY)
    if st.session_state.get(PERIOD_KEY) not in options:
        put(PERIOD_KEY, default_period(options, data.latest_complete_period(db, region)))
    if options:
        sb.selectbox(
            t("period", lang),
            options,
            key=PERIOD_KEY,
            format_func=lambda k: format_period_option(k, lang),
            help=t("period_help_complete", lang),
            on_change=remember,
            args=(PERIOD_KEY,),
        )
    pt, p = split_period(st.session_state.get(PERIOD_KEY))
    period_text = format_period_option(f"{pt}:{p}", lang) if pt else "—"

    _sync_query_params(region, st.session_state.get(PERIOD_KEY), lang)
    return Context(
        db=db,
        lang=lang,
        region=region,
        region_name=region_name,
        period_type=pt,
        period=p,
        period_text=period_text,
    )


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def _kept_regions(db: str, home: str) -> set[str]:
    """relevant_regions of the serving copy, computed once per copy and home region."""
    return relevant_regions(data.regions(db), home)


def _sync_query_params(region: str, period: Any, lang: str) -> None:
    want = {"region": region, "period": str(period or ""), "lang": lang}
    current = {k: st.query_params.get(k) for k in want}
    if current != want:
        st.query_params.update(want)


def current() -> Context:
    """The context the entry script computed for this run (pages call this first)."""
    ctx = st.session_state.get("ctx")
    if not isinstance(ctx, Context):
        st.error("dashboards/app.py must run first: `streamlit run dashboards/app.py`")
        st.stop()
    assert isinstance(ctx, Context)
    return ctx


def kept(key: str, valid: Any = None, **defaults: Any) -> dict[str, Any]:
    """Keyword arguments for a page widget whose label is translated: keeps its value across a
    language switch. `valid` (a collection) drops a kept value that is no longer an option;
    `defaults` (index=…, default=…, value=…) apply only when nothing was kept."""
    restored = restore(key)
    if restored and valid is not None:
        value = st.session_state.get(key)
        if isinstance(value, list):
            put(key, [v for v in value if v in valid])
        elif value not in valid:
            del st.session_state[key]
            del st.session_state[_kept(key)]
            restored = False
    kw: dict[str, Any] = {"key": key, "on_change": remember, "args": (key,)}
    if not restored:
        kw.update(defaults)
    return kw
