"""季度简报: a one-page A4 brief in Chinese for one region and quarter.

Title and reference period, the headline indicators (1–N月累计 and 本季度 with 同比, and the plan
target with its status from `fct_plan_progress`), a plan status summary, the three largest
changes (rule in `largest_changes`) and a data note (source, vintage, synthetic label).
Rendered as self-contained HTML (inline CSS, CJK font stack, no external resources) and printed to
PDF by headless Chromium when it is installed.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from pipelines.exports.denominators import status_text_zh
from pipelines.exports.formats import (
    decimals,
    fmt_number,
    fmt_pct,
    fmt_time,
    now_beijing,
    quarter_texts,
)
from pipelines.exports.monthly_situation import build_situation
from pipelines.exports.quarterly_workbook import DENOMINATOR_MARK, SAMPLE_LABEL, unit_name
from pipelines.exports.report_data import ExportError, Indicator, QuarterReport
from pipelines.lib.plan_statuses import plan_statuses, status_label

log = logging.getLogger(__name__)

TEMPLATE = Path(__file__).with_name("templates") / "brief.html.j2"
CHANGE_INDICATOR = "ps_deaths"  # 生产安全事故死亡人数: the figure leadership asks about first
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")


@dataclass(frozen=True)
class Change:
    """One of the largest changes: a child region's figure, or one of the region's indicators."""

    subject: str
    indicator: str
    value: str
    base: str
    change: str
    pct: str
    signal: str = ""  # 统计上显著 / 无明显变化证据 (fct_indicator_values.yoy_signal), empty if not tested


SIGNAL_TEXT = {"significant": "统计上显著", "within_noise": "无明显变化证据(在随机波动范围内),不宜视为趋势"}


def _signal(v: dict[str, Any]) -> str:
    return SIGNAL_TEXT.get(str(v.get("yoy_signal") or ""), "")


def _fmt_signed(value: float, places: int) -> str:
    text = fmt_number(abs(value), places)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def largest_changes(report: QuarterReport, n: int = 3) -> tuple[list[Change], str]:
    """The `n` largest changes and the rule that chose them.

    Rule: among the child regions whose 1–N月累计 生产安全事故死亡人数 is complete and has a 同比
    (no series break), the `n` with the largest absolute change in persons (ties: region code).
    A region without such children (a county, or children without data) instead lists its own
    headline indicators with the largest absolute 同比 percentage (complete values, non-zero base).
    """
    ind = {i.code: i for i in report.all_indicators}
    deaths = ind.get(CHANGE_INDICATOR)
    candidates: list[tuple[float, str, Change]] = []
    if deaths is not None:
        for region in report.rows[1:]:
            v = report.value(region.code, CHANGE_INDICATOR, "ytd")
            if (
                not v
                or v["completeness"] != "complete"
                or v["yoy_abs"] is None
                or v["yoy_base_value"] is None
            ):
                continue
            places = decimals(deaths.code, deaths.kind, deaths.unit)
            candidates.append(
                (
                    -abs(float(v["yoy_abs"])),
                    region.code,
                    Change(
                        subject=region.name_zh,
                        indicator=f"{deaths.name_zh}({deaths.unit})",
                        value=fmt_number(v["value"], places),
                        base=fmt_number(v["yoy_base_value"], places),
                        change=_fmt_signed(float(v["yoy_abs"]), places),
                        pct=fmt_pct(v["yoy_pct"]),
                        signal=_signal(v),
                    ),
                )
            )
    if candidates:
        rule = (
            f"规则:下级地区中{quarter_texts(report.year, report.quarter)['ytd']}{deaths.name_zh if deaths else ''}"
            "为完整数据且可比的,按同比增减人数绝对值从大到小取前三,并注明泊松精确检验(P<0.05)是否显著。"
        )
        return [c for _, _, c in sorted(candidates)[:n]], rule
    # Changes that pass the exact test come first: a county's −33% on 3 → 2 deaths is noise.
    own: list[tuple[bool, float, int, Change]] = []
    for i in report.headline:
        v = report.value(report.region.code, i.code, "ytd")
        if not v or v["completeness"] != "complete" or v["yoy_pct"] is None:
            continue
        places = decimals(i.code, i.kind, i.unit)
        own.append(
            (
                v.get("yoy_signal") != "significant",
                -abs(float(v["yoy_pct"])),
                i.display_order,
                Change(
                    subject=report.region.name_zh,
                    indicator=f"{i.name_zh}({i.unit})",
                    value=fmt_number(v["value"], places),
                    base=fmt_number(v["yoy_base_value"], places),
                    change=_fmt_signed(float(v["yoy_abs"]), places),
                    pct=fmt_pct(v["yoy_pct"]),
                    signal=_signal(v),
                ),
            )
        )
    rule = (
        "规则:本地区无可比的下级地区数据,取本地区主要指标中1–N月累计同比变化统计上显著的优先、"
        "再按增减幅度绝对值从大到小的三项(完整数据、上年同期不为零)。显著性为泊松精确检验(P<0.05)。"
    )
    return [c for *_, c in sorted(own, key=lambda x: (x[0], x[1], x[2]))[:n]], rule


def _target_text(p: dict[str, Any], places: int) -> str:
    kind, agg = p["target_kind"], p["aggregation"]
    scope = {"annual_mean": "年均", "each_year": "每年", "period_total": "规划期合计"}.get(agg, "")
    target = fmt_number(p["target_abs"], places) if p["target_abs"] is not None else "—"
    year = f"{p['target_year']}年" if p.get("target_year") else ""
    if kind == "reduce_pct":
        return f"较{p['baseline_year']}下降{float(p['target_value']):g}%(≤{target},{scope or year})"
    if kind == "absolute_max":
        return f"{scope}≤{target}" + (f"({year})" if agg == "final_year" else "")
    if kind == "absolute_min":
        return f"{scope}≥{target}" + (f"({year})" if agg == "final_year" else "")
    if kind == "zero":
        return "不发生(0)"
    if kind == "cumulative_cap":
        return f"规划期累计≤{target}"
    if kind == "direction_down":
        return "逐年下降"
    return "无明确数值"


def _plan_cells(report: QuarterReport, ind: Indicator) -> list[dict[str, str]]:
    places = decimals(ind.code, ind.kind, ind.unit)
    out = []
    for p in report.plan:
        if p["indicator_code"] != ind.code:
            continue
        current = (
            f"{fmt_number(p['current_value'], places)}({p['current_year']}年)"
            if p["current_value"] is not None
            else "—"
        )
        path = fmt_number(p["path_value"], places) if p["path_value"] is not None else ""
        out.append(
            {
                "target": _target_text(p, places),
                "current": current,
                "path": path,
                "status": status_label(str(p["status"])),
                "status_code": str(p["status"]),
            }
        )
    return out


def _headline_rows(report: QuarterReport) -> list[dict[str, Any]]:
    rows = []
    for ind in report.headline:
        places = decimals(ind.code, ind.kind, ind.unit)
        cells: dict[str, Any] = {"name": ind.name_zh, "unit": ind.unit, "plan": _plan_cells(report, ind)}
        for pt in ("ytd", "quarter"):
            v = report.value(report.region.code, ind.code, pt) or {}
            partial = v.get("completeness") == "partial"
            mark = "*" if partial else ""
            if status_text_zh(v):  # another year's or an estimated denominator: see denominator_notes
                mark += DENOMINATOR_MARK
            cells[pt] = fmt_number(v.get("value"), places) + (mark if v.get("value") is not None else "")
            pct = v.get("yoy_pct")
            cells[f"{pt}_yoy"] = (
                "不可比†" if v.get("yoy_break") else fmt_pct(pct) + (mark if pct is not None else "")
            )
            cells[f"{pt}_trend"] = (
                ""
                if v.get("yoy_pct") is None
                else ("up" if v["yoy_pct"] > 0 else "down" if v["yoy_pct"] < 0 else "")
            )
        rows.append(cells)
    return rows


def denominator_notes(report: QuarterReport) -> list[str]:
    """'亿元GDP死亡率(1-12月):分母为…' for each headline value of the region marked ‡."""
    texts = quarter_texts(report.year, report.quarter)
    blocks = {"ytd": texts["ytd"], "quarter": "本季度"}
    notes = []
    for ind in report.headline:
        for pt, label in blocks.items():
            v = report.value(report.region.code, ind.code, pt) or {}
            text = status_text_zh(v)
            if text and v.get("value") is not None:
                notes.append(f"{ind.name_zh}({label}):{text}")
    return notes


def plan_summary(report: QuarterReport) -> str:
    """'规划目标 N 项:已达成 a 项,正常 b 项 …(评估依据:截至 YYYY 年的年度数据)'."""
    if not report.plan:
        return "本地区未登记规划目标。"
    counts = Counter(str(p["status"]) for p in report.plan)
    parts = [f"{status_label(s)} {counts[s]} 项" for s in plan_statuses() if counts.get(s)]
    years = [int(p["current_year"]) for p in report.plan if p["current_year"] is not None]
    basis = f"(评估依据:截至{max(years)}年的年度数据)" if years else ""
    plans = sorted({str(p["plan_zh"]) for p in report.plan})
    return f"{'、'.join(plans)}登记目标 {len(report.plan)} 项:" + ",".join(parts) + basis + "。"


def monthly_situation(report: QuarterReport) -> tuple[str, str] | None:
    """(month label, text) of 四、安全生产形势: the monthly text (monthly_situation.py) of the
    quarter's last month, read from the report's serving copy; None when that copy has neither
    the month nor its 1–N月累计."""
    if not report.serving_path:
        return None
    month = f"{report.year}M{3 * report.quarter:02d}"
    try:
        con = duckdb.connect(report.serving_path, read_only=True)
    except duckdb.Error:
        return None
    try:
        situation = build_situation(con, report.region.code, month)
    except (ExportError, duckdb.Error):
        return None
    finally:
        con.close()
    if not situation.rows:
        return None
    return situation.month.label_zh, situation.text_zh


def render_html(report: QuarterReport, generated_at: dt.datetime | None = None) -> str:
    generated_at = generated_at or now_beijing()
    texts = quarter_texts(report.year, report.quarter)
    name, unit = unit_name(report.region)
    changes, rule = largest_changes(report)
    vintage = report.vintage()
    any_break = any(
        (report.value(report.region.code, i.code, pt) or {}).get("yoy_break")
        for i in report.headline
        for pt in ("ytd", "quarter")
    )
    situation = monthly_situation(report)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template(TEMPLATE.name).render(
        title=f"{name}安全生产形势季度简报",
        period=f"{texts['quarter']}({texts['ytd_full']})",
        texts=texts,
        issuer=unit,
        rows=_headline_rows(report),
        plan_summary=plan_summary(report),
        changes=changes,
        change_rule=rule,
        any_break=any_break,
        denominator_mark=DENOMINATOR_MARK,
        denominator_notes=denominator_notes(report),
        is_sample=bool(report.is_sample),
        sample_label=SAMPLE_LABEL,
        vintage=vintage.isoformat() if vintage else "—",
        published=fmt_time(report.published_at) if report.published_at else "—",
        generated=fmt_time(generated_at),
        situation=situation,
    )


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: str, out: Path, chromium: str, timeout_s: float = 90) -> Path:
    """Print `html` to `out` with headless Chromium; every network lookup is refused."""
    with tempfile.TemporaryDirectory(prefix="safety-brief-") as tmp:
        src = Path(tmp) / "brief.html"
        src.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "brief.pdf"
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: the page is self-contained
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            src.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
            raise RuntimeError(
                f"Chromium 未能生成 PDF / Chromium failed to print the PDF ({proc.returncode}): {proc.stderr[-2000:]}"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pdf), out)
    return out


def pdf_bytes(report: QuarterReport, generated_at: dt.datetime | None = None) -> bytes | None:
    """The brief as PDF bytes, or None when no Chromium is installed."""
    chromium = find_chromium()
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory(prefix="safety-brief-out-") as tmp:
        out = print_pdf(render_html(report, generated_at), Path(tmp) / "brief.pdf", chromium)
        return out.read_bytes()


def write_brief(report: QuarterReport, out: Path, generated_at: dt.datetime | None = None) -> Path:
    """Write the brief to `out` (.pdf or .html). Without Chromium a .pdf request writes the HTML
    beside it (same name, .html) and says so; returns the path written."""
    html = render_html(report, generated_at)
    if out.suffix.lower() == ".pdf":
        chromium = find_chromium()
        if chromium is not None:
            return print_pdf(html, out, chromium)
        out = out.with_suffix(".html")
        log.warning(
            "未找到 Chromium,无法生成 PDF,已改为输出 HTML:%s / Chromium not found: wrote HTML instead: %s",
            out,
            out,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
