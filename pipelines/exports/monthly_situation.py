"""安全生产形势: the monthly situation text of a region and month, in the bureaus' own pattern.

    1-7月,全市共发生各类生产安全事故X起、死亡Y人、受伤Z人,同比分别下降a%、b%和c%,未发生较大及以上
    生产安全事故;7月份,全市发生生产安全事故x起、死亡y人、受伤z人,同比…,环比…。

The pattern is that of the city and district work reports in ../shared/seeds/ ("全区发生各类生产安全
事故1986起,事故造成1526人死亡、1248人受伤,…同比分别下降32.2%、17.9%和44.4%"; "1-12月,全市…").
Figures are the mart rows of the month and of 1–N月累计 (pipelines/exports/month_periods.py):
同比 = yoy_pct, 环比 = mom_pct, never recomputed. Wording of a change (`change_status`):
  * value equal to its base (0 and 0 included): 持平;
  * base zero, value positive: the absolute increase, "增加2人(上年同期为零)" (no percentage);
  * base missing: 无可比数据; a series break (yoy_break): 口径变化,不可比;
  * otherwise 上升/下降 a% (one decimal, as published); a change that rounds to 0.0%: 基本持平.
A partial figure (completeness 'partial') keeps its value and adds a caveat naming its coverage.
The English text says the same, sentence for sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipelines.exports.month_periods import ReportPeriod, indicator_values, parse_month
from pipelines.exports.report_data import Region, _resolve_region

# (indicator, name in a mixed 同比 clause, unit, English noun)
MEASURES = (
    ("ps_accidents", "事故起数", "起", "accidents"),
    ("ps_deaths", "死亡人数", "人", "deaths"),
    ("ps_injuries", "受伤人数", "人", "injuries"),
)
LARGER = "ps_accidents_larger_plus"  # 较大及以上事故起数


@dataclass(frozen=True)
class Change:
    """status: flat, near_flat, up, down, from_zero (base zero: `amount` is the increase),
    up_abs / down_abs (a base without a percentage), na (no base), break."""

    status: str
    pct: float | None = None
    amount: float | None = None


@dataclass
class Situation:
    region: Region
    month: ReportPeriod
    zh: str
    en: str
    caveats_zh: list[str] = field(default_factory=list)
    caveats_en: list[str] = field(default_factory=list)
    # (block 'ytd'|'month', indicator) -> the mart row, for a table beside the text
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def text_zh(self) -> str:
        return self.zh + "".join(self.caveats_zh)

    @property
    def text_en(self) -> str:
        return " ".join([self.en, *self.caveats_en])


def scope_words(region: Region) -> tuple[str, str]:
    """'全市' / 'across the city': the bureaus name their own area by its administrative kind."""
    name = region.name_zh
    if region.code == "000000" or name == "全国":
        return "全国", "nationwide"
    for suffix, zh, en in (
        ("自治区", "全区", "across the region"),
        ("省", "全省", "across the province"),
        ("自治州", "全州", "across the prefecture"),
        ("盟", "全盟", "across the league"),
        ("地区", "全地区", "across the prefecture"),
        ("市", "全市", "across the city"),
        ("区", "全区", "across the district"),
        ("县", "全县", "across the county"),
        ("旗", "全旗", "across the banner"),
    ):
        if name.endswith(suffix):
            return zh, en
    return "全市", "across the city"


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt_count(value: float, thousands: bool = False) -> str:
    """Whole counts without decimals ('1986'; English '1,986'); others at one decimal."""
    if float(value).is_integer():
        return f"{int(value):,}" if thousands else str(int(value))
    return f"{value:,.1f}" if thousands else f"{value:.1f}"


def change_status(row: dict[str, Any] | None, kind: str) -> Change:
    """The change of a mart row against its base: kind 'yoy' (同比) or 'mom' (环比)."""
    if row is None:
        return Change("na")
    if kind == "yoy" and row.get("yoy_break"):
        return Change("break")
    value, base = _num(row.get("value")), _num(row.get(f"{kind}_base_value"))
    pct = _num(row.get(f"{kind}_pct"))
    if value is None or base is None:
        return Change("na")
    if value == base:
        return Change("flat")
    if base == 0:
        return Change("from_zero", amount=value)
    if pct is None:  # a base the mart did not compare (should not happen): say the difference
        return Change("up_abs" if value > base else "down_abs", amount=abs(value - base))
    if round(pct, 1) == 0:
        return Change("near_flat", pct=pct)
    return Change("up" if pct > 0 else "down", pct=abs(pct))


def _join_zh(parts: list[str]) -> str:
    """'a、b和c' (the bureaus' list: 、 between, 和 before the last)."""
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


def _join_en(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _base_zh(kind: str) -> str:
    return "上年同期" if kind == "yoy" else "上月"


def change_clause_zh(changes: list[tuple[str, str, Change]], kind: str) -> str:
    """'同比分别下降a%、b%和c%', '环比均持平', or a per-measure clause when they differ."""
    word = "同比" if kind == "yoy" else "环比"
    statuses = {c.status for _, _, c in changes}
    if not changes:
        return ""
    if statuses == {"flat"}:
        return f"{word}{'均' if len(changes) > 1 else ''}持平"
    if statuses == {"na"}:
        return f"无{_base_zh(kind)}可比数据,不作{word}"
    if statuses == {"break"}:
        return f"统计口径变化,{word}不可比"
    if len(statuses) == 1 and statuses <= {"up", "down"}:
        verb = "上升" if statuses == {"up"} else "下降"
        pcts = [f"{c.pct:.1f}%" for _, _, c in changes]
        return f"{word}{'分别' if len(changes) > 1 else ''}{verb}{_join_zh(pcts)}"
    parts = []
    for name, unit, c in changes:
        if c.status in ("up", "down"):
            parts.append(f"{name}{'上升' if c.status == 'up' else '下降'}{c.pct:.1f}%")
        elif c.status == "flat":
            parts.append(f"{name}持平")
        elif c.status == "near_flat":
            parts.append(f"{name}基本持平")
        elif c.status == "from_zero":
            parts.append(f"{name}增加{fmt_count(c.amount or 0.0)}{unit}({_base_zh(kind)}为零)")
        elif c.status in ("up_abs", "down_abs"):
            verb = "增加" if c.status == "up_abs" else "减少"
            parts.append(f"{name}{verb}{fmt_count(c.amount or 0.0)}{unit}")
        elif c.status == "break":
            parts.append(f"{name}口径变化不可比")
        else:
            parts.append(f"{name}无可比数据")
    return word + "、".join(parts)


def change_clause_en(changes: list[tuple[str, str, Change]], kind: str) -> str:
    word = "year on year" if kind == "yoy" else "month on month"
    base = "a year earlier" if kind == "yoy" else "the month before"
    statuses = {c.status for _, _, c in changes}
    if not changes:
        return ""
    if statuses == {"flat"}:
        return f"unchanged {word}"
    if statuses == {"na"}:
        return f"no figure for {base} to compare"
    if statuses == {"break"}:
        return f"not comparable {word} (a change of scope)"
    if len(statuses) == 1 and statuses <= {"up", "down"}:
        verb = "up" if statuses == {"up"} else "down"
        return f"{verb} {_join_en([f'{c.pct:.1f}%' for _, _, c in changes])} {word}"
    parts = []
    for noun, _unit, c in changes:
        if c.status in ("up", "down"):
            parts.append(f"{noun} {c.status} {c.pct:.1f}%")
        elif c.status == "flat":
            parts.append(f"{noun} unchanged")
        elif c.status == "near_flat":
            parts.append(f"{noun} about unchanged")
        elif c.status == "from_zero":
            parts.append(f"{noun} +{fmt_count(c.amount or 0.0, True)} (from zero)")
        elif c.status in ("up_abs", "down_abs"):
            sign = "+" if c.status == "up_abs" else "−"
            parts.append(f"{noun} {sign}{fmt_count(c.amount or 0.0, True)}")
        elif c.status == "break":
            parts.append(f"{noun} not comparable")
        else:
            parts.append(f"{noun} not comparable (no base)")
    return f"{word}: " + ", ".join(parts)


def _figures(rows: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, float]]:
    """(indicator, mixed-clause name, unit, value) of the measures the period has values for."""
    out = []
    for code, name, unit, _ in MEASURES:
        v = _num((rows.get(code) or {}).get("value"))
        if v is not None:
            out.append((code, name, unit, v))
    return out


def _counts_zh(figures: list[tuple[str, str, str, float]]) -> str:
    texts = {
        "ps_accidents": lambda v: f"生产安全事故{fmt_count(v)}起",
        "ps_deaths": lambda v: f"死亡{fmt_count(v)}人",
        "ps_injuries": lambda v: f"受伤{fmt_count(v)}人",
    }
    return "、".join(texts[code](v) for code, _, _, v in figures)


SINGULAR = {"accidents": "accident", "deaths": "death", "injuries": "injury"}


def _counts_en(figures: list[tuple[str, str, str, float]], first: bool = True) -> str:
    """'120 production-safety accidents, 45 deaths and 30 injuries' ('1 death')."""
    nouns = {code: noun for code, _, _, noun in MEASURES}
    parts = [
        f"{fmt_count(v, True)} {SINGULAR[nouns[code]] if v == 1 else nouns[code]}"
        for code, _, _, v in figures
    ]
    if first and figures and figures[0][0] == "ps_accidents":
        parts[0] = parts[0].replace(" accident", " production-safety accident", 1)
    return _join_en(parts)


def _changes(
    rows: dict[str, dict[str, Any]], figures: list[tuple[str, str, str, float]], kind: str, english: bool
) -> list[tuple[str, str, Change]]:
    nouns = {code: noun for code, _, _, noun in MEASURES}
    return [
        (nouns[code] if english else name, unit, change_status(rows.get(code), kind))
        for code, name, unit, _ in figures
    ]


def _larger_zh(row: dict[str, Any] | None) -> str:
    v = _num((row or {}).get("value"))
    if v is None:
        return ""
    return ",未发生较大及以上生产安全事故" if v == 0 else f",其中较大及以上事故{fmt_count(v)}起"


def _larger_en(row: dict[str, Any] | None) -> str:
    v = _num((row or {}).get("value"))
    if v is None:
        return ""
    if v == 0:
        return "; no accident of grade 较大 (larger) or above"
    return f"; {fmt_count(v, True)} of grade 较大 (larger) or above"


def partial_detail(rows: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """(zh, en) coverage of a block any of whose figures is partial: k/n, missing units; None if
    the block is complete."""
    partial = [r for code, *_ in MEASURES if (r := rows.get(code)) and r.get("completeness") == "partial"]
    if not partial:
        return None
    cover = sorted({(r["coverage_k"], r["coverage_n"]) for r in partial if r.get("coverage_n") is not None})
    units = sorted(
        {u.strip() for r in partial if r.get("missing_units") for u in str(r["missing_units"]).split(",")}
    )
    zh = "".join(f"({k}/{n}个下级地区报送完整)" for k, n in cover)
    en = "".join(f" ({k} of {n} subregions complete)" for k, n in cover)
    if units:
        zh += "(缺报:" + "、".join(units) + ")"
        en += " (missing: " + ", ".join(units) + ")"
    return zh, en


def caveats(blocks: list[tuple[str, str, dict[str, dict[str, Any]]]]) -> tuple[list[str], list[str]]:
    """One caveat per distinct coverage, naming every partial block that has it:
    '(注:1-8月和8月份为部分数据(1/2个下级地区报送完整),不是完整合计,同比、环比仅供参考。)'."""
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for label_zh, label_en, rows in blocks:
        detail = partial_detail(rows)
        if detail is not None:
            grouped.setdefault(detail, []).append((label_zh, label_en))
    zh = [
        f"(注:{_join_zh([z for z, _ in labels])}为部分数据{dz},不是完整合计,同比、环比仅供参考。)"
        for (dz, _), labels in grouped.items()
    ]
    en = [
        f"(Note: {_join_en([e for _, e in labels])} figures are partial{de}, not complete totals; "
        "changes are indicative only.)"
        for (_, de), labels in grouped.items()
    ]
    return zh, en


def build_situation(con: duckdb.DuckDBPyConnection, region: str, month: str) -> Situation:
    """The 安全生产形势 text of `region` (code or Chinese name) for `month` ('2023M07')."""
    m = parse_month(month)
    reg = _resolve_region(con, region)
    ytd = ReportPeriod("ytd", m.year, m.month)
    codes = [code for code, *_ in MEASURES] + [LARGER]
    blocks = {
        "ytd": {k[1]: v for k, v in indicator_values(con, [reg.code], codes, ytd).items()},
        "month": {k[1]: v for k, v in indicator_values(con, [reg.code], codes, m).items()},
    }
    scope_zh, scope_en = scope_words(reg)
    n = m.month
    zh: list[str] = []
    en: list[str] = []

    month_figs = _figures(blocks["month"])
    ytd_figs = _figures(blocks["ytd"])
    if n > 1:
        if ytd_figs:
            yoy_zh = change_clause_zh(_changes(blocks["ytd"], ytd_figs, "yoy", False), "yoy")
            yoy_en = change_clause_en(_changes(blocks["ytd"], ytd_figs, "yoy", True), "yoy")
            zh.append(
                f"1-{n}月,{scope_zh}共发生各类{_counts_zh(ytd_figs)},{yoy_zh}{_larger_zh(blocks['ytd'].get(LARGER))}"
            )
            en.append(
                f"{ytd.label_en}: {_counts_en(ytd_figs)} {scope_en}, {yoy_en}{_larger_en(blocks['ytd'].get(LARGER))}."
            )
        else:
            zh.append(f"1-{n}月数据暂缺")
            en.append(f"{ytd.label_en}: no figures in the serving copy.")
    if month_figs:
        yoy_zh = change_clause_zh(_changes(blocks["month"], month_figs, "yoy", False), "yoy")
        mom_zh = change_clause_zh(_changes(blocks["month"], month_figs, "mom", False), "mom")
        yoy_en = change_clause_en(_changes(blocks["month"], month_figs, "yoy", True), "yoy")
        mom_en = change_clause_en(_changes(blocks["month"], month_figs, "mom", True), "mom")
        verb = "共发生各类" if n == 1 else "发生"
        zh.append(f"{n}月份,{scope_zh}{verb}{_counts_zh(month_figs)},{yoy_zh},{mom_zh}")
        en.append(f"{m.label_en}: {_counts_en(month_figs, first=n == 1)} {scope_en}, {yoy_en}; {mom_en}.")
    else:
        zh.append(f"{n}月份数据暂缺")
        en.append(f"{m.label_en}: no monthly figures in the serving copy.")
    labelled = [(f"{n}月份", m.label_en, blocks["month"])]
    if n > 1:
        labelled.insert(0, (f"1-{n}月", ytd.label_en, blocks["ytd"]))
    caveats_zh, caveats_en = caveats(labelled)
    rows = {(b, code): r for b, rs in blocks.items() for code, r in rs.items()}
    return Situation(
        region=reg,
        month=m,
        zh=";".join(zh) + "。",
        en=" ".join(en),
        caveats_zh=caveats_zh,
        caveats_en=caveats_en,
        rows=rows,
    )


def load_situation(path: str, region: str, month: str) -> Situation:
    """Open the serving copy read-only, build the text, close."""
    con = duckdb.connect(path, read_only=True)
    try:
        return build_situation(con, region, month)
    finally:
        con.close()
