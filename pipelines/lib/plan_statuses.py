"""The wording and order of plan statuses (seed plan_statuses), for every reader of the marts.

Seeds are not in the serving copy (pipelines/publish.py copies marts, quality and meta only), so
the dashboard and the exports read the seed file that fct_plan_progress joins, not a copy of it.
"""

from __future__ import annotations

import csv
from functools import cache

from pipelines.settings import DBT_PROJECT_DIR

PLAN_STATUSES_CSV = DBT_PROJECT_DIR / "seeds" / "plan_statuses.csv"
PLAN_TRENDS_CSV = DBT_PROJECT_DIR / "seeds" / "plan_statuses_trend.csv"


@cache
def plan_statuses() -> dict[str, dict[str, str]]:
    """Seed plan_statuses by status code, in display order (best first)."""
    with PLAN_STATUSES_CSV.open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["display_order"]))
    return {r["status"]: r for r in rows}


def status_label(status: str | None, lang: str = "zh") -> str:
    """The label of a fct_plan_progress status; the code itself when the seed does not know it."""
    row = plan_statuses().get(str(status))
    if row is None:
        return status or ""
    return row["label_en"] if lang == "en" else row["label_zh"]


@cache
def plan_trends() -> dict[str, dict[str, str]]:
    """Seed plan_statuses_trend by verdict (declining, no_clear_trend, rising): the fitted-slope
    verdict of a 持续下降 target (fct_plan_progress.trend)."""
    with PLAN_TRENDS_CSV.open(encoding="utf-8", newline="") as f:
        return {r["trend"]: r for r in csv.DictReader(f)}


def trend_label(trend: str | None, lang: str = "zh") -> str:
    """The label of a fct_plan_progress trend; empty for a target judged otherwise."""
    row = plan_trends().get(str(trend))
    if row is None:
        return trend or ""
    return row["label_en"] if lang == "en" else row["label_zh"]
