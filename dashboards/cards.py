"""What a KPI card says, computed without Streamlit (so it can be unit-tested).

`pick_cards` chooses and orders the cards of the overview: indicators with a plan target of the
region first (约束性, then 预期性, then unspecified), then the registry's headline indicators.
`card_model` turns one fct_indicator_values row and its plan target into display strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboards.formatting import (
    EM_DASH,
    direction_color,
    format_date,
    format_indicator_value,
    format_pct_change,
    format_signed,
    format_value,
    is_missing,
    num,
    period_label,
    target_text,
)
from dashboards.i18n import STATUS_COLORS, binding_label, t
from pipelines.exports.denominators import denominator_status
from pipelines.lib.plan_statuses import status_label

BINDING_RANK = {"约束性": 0, "预期性": 1}
UNTRACKED = ("not_tracked",)
NUMERIC_KINDS = (
    "absolute_max",
    "absolute_min",
    "reduce_pct",
    "zero",
    "cumulative_cap",
    "final_year",
    "annual_mean",
)


@dataclass
class CardModel:
    indicator_code: str
    label: str
    value: str
    period_note: str
    delta: str | None = None
    delta_color: str = "gray"
    delta_arrow: str = "off"
    delta_description: str | None = None
    help: str = ""
    target: str | None = None
    binding: str | None = None
    status: str | None = None
    status_label: str | None = None
    status_color: str = "gray"
    status_rule: str | None = None
    current: str | None = None
    notes: list[str] = field(default_factory=list)
    partial: bool = False
    noise: str | None = None  # yoy_signal: significant, within_noise, partial_coverage
    mom: str | None = None  # 环比 of a month card: "环比 +5.0%(+2起)", "环比 —" without a base
    denominator_status: str | None = None  # closed_year_carried, other_year, estimated (marked ‡)


DENOMINATOR_MARK = "‡"  # after a rate whose denominator is another year's or an estimate


def denominator_note(row: dict[str, Any], lang: str) -> str | None:
    """'‡ 分母为2022年数(当年数未发布)' when the row's denominator is another year's, an estimate,
    or a closed year's carried figure (pipelines/exports/denominators.py); else None."""
    status = denominator_status(row)
    if status is None:
        return None
    year = row.get("denominator_year")
    return f"{DENOMINATOR_MARK} " + t(f"den_{status}", lang, year="?" if is_missing(year) else int(num(year)))


def primary_targets(plan: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """One target per indicator code: binding first, numeric targets before direction-only."""
    out: dict[str, dict[str, Any]] = {}
    if plan.empty:
        return out
    clean = plan.astype(object).where(pd.notna(plan), None)
    rows = [dict(r) for r in clean.to_dict(orient="records")]
    rows = [r for r in rows if r.get("indicator_code") and r.get("status") not in UNTRACKED]
    rows.sort(
        key=lambda r: (
            BINDING_RANK.get(str(r.get("binding")), 2),
            0 if r.get("target_kind") in NUMERIC_KINDS else 1,
            r.get("display_order") if r.get("display_order") is not None else 999,
            str(r.get("target_id")),
        )
    )
    for r in rows:
        out.setdefault(str(r["indicator_code"]), r)
    return out


def pick_rows(values: pd.DataFrame, period_type: str | None, period: str | None) -> dict[str, dict[str, Any]]:
    """The row shown for each indicator: the selected period; for a Q4 year-to-date period with no
    row (annual-only indicators), the full year."""
    out: dict[str, dict[str, Any]] = {}
    if values.empty or not period_type or not period:
        return out
    clean = values.astype(object).where(pd.notna(values), None)
    rows = [dict(r) for r in clean.to_dict(orient="records")]
    for r in rows:
        if r["period_type"] == period_type and r["period"] == period:
            out[str(r["indicator_code"])] = r
    if period_type == "ytd" and period.endswith("Q4"):
        for r in rows:
            if r["period_type"] == "year":
                code = str(r["indicator_code"])
                if code not in out:
                    out[code] = {**r, "_fallback_year": True}
    return out


def pick_cards(
    values: pd.DataFrame,
    plan: pd.DataFrame,
    period_type: str | None,
    period: str | None,
    max_cards: int = 16,
) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    """[(indicator_code, value row or None, target or None)] in display order: the region's
    plan targets (约束性 first), then headline counts, then headline rates."""
    rows = pick_rows(values, period_type, period)
    targets = primary_targets(plan)
    ordered: list[str] = list(targets)
    headline = []
    if not values.empty:
        hv = values[values["headline"].astype(bool)].copy()
        hv["_rate"] = hv["indicator_kind"] == "rate"
        hv = hv.sort_values(["_rate", "display_order"])
        headline = [str(c) for c in dict.fromkeys(hv["indicator_code"])]
    for code in headline:
        if code not in ordered and code in rows:
            ordered.append(code)
    return [(c, rows.get(c), targets.get(c)) for c in ordered[:max_cards]]


def format_p(p: Any) -> str:
    """A p-value as statisticians print it: 3 decimals, or < 0.001."""
    if is_missing(p):
        return EM_DASH
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def noise_lines(row: dict[str, Any], lang: str) -> list[str]:
    """Tooltip lines: the value's 95% interval, the 同比 rate ratio with its interval, p- and
    q-value, a reliability warning below 20 effective events, and what the signal means
    (docs/methods.md §2–3): the interval before the flag."""
    lines = []
    unit, unit_en = row.get("unit"), row.get("unit_en")
    if not is_missing(row.get("ci_low")) and not is_missing(row.get("ci_high")):
        lines.append(
            t(
                "ci95",
                lang,
                low=format_value(row.get("ci_low"), unit, lang, unit_en),
                high=format_value(row.get("ci_high"), unit, lang, unit_en),
            )
        )
    if not is_missing(row.get("yoy_p_value")):
        lines.append(
            t(
                "rr_line",
                lang,
                rr=EM_DASH
                if is_missing(row.get("yoy_rate_ratio"))
                else f"{float(row['yoy_rate_ratio']):.2f}",
                low=EM_DASH if is_missing(row.get("yoy_rr_low")) else f"{float(row['yoy_rr_low']):.2f}",
                high="∞" if is_missing(row.get("yoy_rr_high")) else f"{float(row['yoy_rr_high']):.2f}",
                p=format_p(row.get("yoy_p_value")),
                q=format_p(row.get("yoy_q_value")),
            )
        )
    if row.get("reliability") == "low":
        lines.append(t("reliability_low", lang))
    signal = row.get("yoy_signal")
    if signal == "within_noise":
        lines.append(t("within_noise", lang))
    elif signal == "significant":
        lines.append(t("signal_significant_help", lang))
    elif signal == "partial_coverage":
        lines.append(t("signal_partial", lang))
    return lines


def card_label(
    code: str,
    row: dict[str, Any] | None,
    target: dict[str, Any] | None,
    lang: str,
    names: dict[str, tuple[str, str]] | None = None,
) -> str:
    """The card's title: `names` when given, else the value row's or the target's indicator name."""
    if names and code in names:
        return names[code][1] if lang == "en" else names[code][0]
    if row is not None:
        return str(row.get("indicator_name_en") if lang == "en" else row.get("indicator_name_zh"))
    if target is not None:
        return str(target.get("indicator_en") if lang == "en" else target.get("indicator_zh"))
    return code


def value_notes(row: dict[str, Any], lang: str) -> list[str]:
    """Notes under the value: partial coverage (and no rate), a series break."""
    notes: list[str] = []
    if row.get("completeness") == "partial":
        k, n = row.get("coverage_k"), row.get("coverage_n")
        notes.append(
            t(
                "partial_note",
                lang,
                k="?" if is_missing(k) else int(num(k)),
                n="?" if is_missing(n) else int(num(n)),
            )
        )
        if row.get("indicator_kind") == "rate" and is_missing(row.get("value")):
            notes.append(t("rate_partial", lang))
    if row.get("break_flag"):
        note = row.get("break_note_en") if lang == "en" else row.get("break_note_zh")
        notes.append(t("break_note", lang, note=note or ""))
    return notes


@dataclass(frozen=True)
class Delta:
    """The 同比 line of a card: text, colour, arrow and what the noise test adds to the notes."""

    text: str | None = None
    color: str = "gray"
    arrow: str = "off"
    notes: tuple[str, ...] = ()


def yoy_delta(row: dict[str, Any], lang: str) -> Delta:
    """Change vs last year: percent and absolute; grey within noise (the mart's yoy_signal)."""
    yoy_pct, yoy_abs = row.get("yoy_pct"), row.get("yoy_abs")
    if is_missing(yoy_pct) and is_missing(yoy_abs):
        return Delta()
    ab = format_signed(yoy_abs, row.get("unit"), lang, row.get("unit_en"))
    if is_missing(yoy_pct):  # e.g. 0 → 0: no percent change
        text = ab
    else:
        pct = format_pct_change(yoy_pct)
        text = f"{pct}({ab})" if lang == "zh" else f"{pct} ({ab})"
    change = yoy_abs if not is_missing(yoy_abs) else yoy_pct
    color = direction_color(change, row.get("better"))
    notes: tuple[str, ...] = ()
    noise = row.get("yoy_signal")
    if noise == "within_noise":  # greyed: no colour suggests a real rise or fall
        color = "gray"
        if num(change) != 0:  # nothing to explain about "no change"
            notes = (t("within_noise", lang),)
    elif noise == "partial_coverage":
        notes = (t("signal_partial", lang),)
    arrow = "off" if num(change) == 0 else ("down" if num(change) < 0 else "up")
    return Delta(text, color, arrow, notes)


# Monthly periods (issue 17): 'YYYYMmm' is a month ('month') or 1–N月累计 ('ytd' at a month end
# that is not a quarter end); quarter-end 1–N月累计 keep their 'YYYYQn' codes.
def mom_text(row: dict[str, Any], lang: str) -> str | None:
    """环比 of a month row (mom_pct, mom_abs: against the previous month); "环比 —" when the base is
    zero or missing; None for other period types."""
    if row.get("period_type") != "month":
        return None
    pct, ab = row.get("mom_pct"), row.get("mom_abs")
    signed = "" if is_missing(ab) else format_signed(ab, row.get("unit"), lang, row.get("unit_en"))
    if is_missing(pct):  # no base (zero or missing): the absolute change alone, or nothing
        change = signed or EM_DASH
    elif not signed:
        change = format_pct_change(pct)
    else:
        change = (
            f"{format_pct_change(pct)}({signed})" if lang == "zh" else f"{format_pct_change(pct)} ({signed})"
        )
    return f"{t('mom', lang)} {change}"


def period_note(row: dict[str, Any], lang: str) -> str:
    note = period_label(str(row["period_type"]), str(row["period"]), lang)
    return note + t("fallback_year", lang) if row.get("_fallback_year") else note


def help_text(row: dict[str, Any], pnote: str, lang: str) -> str:
    """The ⓘ text: period, source, vintage, a rate's numerator, the interval and the 同比 test."""
    source = t("value_source_report" if row.get("value_source") == "report" else "value_source_records", lang)
    lines = [
        f"{pnote}",
        f"{t('col_source', lang)}: marts.fct_indicator_values · {source}",
        f"{t('col_released', lang)}: {format_date(row.get('released_on'))}",
    ]
    if row.get("indicator_kind") == "rate" and not is_missing(row.get("numerator")):
        lines.append(f"{t('col_numerator', lang)}: {format_value(row.get('numerator'), None, lang)}")
    if row.get("indicator_kind") == "rate" and not is_missing(row.get("denominator_year")):
        lines.append(
            f"{t('col_den_year', lang)}: {int(num(row['denominator_year']))} · {row.get('denominator_basis') or ''}"
        )
    mom = mom_text(row, lang)
    den = denominator_note(row, lang)
    return "  \n".join(lines + ([mom] if mom else []) + ([den] if den else []) + noise_lines(row, lang))


def value_card(code: str, label: str, row: dict[str, Any], lang: str) -> CardModel:
    """The card of one fct_indicator_values row."""
    pnote = period_note(row, lang)
    delta = yoy_delta(row, lang)
    den = denominator_note(row, lang)
    value = format_indicator_value(row, lang)
    mom = mom_text(row, lang)
    return CardModel(
        indicator_code=code,
        label=label,
        value=f"{value} {DENOMINATOR_MARK}" if den and value != EM_DASH else value,
        period_note=f"{pnote} · {mom}" if mom else pnote,
        mom=mom,
        delta=delta.text,
        delta_color=delta.color,
        delta_arrow=delta.arrow,
        delta_description=t("yoy", lang) if delta.text else None,
        help=help_text(row, pnote, lang),
        notes=[*value_notes(row, lang), *([den] if den else []), *delta.notes],
        partial=row.get("completeness") == "partial",
        noise=row.get("yoy_signal"),
        denominator_status=denominator_status(row),
    )


def add_target(model: CardModel, target: dict[str, Any], lang: str) -> None:
    """The plan target, its binding, status (seed plan_statuses wording) and the value it is judged on."""
    model.target = target_text(target, lang)
    model.binding = binding_label(target.get("binding"), lang)
    status = str(target.get("status") or "")
    model.status = status
    model.status_label = status_label(status, lang)
    model.status_color = STATUS_COLORS.get(status, "gray")
    model.status_rule = str(
        target.get("status_rule_en") if lang == "en" else target.get("status_rule_zh") or ""
    )
    if not is_missing(target.get("current_value")):
        cur = format_value(target.get("current_value"), target.get("unit"), lang)
        year = target.get("current_year")
        model.current = f"{cur}({int(year)}年)" if lang == "zh" and year else f"{cur} ({year})"


def card_model(
    code: str,
    row: dict[str, Any] | None,
    target: dict[str, Any] | None,
    lang: str = "zh",
    names: dict[str, tuple[str, str]] | None = None,
) -> CardModel:
    """What the KPI card of indicator `code` says: its value row (None: no data for the period)
    and its plan target (None: no target)."""
    label = card_label(code, row, target, lang, names)
    if row is None:
        model = CardModel(
            indicator_code=code, label=label, value=EM_DASH, period_note=t("no_data_period", lang)
        )
    else:
        model = value_card(code, label, row, lang)
    if target is not None:
        add_target(model, target, lang)
    return model
