"""分母标注 / Where a rate's denominator comes from, for every output that shows a rate.

fct_indicator_values gives each rate its denominator_year and denominator_basis
(int_denominators__periods). `denominator_status` turns them into one flag, computed here rather
than in the mart so that the dashboard and every export judge a row the same way:

- ``closed_year_carried``: a period ending at the year end (a year, a Q4 quarter or 1–12月 YTD)
  whose denominator is another year's: the closed year has no denominator of its own and the
  previous year-end figure is carried. Flagged, not silently carried.
- ``other_year``: a part-year value on the previous year-end figure (the year's own not yet
  published), as official 1–N月 bulletins do.
- ``estimated``: the denominator is an estimate: annual GDP × N/4 (N/12 for months and 1–N月累计,
  ``prorated_annual``) where no cumulative GDP is published.
- None: a count, a plan-period mean, or a rate on its own year's published, summed or
  cumulative figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLOSED_YEAR_CARRIED = "closed_year_carried"
OTHER_YEAR = "other_year"
ESTIMATED = "estimated"
ESTIMATED_BASES = frozenset({"prorated_annual"})
STATUS_COLUMN = "denominator_status"
# 中文 wording of each flag for the exports (the dashboard's bilingual wording is in dashboards/i18n.py)
STATUS_ZH = {
    CLOSED_YEAR_CARRIED: "年度已结束但无当年分母,沿用{denominator_year}年数",
    OTHER_YEAR: "分母为{denominator_year}年数(当年数未发布)",
    ESTIMATED: "分母为估算值(全年数×N/4)",  # the quarterly workbook: quarters only
}


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return int(value)


def value_year(row: Mapping[str, Any]) -> int | None:
    """Calendar year of a month, quarter, ytd or year row ('2021M07', '2021Q3', '2021'); None for
    plan periods."""
    if row.get("period_type") not in ("month", "quarter", "ytd", "year"):
        return None
    year = _int(row.get("year"))
    return year if year is not None else int(str(row.get("period"))[:4])


def ends_at_year_end(row: Mapping[str, Any]) -> bool:
    """A year row, or a quarter / YTD / month row ending in December."""
    period = str(row.get("period") or "")
    return row.get("period_type") == "year" or period.endswith(("Q4", "M12"))


def denominator_status(row: Mapping[str, Any]) -> str | None:
    """The flag of one fct_indicator_values row (module docstring); None when nothing to say."""
    year, den_year = value_year(row), _int(row.get("denominator_year"))
    if year is None or den_year is None:
        return None
    basis = str(row.get("denominator_basis") or "")
    if den_year != year or basis.endswith("_previous_year"):
        return CLOSED_YEAR_CARRIED if ends_at_year_end(row) else OTHER_YEAR
    if basis in ESTIMATED_BASES:
        return ESTIMATED
    return None


def status_text_zh(row: Mapping[str, Any]) -> str | None:
    """The Chinese note of a flagged row (exports), e.g. 分母为2022年数(当年数未发布)."""
    status = denominator_status(row)
    if status is None:
        return None
    return STATUS_ZH[status].format(denominator_year=_int(row.get("denominator_year")))


def with_status(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its denominator_status column added (in place; returned for chaining)."""
    row[STATUS_COLUMN] = denominator_status(row)
    return row
