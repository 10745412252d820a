"""Display conventions shared by the workbook and the brief: decimals, labels, period texts.

Values are always written with full precision; these conventions only decide how they are shown
(an Excel number format, or the text of the brief).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

# Decimal places of published rates, following the national statistical communiqués
# (亿元GDP死亡率 "0.020", 工矿商贸十万人死亡率 "1.301", 道路交通万车死亡率 "1.57" …).
# The indicator registry has no precision column; any rate not listed uses RATE_DECIMALS.
RATE_DECIMALS = 2
DECIMALS: dict[str, int] = {
    "ps_deaths_per_100m_gdp": 3,
    "imc_deaths_per_100k_workers": 3,
    "road_deaths_per_10k_vehicles": 2,
    "fire_deaths_per_100k_pop": 3,
    "se_deaths_per_10k_units": 3,
    "nd_deaths_missing_per_1m_pop": 2,
    "nd_loss_pct_gdp": 3,
    "nd_affected_per_100k_pop": 0,
    "forest_fire_damage_permille": 3,
    "hazard_rectification_pct": 1,
}
# Money counts (万元) keep one decimal; other counts are whole numbers.
MONEY_UNITS = ("万元", "元", "亿元")
PCT_DECIMALS = 1  # 同比增减(%) as published: one decimal

MINUS = "−"  # U+2212, as the dashboard prints negative changes


def decimals(indicator_code: str, kind: str, unit: str | None) -> int:
    if kind == "rate":
        return DECIMALS.get(indicator_code, RATE_DECIMALS)
    return 1 if (unit or "") in MONEY_UNITS else 0


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def fmt_number(value: Any, places: int) -> str:
    """'1,526', '0.061', '−0.5'; '—' for a missing value."""
    if is_missing(value):
        return "—"
    text = f"{float(value):,.{places}f}"
    return text.replace("-", MINUS)


def fmt_pct(value: Any) -> str:
    """A change in percent, signed: '−17.9%', '+3.0%'."""
    if is_missing(value):
        return "—"
    v = round(float(value), PCT_DECIMALS)
    if v == 0:
        return f"{0:.{PCT_DECIMALS}f}%"
    return ("+" if v > 0 else MINUS) + f"{abs(v):.{PCT_DECIMALS}f}%"


def quarter_texts(year: int, quarter: int) -> dict[str, str]:
    """Labels of a reporting quarter: '2021年第4季度', '10–12月', '1–12月累计'."""
    first, last = 3 * quarter - 2, 3 * quarter
    return {
        "quarter": f"{year}年第{quarter}季度",
        "quarter_months": f"{first}–{last}月",
        "ytd": f"1–{last}月累计",
        "ytd_full": f"{year}年1–{last}月累计",
    }


BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")  # no daylight saving in China


def now_beijing() -> dt.datetime:
    return dt.datetime.now(BEIJING).replace(microsecond=0)


def fmt_time(value: dt.datetime) -> str:
    if value.tzinfo is None:  # the serving copy stores UTC without a zone
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") + "(北京时间)"
