"""Rolling-origin backtest of the projection (pipelines/lib/projection.py) on REAL national series.

The series are the public national figures in raw/public/ (公开数据: NBS communiqués, MEM/SAWS
and fire-service releases, each row cited in raw/public/sources.csv) — never the synthetic
sample. For every series and every origin year T with at least `MIN_TREND_YEARS` observed years
in the project's fit window [T − 4, T] (LOOKBACK_YEARS = 5 before the first projected year),
only data up to T are used to project T+1 … T+5; each projected year that was later observed is
scored:

- interval coverage: share of actual values inside the 50% (p25–p75) and 90% (p05–p95)
  projection intervals, from the model's own simulated draws (fit_trend → project_exposure →
  simulate_events, seeded with seed_for);
- PIT: F(actual) from the draws (randomised for counts: P(X < y) + U·P(X = y)); a calibrated
  forecast gives a flat histogram;
- targets of the kind plans set, "value in T+h ≤ value in T × (1 − x)" for x in `CUTS`: the
  probability from `assess` (the shipped code path: Target reduce_pct, final_year) against the
  outcome; Brier score, its Murphy decomposition (reliability − resolution + uncertainty, 10
  probability bins) and the reliability diagram. A constant-rate variant (`constant_only=True`)
  is scored beside it as a reference.

    .venv/bin/python benchmarks/national_backtest.py

writes benchmarks/national_backtest.json, .md and .svg next to this file (no plotting library is
installed: the figure is plain SVG written here).
"""

from __future__ import annotations

import csv
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.lib.projection import (
    LOOKBACK_YEARS,
    MIN_TREND_YEARS,
    History,
    Target,
    assess,
    fit_trend,
    project_exposure,
    seed_for,
    simulate_events,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PUBLIC = ROOT / "raw" / "public"
sys.path.insert(0, str(HERE))
from bench_common import machine, write_report  # noqa: E402  (benchmarks/ is not a package)

HORIZONS = range(1, 6)
CUTS = (0.0, 0.05, 0.10, 0.20)  # target: at most (1 − x) × the origin year's value
N_BINS = 10
KINDS = ("count", "amount or published rate")
# series → (is a count of events, what it is); published rates and amounts are not counts.
SERIES: dict[str, tuple[bool, str]] = {
    "ps_deaths": (True, "生产安全事故死亡人数 production-safety deaths"),
    "ps_deaths_per_100m_gdp": (False, "亿元GDP生产安全事故死亡率 (published)"),
    "road_deaths_per_10k_vehicles": (False, "道路交通万车死亡率 (published)"),
    "imc_deaths_per_100k_workers": (False, "工矿商贸十万人死亡率 (published)"),
    "fire_count": (True, "火灾起数 fires (2021: wider statistical scope)"),
    "fire_deaths": (True, "火灾死亡人数 fire deaths"),
    "fire_direct_loss": (False, "火灾直接财产损失 fire loss"),
    "nd_deaths_missing": (True, "因灾死亡失踪人数 disaster deaths + missing"),
    "nd_direct_loss": (False, "因灾直接经济损失 disaster loss"),
    "nd_affected_person_times": (False, "受灾人次 affected person-times"),
}


def _unit_factors() -> dict[str, float]:
    with (ROOT / "dbt_project" / "seeds" / "units.csv").open(encoding="utf-8") as f:
        return {r["unit"]: float(r["factor_to_canonical"]) for r in csv.DictReader(f)}


def load_series() -> dict[str, dict[int, float]]:
    """Annual values of the public drop in canonical units (deaths + missing summed where the
    release gives them apart, as the warehouse does); published rates as published."""
    factor = _unit_factors()
    raw: dict[str, dict[int, float]] = defaultdict(dict)
    for path in sorted((PUBLIC / "reports").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                raw[r["measure"]][int(r["period"])] = float(r["value"]) * factor[r["unit"]]
    with (PUBLIC / "published_rates.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            raw[r["indicator_code"]][int(r["period"])] = float(r["value"])
    dm = raw["nd_deaths_missing"]
    for year in raw["nd_deaths"].keys() & raw["nd_missing"].keys():
        dm.setdefault(year, raw["nd_deaths"][year] + raw["nd_missing"][year])
    return {code: dict(sorted(raw[code].items())) for code in SERIES}


@dataclass
class Case:
    series: str
    origin: int
    horizon: int
    actual: float
    origin_value: float
    p05: float
    p25: float
    p75: float
    p95: float
    pit: float
    probs: dict[float, float]  # cut → P(target met), shipped model
    probs_const: dict[float, float]  # cut → P(target met), constant rate


def _pit(draws: np.ndarray, y: float, is_count: bool, u: float) -> float:
    below = float(np.mean(draws < y))
    if not is_count:
        return below
    return below + u * float(np.mean(draws == y))


def _probability(series: str, history: History, origin: int, horizon: int, thr: float, const: bool) -> float:
    target = Target(
        target_id=f"national/{series}/{origin}+{horizon}",
        target_kind="reduce_pct",
        aggregation="final_year",
        first_year=origin + 1,
        last_year=origin + horizon,
        target_year=origin + horizon,
        target_abs=thr,
        baseline_level=None,
        indicator_kind="count" if history.is_count_data else "rate",
    )
    a = assess(target, history, data_through=origin, lookback=LOOKBACK_YEARS, constant_only=const)
    return float("nan") if a.probability is None else float(a.probability)


def backtest(series: dict[str, dict[int, float]]) -> list[Case]:
    cases: list[Case] = []
    u_rng = np.random.default_rng(16)
    for code, values in series.items():
        is_count, _ = SERIES[code]
        for origin in values:
            window = [t for t in values if origin - LOOKBACK_YEARS + 1 <= t <= origin]
            targets = [h for h in HORIZONS if origin + h in values]
            if len(window) < MIN_TREND_YEARS or not targets:
                continue
            # Only data up to the origin: the history handed to the model stops at T.
            past = History(window, [values[t] for t in window], [1.0] * len(window), is_count)
            fit = fit_trend(past)
            future = [origin + h for h in HORIZONS]
            rng = np.random.default_rng(seed_for(f"national/{code}", origin))
            draws = simulate_events(fit, future, project_exposure(past, future), rng)
            for h in targets:
                col, y = draws[:, h - 1], values[origin + h]
                q05, q25, q75, q95 = np.quantile(col, [0.05, 0.25, 0.75, 0.95])
                base = values[origin]
                probs = {x: _probability(code, past, origin, h, base * (1 - x), False) for x in CUTS}
                const = {x: _probability(code, past, origin, h, base * (1 - x), True) for x in CUTS}
                pit = _pit(col, y, is_count, float(u_rng.uniform()))
                cases.append(Case(code, origin, h, y, base, q05, q25, q75, q95, pit, probs, const))
    return cases


def brier(pairs: list[tuple[float, bool]]) -> dict[str, Any]:
    """Brier score and Murphy's decomposition over N_BINS equal-width probability bins:
    BS = REL − RES + UNC (exact up to the within-bin spread of the forecasts)."""
    p = np.array([q for q, _ in pairs])
    o = np.array([float(v) for _, v in pairs])
    n, base = len(p), float(o.mean())
    bins = np.minimum((p * N_BINS).astype(int), N_BINS - 1)
    rel = res = 0.0
    table = []
    for b in range(N_BINS):
        sel = bins == b
        k = int(sel.sum())
        if k == 0:
            continue
        pb, ob = float(p[sel].mean()), float(o[sel].mean())
        rel += k * (pb - ob) ** 2 / n
        res += k * (ob - base) ** 2 / n
        table.append(
            {"bin": f"{b / N_BINS:.1f}–{(b + 1) / N_BINS:.1f}", "n": k, "mean_p": pb, "observed": ob}
        )
    bs = float(np.mean((p - o) ** 2))
    unc = base * (1 - base)
    return {
        "n": n,
        "brier": bs,
        "reliability": rel,
        "resolution": res,
        "uncertainty": unc,
        "brier_skill_vs_base_rate": (1 - bs / unc) if unc > 0 else None,
        "base_rate": base,
        "reliability_table": table,
    }


def summarise(cases: list[Case]) -> dict[str, Any]:
    def cover(cs: list[Case]) -> dict[str, Any]:
        return {
            "n": len(cs),
            "coverage_50": float(np.mean([c.p25 <= c.actual <= c.p75 for c in cs])) if cs else None,
            "coverage_90": float(np.mean([c.p05 <= c.actual <= c.p95 for c in cs])) if cs else None,
        }

    def pairs(cs: list[Case], const: bool, cut: float | None = None) -> list[tuple[float, bool]]:
        out = []
        for c in cs:
            for x, p in (c.probs_const if const else c.probs).items():
                if (cut is None or x == cut) and p == p:
                    out.append((p, c.actual <= c.origin_value * (1 - x) + 1e-12))
        return out

    pit_hist = np.histogram([c.pit for c in cases], bins=N_BINS, range=(0, 1))[0]
    return {
        "forecasts": len(cases),
        "series_used": sorted({c.series for c in cases}),
        "coverage_all": cover(cases),
        "coverage_by_horizon": {h: cover([c for c in cases if c.horizon == h]) for h in HORIZONS},
        "coverage_by_series": {s: cover([c for c in cases if c.series == s]) for s in SERIES},
        "coverage_by_kind": {
            k: cover([c for c in cases if SERIES[c.series][0] == (k == "count")]) for k in KINDS
        },
        "brier_by_kind": {
            k: brier(pairs([c for c in cases if SERIES[c.series][0] == (k == "count")], False))["brier"]
            for k in KINDS
        },
        "pit_histogram": {"bins": N_BINS, "counts": pit_hist.tolist()},
        "brier_shipped": brier(pairs(cases, False)),
        "brier_constant_rate": brier(pairs(cases, True)),
        "brier_by_cut": {str(x): brier(pairs(cases, False, x))["brier"] for x in CUTS},
    }


# ----------------------------------------------------------------------------- SVG figure


def _svg(summary: dict[str, Any]) -> str:
    w, h, pad = 300, 240, 40
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="960" height="300" font-family="sans-serif" font-size="11">'
    ]

    def frame(x0: int, title: str, xl: str, yl: str) -> None:
        parts.append(
            f'<rect x="{x0 + pad}" y="{pad}" width="{w - pad - 10}" height="{h - pad - 20}" fill="none" stroke="#444"/>'
        )
        parts.append(f'<text x="{x0 + pad}" y="20" font-size="13">{title}</text>')
        parts.append(f'<text x="{x0 + pad + 60}" y="{h + 15}">{xl}</text>')
        parts.append(f'<text x="{x0 + 5}" y="{pad - 5}">{yl}</text>')

    def xy(x0: int, fx: float, fy: float) -> tuple[float, float]:
        return x0 + pad + fx * (w - pad - 10), pad + (1 - fy) * (h - pad - 20)

    # 1 reliability diagram
    frame(0, "Reliability 可靠性图", "forecast P(target met)", "observed")
    a, b = xy(0, 0, 0), xy(0, 1, 1)
    parts.append(
        f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" stroke="#999" stroke-dasharray="4"/>'
    )
    n_max = max([r["n"] for r in summary["brier_shipped"]["reliability_table"]] + [1])
    for r in summary["brier_shipped"]["reliability_table"]:
        cx, cy = xy(0, r["mean_p"], r["observed"])
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{2 + 6 * (r["n"] / n_max) ** 0.5:.1f}" fill="#1f77b4" opacity="0.7"/>'
        )
    # 2 PIT histogram
    x0 = 320
    counts = summary["pit_histogram"]["counts"]
    frame(x0, "PIT histogram PIT直方图", "PIT", "share")
    top = max(max(counts) / max(sum(counts), 1), 0.2)
    for i, c in enumerate(counts):
        share = c / max(sum(counts), 1)
        (bx, by), (ex, ey) = xy(x0, i / N_BINS, share / top), xy(x0, (i + 1) / N_BINS, 0)
        parts.append(
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{ex - bx - 1:.1f}" height="{ey - by:.1f}" fill="#ff7f0e"/>'
        )
    fx, fy = xy(x0, 0, 1 / N_BINS / top)
    parts.append(
        f'<line x1="{fx}" y1="{fy:.1f}" x2="{xy(x0, 1, 0)[0]}" y2="{fy:.1f}" stroke="#444" stroke-dasharray="4"/>'
    )
    # 3 coverage by horizon
    x0 = 640
    frame(x0, "Coverage by horizon 区间覆盖率", "horizon (years) 1–5", "coverage")
    for nominal, key, colour in ((0.5, "coverage_50", "#2ca02c"), (0.9, "coverage_90", "#d62728")):
        lx, ly = xy(x0, 0, nominal)
        parts.append(
            f'<line x1="{lx}" y1="{ly:.1f}" x2="{xy(x0, 1, 0)[0]}" y2="{ly:.1f}" stroke="{colour}" stroke-dasharray="4"/>'
        )
        pts = []
        for hz, cov in summary["coverage_by_horizon"].items():
            if cov[key] is not None:
                px, py = xy(x0, (int(hz) - 0.5) / 5, cov[key])
                pts.append(f"{px:.1f},{py:.1f}")
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        parts.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colour}"/>')
        parts.append(f'<text x="{lx + 4}" y="{ly - 3:.1f}" fill="{colour}">{int(nominal * 100)}%</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _reading(s: dict[str, Any]) -> list[str]:
    """Plain statements computed from the summary (no hand-written numbers)."""
    a, pit = s["coverage_all"], s["pit_histogram"]["counts"]
    high = [r for r in s["brier_shipped"]["reliability_table"] if r["mean_p"] >= 0.8]
    n_high = sum(r["n"] for r in high)
    met_high = sum(r["n"] * r["observed"] for r in high) / n_high if n_high else float("nan")
    b = s["brier_shipped"]
    return [
        f"- The 90% intervals held {a['coverage_90']:.0%} of the actual values and the 50% intervals "
        f"{a['coverage_50']:.0%}: on these real series the projection intervals are too narrow.",
        f"- PIT: {pit[-1] / sum(pit):.0%} of the actual values fell above the 90th percentile of their "
        "forecast (flat would be 10%): real series fell less fast, or jumped up, more often than the "
        "fitted log-linear trend allowed.",
        f"- Target probabilities ≥ 0.8 ({n_high} forecasts) were met {met_high:.0%} of the time; the "
        f"Brier score {b['brier']:.3f} is no better than always forecasting the base rate "
        f"({b['uncertainty']:.3f}): the probabilities are over-confident and should be read as "
        "optimistic about attainment. The constant-rate reference is worse still.",
    ]


def _markdown(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    b, c = s["brier_shipped"], s["brier_constant_rate"]
    lines = [
        "# National backtest 全国真实序列回测 (公开数据 / PUBLIC DATA)",
        "",
        "Rolling-origin backtest of `pipelines/lib/projection.py` on the real national series of",
        "`raw/public/` (every figure cited in `raw/public/sources.csv`). Run by",
        "`.venv/bin/python benchmarks/national_backtest.py`; figure: `national_backtest.svg`.",
        "",
        f"Forecasts scored: **{s['forecasts']}** (series × origin × horizon 1–5 observed); "
        f"series: {', '.join(s['series_used'])}. Runtime {doc['seconds']:.0f} s.",
        "",
        "## Interval coverage 区间覆盖率",
        "",
        "| horizon | n | 50% interval | 90% interval |",
        "|---|---|---|---|",
    ]
    for hz, cov in s["coverage_by_horizon"].items():
        if cov["n"]:
            lines.append(f"| {hz} | {cov['n']} | {cov['coverage_50']:.0%} | {cov['coverage_90']:.0%} |")
    a = s["coverage_all"]
    lines += [f"| all | {a['n']} | {a['coverage_50']:.0%} | {a['coverage_90']:.0%} |"]
    for kind, cov in s["coverage_by_kind"].items():
        lines.append(f"| {kind} | {cov['n']} | {cov['coverage_50']:.0%} | {cov['coverage_90']:.0%} |")
    lines += ["", "| series | n | 50% | 90% |", "|---|---|---|---|"]
    for name, cov in s["coverage_by_series"].items():
        if cov["n"]:
            lines.append(f"| {name} | {cov['n']} | {cov['coverage_50']:.0%} | {cov['coverage_90']:.0%} |")
    lines += [
        "",
        "## PIT histogram PIT直方图 (10 bins, flat = calibrated)",
        "",
        "counts: " + ", ".join(str(k) for k in s["pit_histogram"]["counts"]),
        "",
        "## Target probabilities 达标概率: Brier score",
        "",
        "Targets: value in T+h ≤ (1 − x) × value in T, x ∈ {0, 5%, 10%, 20%}; probability from",
        "`assess` (reduce_pct, final_year) with data through T.",
        "",
        "| model | pairs | Brier | reliability | resolution | uncertainty | skill vs base rate |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, d in (("shipped trend", b), ("constant rate", c)):
        skill = "–" if d["brier_skill_vs_base_rate"] is None else f"{d['brier_skill_vs_base_rate']:.2f}"
        lines.append(
            f"| {name} | {d['n']} | {d['brier']:.3f} | {d['reliability']:.3f} | {d['resolution']:.3f} "
            f"| {d['uncertainty']:.3f} | {skill} |"
        )
    lines += [
        "",
        "Brier by cut x (shipped): " + ", ".join(f"{k}: {v:.3f}" for k, v in s["brier_by_cut"].items()),
        "Brier by kind (shipped): " + ", ".join(f"{k}: {v:.3f}" for k, v in s["brier_by_kind"].items()),
    ]
    lines += ["", "Reliability table (shipped):", "", "| bin | n | mean P | observed |", "|---|---|---|---|"]
    for r in b["reliability_table"]:
        lines.append(f"| {r['bin']} | {r['n']} | {r['mean_p']:.2f} | {r['observed']:.2f} |")
    lines += ["", "## Reading 解读", "", *_reading(s), "", "## Caveats 说明", ""] + [
        f"- {t}" for t in doc["caveats"]
    ]
    m = doc["machine"]
    lines += [
        "",
        f"Machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['ram_gib']} GiB RAM; "
        f"{m['os']}; Python {m['python']}; {m['date_utc']} ({m['note']}).",
        "",
    ]
    return "\n".join(lines)


CAVEATS = [
    "Few, gappy series: the public sources found cover 2005–2011 (production safety, published rates), "
    "2013–2024 with gaps (fires, disasters) and 2018/2020 single years; origins need ≥ 3 observed years in "
    "[T − 4, T], so n is small and the figures carry wide sampling error (one forecast ≈ 1–2 points of coverage).",
    "Forecasts of one series from neighbouring origins overlap (same actual year, shared history): they are not "
    "independent; read coverage as indicative, not as a test.",
    "fire_count and fire_direct_loss jump in 2021 (74.8万 vs 25.2万 in 2020): the fire service widened what it counts "
    "(outdoor and small fires); a structural break the model cannot foresee, kept in on purpose.",
    "Published rates (亿元GDP, 万车, 十万人) are fitted as amounts (quasi-likelihood) with unit exposure: their "
    "numerators and denominators were not all published in the sources found.",
    "Disaster series are dominated by single catastrophic years (2008 Wenchuan: 88928 deaths and missing); 2008 "
    "lies outside every fit window after 2012, but 2013/2016 heavy years drive the 2013–2017 origins.",
]


def main() -> None:
    t0 = time.perf_counter()
    series = load_series()
    cases = backtest(series)
    summary = summarise(cases)
    doc = {
        "what": "rolling-origin backtest of pipelines/lib/projection.py on real national series (raw/public)",
        "data": "公开数据 PUBLIC DATA: raw/public/reports, raw/public/published_rates.csv (sources.csv cites each row)",
        "summary": summary,
        "cases": [
            c.__dict__
            | {
                "probs": {str(k): v for k, v in c.probs.items()},
                "probs_const": {str(k): v for k, v in c.probs_const.items()},
            }
            for c in cases
        ],
        "series": {k: {str(y): v for y, v in vals.items()} for k, vals in series.items()},
        "caveats": CAVEATS,
        "machine": machine(),
        "seconds": time.perf_counter() - t0,
    }
    (HERE / "national_backtest.svg").write_text(_svg(summary), encoding="utf-8")
    md = write_report(HERE / "national_backtest.json", doc, _markdown(doc))
    print(f"{summary['forecasts']} forecasts; wrote {md}")


if __name__ == "__main__":
    main()
