"""Number formatting, Chinese first (万, 亿, ‰, units always shown). Pure: no Streamlit.

Conventions:
- Chinese: no thousands separator below 1万; 1万 ≤ |x| < 1亿 as "1.53万", above as "2.1亿";
  the unit follows without a space ("1526人", "0.025人/亿元", "0.45‰"). Money in 万元 becomes
  亿元 from 1万万元 on ("3.5亿元").
- English: thousands separators, "million"/"billion" from 10⁶ on, money in 万元 converted to yuan.
- Negative numbers use the true minus sign (U+2212) as in print: "−17.9%".
- A partial value (completeness = partial) is never shown as a total: "部分(1/9) 3人".
"""

from __future__ import annotations

import math
import re
from typing import Any

MINUS = "\u2212"
EM_DASH = "—"

# Canonical units of the denominator measures (pipelines' measures seed); numerators use the
# unit of the count indicator of the same code.
DENOMINATOR_UNITS: dict[str, tuple[str, str]] = {
    "population": ("人", "persons"),
    "gdp": ("万元", "10k yuan"),
    "imc_employees": ("人", "persons"),
    "motor_vehicles": ("辆", "vehicles"),
    "se_units": ("台", "units"),
    "forest_area": ("公顷", "ha"),
    "hazards_found": ("项", "items"),
}

# English for the Chinese units of the registry and of the plan registry (fct_plan_progress.unit),
# used when no unit_en is at hand.
UNIT_EN: dict[str, str] = {
    "人": "persons",
    "起": "cases",
    "次": "times",
    "项": "items",
    "间": "rooms",
    "户": "households",
    "座": "sites",
    "台": "units",
    "辆": "vehicles",
    "人次": "person-times",
    "公顷": "ha",
    "元": "yuan",
    "小时": "hours",
    "天": "days",
    "分钟": "minutes",
    "人/亿元": "deaths per 100m yuan",
    "人/十万人": "per 100k",
    "人/10万人": "per 100k",
    "人/10万人口": "per 100k population",
    "人/万车": "deaths per 10k vehicles",
    "人/万台": "deaths per 10k units",
    "人/百万人": "per million population",
    "人/百万人口": "per million population",
    "人次/十万人": "person-times per 100k",
    "人次/10万人": "person-times per 100k",
}

# Units that scale with 万/亿 in Chinese (counts and amounts); per-capita style units do not.
_SCALABLE_ZH = {"人", "起", "次", "间", "户", "人次", "项", "辆", "台", "公顷", "元", "座"}
_ATTACHED_UNITS = {"%", "‰"}


def num(value: Any) -> float:
    """float() of a value already checked with is_missing (typed Any for mypy)."""
    return float(value)


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return True


def _decimals_for(value: float, *, integer: bool) -> int:
    """Decimal places: integers stay integers; other values keep ~3 significant digits."""
    a = abs(value)
    if integer and float(value).is_integer():
        return 0
    if a == 0:
        return 0
    if a >= 100:
        return 0 if integer else 1
    if a >= 10:
        return 1
    if a >= 1:
        return 2
    # 0.0253 -> 3 decimals, 0.00253 -> 4 decimals, capped at 6
    return min(6, max(2, 2 - math.floor(math.log10(a))))


def _plain(value: float, decimals: int, *, grouping: bool) -> str:
    text = f"{abs(value):,.{decimals}f}" if grouping else f"{abs(value):.{decimals}f}"
    if decimals > 2 and "." in text:  # 0.450 -> 0.45, keep at least two decimals
        text = text.rstrip("0")
        if len(text.split(".")[1]) < 2:
            text = text + "0" * (2 - len(text.split(".")[1]))
    return (MINUS if value < 0 and float(text.replace(",", "")) != 0 else "") + text


def _magnitude_decimals(scaled: float) -> int:
    a = abs(scaled)
    return 2 if a < 10 else 1 if a < 100 else 0


def _trim(text: str) -> str:
    """1.30 -> 1.3, 2.00 -> 2 (for 万/亿/million figures only)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled_zh(value: float, integer: bool) -> tuple[str, str]:
    """(number text, magnitude suffix) with 万/亿 for large values."""
    a = abs(value)
    if a >= 1e8:
        return _trim(_plain(value / 1e8, _magnitude_decimals(value / 1e8), grouping=False)), "亿"
    if a >= 1e4:
        return _trim(_plain(value / 1e4, _magnitude_decimals(value / 1e4), grouping=False)), "万"
    return _plain(value, _decimals_for(value, integer=integer), grouping=False), ""


def _scaled_en(value: float, integer: bool) -> str:
    a = abs(value)
    if a >= 1e9:
        return _trim(_plain(value / 1e9, _magnitude_decimals(value / 1e9), grouping=True)) + " billion"
    if a >= 1e6:
        return _trim(_plain(value / 1e6, _magnitude_decimals(value / 1e6), grouping=True)) + " million"
    return _plain(value, _decimals_for(value, integer=integer), grouping=True)


def format_number(value: Any, lang: str = "zh", *, integer: bool = False) -> str:
    """A bare number, Chinese (万/亿) or English (thousands separators)."""
    if is_missing(value):
        return EM_DASH
    v = float(value)
    if lang == "zh":
        num, mag = _scaled_zh(v, integer)
        return num + mag
    return _scaled_en(v, integer)


def format_value(value: Any, unit: str | None, lang: str = "zh", unit_en: str | None = None) -> str:
    """A value with its unit, scaled the Chinese way.

    `unit` is the Chinese unit of the indicator (起, 人, 万元, 人/亿元, ‰ …); `unit_en` its
    English text. Money in 万元 is shown as 亿元 from 10 000 万元 (zh) or as yuan (en).
    """
    if is_missing(value):
        return EM_DASH
    v = float(value)
    unit = unit or ""
    integer = unit in _SCALABLE_ZH or unit == "万元"
    if lang == "zh":
        if unit in _ATTACHED_UNITS:
            return _plain(v, _decimals_for(v, integer=False), grouping=False) + unit
        if unit == "万元":
            if abs(v) >= 1e4:
                return format_number(v * 1e4, "zh") + "元"
            return _plain(v, _decimals_for(v, integer=True), grouping=False) + "万元"
        if unit in _SCALABLE_ZH:
            return format_number(v, "zh", integer=True) + unit
        if abs(v) >= 1e4:
            return format_number(v, "zh") + unit
        return _plain(v, _decimals_for(v, integer=False), grouping=False) + unit
    # English
    if unit in _ATTACHED_UNITS:
        return _plain(v, _decimals_for(v, integer=False), grouping=True) + unit
    if unit == "万元":
        return _scaled_en(v * 1e4, True) + " yuan"
    text = _scaled_en(v, integer)
    en = unit_en or UNIT_EN.get(unit, unit)
    return f"{text} {en}".strip()


def format_signed(value: Any, unit: str | None = None, lang: str = "zh", unit_en: str | None = None) -> str:
    """A change with an explicit sign: "+12人", "−333人", "−0.007人/亿元"."""
    if is_missing(value):
        return EM_DASH
    v = float(value)
    body = format_value(abs(v), unit, lang, unit_en) if unit is not None else format_number(abs(v), lang)
    if v > 0:
        return "+" + body
    if v < 0:
        return MINUS + body
    return body


def format_pct_change(value: Any, decimals: int = 1) -> str:
    """A change in percent (already ×100): −17.9%, +3.0%, 0.0%."""
    if is_missing(value):
        return EM_DASH
    v = round(float(value), decimals)
    if v == 0:
        return f"{0:.{decimals}f}%"
    sign = "+" if v > 0 else MINUS
    return f"{sign}{abs(v):.{decimals}f}%"


def partial_label(k: Any, n: Any, lang: str = "zh") -> str:
    """部分(k/n): only k of n child regions are complete."""
    kk = "?" if is_missing(k) else str(int(k))
    nn = "?" if is_missing(n) else str(int(n))
    return f"部分({kk}/{nn})" if lang == "zh" else f"partial ({kk}/{nn})"


def format_indicator_value(row: dict[str, Any], lang: str = "zh") -> str:
    """The value of one fct_indicator_values row as shown on a card or in a table cell.

    Partial values always carry the 部分(k/n) marker; a rate on a partial region is null by
    construction and is shown as a dash with the marker, never as a number.
    """
    text = format_value(row.get("value"), row.get("unit"), lang, row.get("unit_en"))
    if row.get("completeness") == "partial":
        return f"{partial_label(row.get('coverage_k'), row.get('coverage_n'), lang)} {text}"
    return text


def direction_color(change: Any, better: str | None) -> str:
    """Colour of a change: green when it goes the better way, red when worse, gray otherwise."""
    if is_missing(change) or float(change) == 0 or better not in ("lower", "higher"):
        return "gray"
    improving = (float(change) < 0) == (better == "lower")
    return "green" if improving else "red"


_MONTH_CODE = re.compile(r"(\d{4})M(\d{2})")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(period_type: str, period: str, lang: str = "zh") -> str:
    """'ytd','2021Q3' -> 2021年1-9月 / Jan–Sep 2021; 'quarter' -> 2021年第3季度 / 2021 Q3;
    'month','2026M10' -> 2026年10月 / Oct 2026; 'ytd','2026M10' -> 2026年1-10月 / Jan–Oct 2026
    (January alone: 2026年1月 / Jan 2026) …"""
    m = _MONTH_CODE.fullmatch(period)
    if m is not None:
        year, month = m[1], int(m[2])
        if period_type == "ytd" and month > 1:
            return f"{year}年1-{month}月" if lang == "zh" else f"Jan–{_MONTHS_EN[month - 1]} {year}"
        return f"{year}年{month}月" if lang == "zh" else f"{_MONTHS_EN[month - 1]} {year}"
    if period_type in ("ytd", "quarter") and "Q" in period:
        year, q = period.split("Q")
        qi = int(q)
        if period_type == "ytd":
            if lang == "zh":
                return f"{year}年1-{qi * 3}月"
            months = ["Mar", "Jun", "Sep", "Dec"][qi - 1]
            return f"Jan–{months} {year}"
        return f"{year}年第{qi}季度" if lang == "zh" else f"{year} Q{qi}"
    if period_type == "year":
        return f"{period}年" if lang == "zh" else period
    if period_type == "plan_period":
        return f"{period}年" if lang == "zh" else period
    return period


def format_date(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EM_DASH
    text = str(value)
    if text in ("NaT", "nan", "None", ""):
        return EM_DASH
    return text[:10]


def _target_number(v: float, unit: str | None, lang: str) -> str:
    """Targets as published: 90% not 90.0%, 0.0075 not 0.00750; large values the Chinese way."""
    if abs(v) >= 1e4 or unit == "万元":
        return format_value(v, unit, lang)
    text = f"{v:.4g}".replace("-", MINUS)
    u = unit or ""
    if lang == "zh" or u in _ATTACHED_UNITS:
        return text + u
    return f"{text} {UNIT_EN.get(u, u)}".strip()


def target_text(row: dict[str, Any], lang: str = "zh") -> str:
    """Plan target as a phrase: ≤10.4起 (2025), ≥90%, 0 …; empty when the plan gives no number."""
    kind = row.get("target_kind")
    unit = row.get("unit")
    target_abs = row.get("target_abs")
    year = row.get("target_year")
    suffix = ""
    if not is_missing(year):
        suffix = f"({int(num(year))}年)" if lang == "zh" else f" ({int(num(year))})"
    if kind == "direction_down":
        return ("持续下降" if lang == "zh" else "keep falling") + suffix
    if kind == "other" or is_missing(target_abs):
        if kind == "reduce_pct" and not is_missing(row.get("target_value")):
            pct = format_number(row.get("target_value"), lang, integer=True)
            return (f"较基期下降{pct}%" if lang == "zh" else f"−{pct}% vs baseline") + suffix
        return EM_DASH
    op = "≥" if kind == "absolute_min" else "≤"
    value = _target_number(num(target_abs), unit, lang)
    if kind == "zero":
        value = "0"
        op = "="
    text = f"{op}{value}"
    if kind == "reduce_pct" and not is_missing(row.get("target_value")):
        pct = format_number(row.get("target_value"), lang, integer=True)
        text += f"(下降{pct}%)" if lang == "zh" else f" (−{pct}%)"
    agg = row.get("aggregation")
    if agg == "period_total" or kind == "cumulative_cap":
        text = ("规划期累计" if lang == "zh" else "plan-period total ") + text
    elif agg == "annual_mean":
        text = ("年均" if lang == "zh" else "annual mean ") + text
    elif agg == "each_year":
        text = ("每年" if lang == "zh" else "every year ") + text
    return text + suffix
