"""Record generators (accidents, road traffic, fires, natural disasters, enforcement).

Each unit × source is generated year by year and written month by month: a year's totals are
fixed first (exactly, where a seed document gives them), spread over the months, then each month
is drawn as one chunk and appended to its file. Memory is bounded by one month of one unit, so the
same code scales to tens of millions of records with ``scale``.

Counting rules the seeded totals assume (the pipeline implements the same ones):

* accidents: per ``accident_id`` the report with the latest ``reported_at`` holds the figures; an
  accident with any 核销 row does not count; deaths for production safety = deaths + missing.
* disasters: per ``event_id`` × ``region_code`` the latest report (初报 < 续报 < 核报) holds the figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from . import spec
from .headers import BOOLS, COLUMNS, DECIMALS, MONEY, YUAN_MONEY, headers_for
from .sinks import Router, open_sink
from .util import (
    anchor_values,
    days_in_month,
    file_period,
    hypergeometric,
    lognormal_cents,
    months_of,
    multinomial,
    pick,
    rng_for,
    slots,
    weights,
)

Summary = dict[tuple[str, str, str, int, int], dict[str, int]]  # (source, unit, region, y, m) -> totals

GRADES = ("一般", "较大", "重大", "特别重大")
FIRE_GRADES = ("一般火灾", "较大火灾", "重大火灾", "特别重大火灾")
HOURS = weights([1, 1, 1, 1, 1, 2, 3, 6, 8, 9, 8, 6, 4, 6, 8, 9, 8, 6, 5, 4, 3, 2, 2, 1])
ROAD_HOURS = weights([3, 2, 2, 2, 2, 3, 5, 8, 8, 6, 5, 5, 5, 5, 5, 6, 7, 9, 9, 7, 6, 5, 4, 3])
FIRE_HOURS = weights([4, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 6, 6, 5, 5, 5, 5, 6, 6, 6, 5, 5, 4])
VEHICLES = {
    "小型客车": 40,
    "摩托车": 16,
    "电动自行车": 18,
    "轻型货车": 8,
    "重型货车": 7,
    "大型客车": 2,
    "中型客车": 2,
    "自行车": 3,
    "三轮汽车": 2,
    "其他": 2,
}
BIG_HAZARDS = {"台风", "洪涝", "地质灾害"}
FOREST_FIRE = "森林草原火灾"


def unit_factor(unit: spec.Unit, scale: float) -> float:
    return scale if unit.large else 1.0


def partial_year_factor(source: str, year: int) -> float:
    """Share of a full year that the data covers (Jan-Sep in the last year)."""
    if year != spec.LAST_YEAR:
        return 1.0
    w = weights(spec.SEASON.get(source, (1,) * 12))
    return float(w[: spec.LAST_MONTH].sum())


def region_picker(unit: spec.Unit) -> Callable[[np.random.Generator, np.ndarray], np.ndarray]:
    """Draw region codes for events on the given dates (龙港 before its creation -> 苍南)."""
    codes = np.asarray(unit.regions, dtype=object)
    p = weights([spec.REGION_WEIGHTS[c] for c in unit.regions])

    def draw(rng: np.random.Generator, dates: np.ndarray) -> np.ndarray:
        out = (
            codes[rng.choice(len(codes), size=len(dates), p=p)]
            if len(codes) > 1
            else np.repeat(codes, len(dates))
        )
        if spec.LONGGANG in unit.regions and len(dates):
            before = dates < np.datetime64(spec.LONGGANG_FROM.isoformat())
            out = np.where(before & (out == spec.LONGGANG), spec.CANGNAN, out)
        return out

    return draw


def random_times(rng: np.random.Generator, year: int, month: int, n: int, hours: np.ndarray) -> np.ndarray:
    """Minute-resolution timestamps within a month (numpy datetime64[m])."""
    if n == 0:
        return np.empty(0, dtype="datetime64[m]")
    day = rng.integers(0, days_in_month(year, month), n)
    hour = rng.choice(24, size=n, p=hours)
    minute = rng.integers(0, 60, n)
    start = np.datetime64(f"{year:04d}-{month:02d}-01T00:00", "m")
    return start + (day * 1440 + hour * 60 + minute).astype("timedelta64[m]")


def to_datetime_series(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values.astype("datetime64[ms]"))


def file_of(ts: np.ndarray) -> np.ndarray:
    """Vectorised ``file_period`` for datetime64 values."""
    years = ts.astype("datetime64[Y]").astype(np.int64) + 1970
    months = ts.astype("datetime64[M]").astype(np.int64) % 12 + 1
    quarter = (months - 1) // 3 + 1
    return np.where(
        years < spec.QUARTERLY_FROM,
        years.astype(str),
        np.char.add(np.char.add(years.astype(str), "Q"), quarter.astype(str)),
    ).astype(object)


def cutoff64() -> np.datetime64:
    return np.datetime64(spec.CUTOFF.isoformat(timespec="minutes"), "m")


def add_summary(summary: Summary, source: str, unit: str, df: pl.DataFrame, measures: dict[str, str]) -> None:
    """Accumulate counted (final) figures by region and month. ``df`` has region_code, year, month."""
    if df.height == 0:
        return
    values = {m: df[c].fill_null(0).to_numpy().astype(np.int64) for m, c in measures.items()}
    add_counts(
        summary, source, unit, df["region_code"].to_numpy(), int(df["year"][0]), int(df["month"][0]), values
    )


def add_counts(summary: Summary, source: str, unit: str, region, year: int, month: int, values) -> None:
    if len(region) == 0:
        return
    codes, inverse = np.unique(np.asarray(region, dtype=str), return_inverse=True)
    sums = {m: np.bincount(inverse, weights=v, minlength=len(codes)) for m, v in values.items()}
    for i, code in enumerate(codes.tolist()):
        bucket = summary.setdefault((source, unit, code, year, month), defaultdict(int))
        for m, arr in sums.items():
            bucket[m] += round(float(arr[i]))


def make_router(out_dir: Path, unit: spec.Unit, source: str, sort_by: list[str]) -> Router:
    fmt = unit.fmt
    if (unit.code, source) in YUAN_MONEY:
        fmt = dataclasses.replace(fmt, money="yuan")
    cols = COLUMNS[source]
    hdrs = headers_for(unit, source)

    def make(period: str):
        path = out_dir / source / f"{unit.code}_{unit.short}_{period}.{fmt.ext}"
        return open_sink(
            path,
            fmt,
            cols,
            hdrs,
            money_cols=MONEY[source],
            decimal_cols=DECIMALS.get(source, ()),
            bool_cols=BOOLS.get(source, ()),
        )

    return Router(make, sort_by)


def month_period(year: int, month: int) -> str:
    return file_period(dt.date(year, month, 1))


# ============================================================================================
# Production-safety accidents
# ============================================================================================


def grade_of(deaths_total: np.ndarray, serious: np.ndarray, loss_cents: np.ndarray) -> np.ndarray:
    """GB grade from the accident_grades.csv thresholds (deaths incl. missing, serious injuries, 万元)."""
    rank = np.zeros(len(deaths_total), dtype=np.int64)
    for r, (d, s, loss) in enumerate(((3, 10, 1000), (10, 50, 5000), (30, 100, 10000)), start=1):
        hit = (deaths_total >= d) | (serious >= s) | (loss_cents >= loss * 100)
        rank = np.where(hit, r, rank)
    return rank


@dataclasses.dataclass
class AccidentMonth:
    ordinary: int
    larger_deaths: list[int]
    ordinary_deaths: int
    injuries: int
    majors: list[tuple[dt.date, int]]


def plan_accident_year(seed: int, unit: spec.Unit, year: int, factor: float) -> list[AccidentMonth]:
    rng = rng_for(seed, "accidents-year", unit.code, year)
    targets = spec.ACCIDENT_TARGETS[unit.code]
    n, deaths, injuries, larger = anchor_values(targets, year, rng, factor)
    if year == spec.LAST_YEAR and year not in targets.fixed:
        part = partial_year_factor("accidents", year)
        n, deaths, injuries, larger = (round(v * part) for v in (n, deaths, injuries, larger))
    majors = [m for m in spec.MAJOR_ACCIDENTS.get(unit.code, ()) if m[0].year == year]
    months = months_of(year)
    w = weights(spec.SEASON["accidents"][: len(months)])
    rest = n - len(majors)
    n_m = multinomial(rng, rest, w)
    larger = min(larger, rest)
    larger_m = hypergeometric(rng, n_m, larger)
    ordinary_m = n_m - larger_m
    larger_deaths = rng.choice([3, 3, 3, 4, 4, 5, 6], size=larger)
    major_deaths = sum(d for _, d in majors)
    # keep the ordinary remainder feasible (0..2 deaths per ordinary accident)
    cap = 2 * int(ordinary_m.sum())
    i = 0
    while deaths - major_deaths - int(larger_deaths.sum()) < 0 and larger_deaths.max(initial=3) > 3:
        j = i % larger
        if larger_deaths[j] > 3:
            larger_deaths[j] -= 1
        i += 1
    while deaths - major_deaths - int(larger_deaths.sum()) > cap and larger:
        larger_deaths[i % larger] += 1
        i += 1
    ordinary_deaths = deaths - major_deaths - int(larger_deaths.sum())
    if not 0 <= ordinary_deaths <= cap:
        raise ValueError(f"infeasible accident targets for {unit.code} {year}")
    d_m = hypergeometric(rng, 2 * ordinary_m, ordinary_deaths)
    major_inj = 6 * len(majors)
    inj_m = hypergeometric(rng, 6 * n_m, max(0, injuries - major_inj))
    plan = []
    k = 0
    for idx, month in enumerate(months):
        ld = [int(x) for x in larger_deaths[k : k + larger_m[idx]]]
        k += int(larger_m[idx])
        plan.append(
            AccidentMonth(
                ordinary=int(ordinary_m[idx]),
                larger_deaths=ld,
                ordinary_deaths=int(d_m[idx]),
                injuries=int(inj_m[idx]),
                majors=[m for m in majors if m[0].month == month],
            )
        )
    return plan


def accident_month(
    seed: int, unit: spec.Unit, year: int, month: int, plan: AccidentMonth, seq0: int, draw_region
) -> tuple[pl.DataFrame, tuple, int]:
    """Rows of one month and the counted (final) accidents of that month."""
    rng = rng_for(seed, "accidents-month", unit.code, year, month)
    small = not unit.large
    n_ord, n_lg, n_mj = plan.ordinary, len(plan.larger_deaths), len(plan.majors)
    n = n_ord + n_lg + n_mj
    total_deaths = np.concatenate(
        [
            slots(rng, n_ord, 2, plan.ordinary_deaths),
            np.asarray(plan.larger_deaths, dtype=np.int64),
            np.asarray([d for _, d in plan.majors], dtype=np.int64),
        ]
    )
    band = np.concatenate([np.zeros(n_ord, np.int64), np.ones(n_lg, np.int64), np.full(n_mj, 2, np.int64)])
    injuries = slots(rng, n, 6, plan.injuries)
    injuries[band == 2] += 6
    serious = np.minimum(rng.binomial(injuries, 0.25), 9)
    loss = np.where(
        band == 0,
        lognormal_cents(rng, n, 12.0, 1.3, 0.3, 950.0),
        np.where(
            band == 1,
            lognormal_cents(rng, n, 600.0, 0.6, 150.0, 4800.0),
            lognormal_cents(rng, n, 2500, 0.4, 1200, 9500),
        ),
    )
    times = random_times(rng, year, month, n, HOURS)
    for j, (day, _) in enumerate(plan.majors):
        times[n_ord + n_lg + j] = np.datetime64(day.isoformat()) + np.timedelta64(14 * 60 + 20, "m")
    # written-off extras (reported, then 核销): not counted
    wo_rate = spec.WRITE_OFF_RATE if not small else spec.SMALL_UNIT_EXTRA_P / 12
    n_wo = int(rng.binomial(max(n, 1) if not small else 1, wo_rate))
    wo_times = random_times(rng, year, month, n_wo, HOURS)
    wo_delay = rng.integers(25, 121, n_wo).astype("timedelta64[D]").astype("timedelta64[m]") + rng.integers(
        480, 1080, n_wo
    ).astype("timedelta64[m]")
    keep_wo = wo_times + wo_delay <= cutoff64()
    wo_times, wo_delay = wo_times[keep_wo], wo_delay[keep_wo]
    n_wo = len(wo_times)
    # sectors and categories
    mix = dict(spec.SECTOR_MIX[unit.code])
    if year > spec.COAL_LAST_YEAR.get(unit.code, 9999):
        mix.pop("煤矿", None)
    all_times = np.concatenate([times, wo_times])
    n_all = n + n_wo
    sector = pick(rng, mix, n_all)
    category = np.empty(n_all, dtype=object)
    industry = np.full(n_all, None, dtype=object)
    for s in np.unique(sector):
        idx = np.flatnonzero(sector == s)
        category[idx] = pick(rng, spec.SECTOR_CATEGORIES[s], len(idx))
        codes = spec.SECTOR_INDUSTRY[s]
        if codes:
            industry[idx] = np.asarray(codes, dtype=object)[rng.integers(0, len(codes), len(idx))]
    # written-off extras: one death, with a sector/category typical of a write-off
    if n_wo:
        profile = np.asarray(spec.WRITE_OFF_PROFILES, dtype=object)[
            rng.integers(0, len(spec.WRITE_OFF_PROFILES), n_wo)
        ]
        sector[n:] = profile[:, 0]
        category[n:] = profile[:, 1]
        industry[n:] = None
    all_deaths = np.concatenate([total_deaths, np.ones(n_wo, np.int64)])
    all_inj = np.concatenate([injuries, rng.integers(0, 2, n_wo)])
    all_serious = np.concatenate([serious, np.zeros(n_wo, np.int64)])
    all_loss = np.concatenate([loss, lognormal_cents(rng, n_wo, 2.0, 1.0, 0.1, 50.0)])
    drowning = category == "淹溺"
    missing = np.where(drowning, rng.binomial(all_deaths, 0.45), 0)
    se_p = np.where(
        np.isin(category, ["起重伤害", "锅炉爆炸", "容器爆炸"]),
        0.35,
        np.where(np.isin(category, ["车辆伤害", "其它伤害", "机械伤害"]), 0.012, 0.004),
    )
    special = rng.random(n_all) < se_p
    region = draw_region(rng, all_times)
    # ids in order of occurrence
    order = np.argsort(all_times, kind="stable")
    seq = np.empty(n_all, dtype=np.int64)
    seq[order] = np.arange(seq0 + 1, seq0 + n_all + 1)
    ids = np.asarray([f"AC-{unit.code}-{year}-{s:06d}" for s in seq.tolist()], dtype=object)
    report_delay = rng.integers(20, 480, n_all).astype("timedelta64[m]")
    reported = np.minimum(all_times + report_delay, cutoff64())
    kind = np.full(n_all, "快报", dtype=object)
    # late reports with a new id (迟报 -> 补报)
    late_rate = spec.LATE_NEW_RATE if not small else 0.05
    late_same_rate = spec.LATE_SAME_RATE if not small else 0.05
    counted = np.arange(n_all) < n
    late_new = counted & (rng.random(n_all) < late_rate)
    late_at = all_times + (rng.integers(40, 181, n_all) * 1440 + rng.integers(-300, 300, n_all)).astype(
        "timedelta64[m]"
    )
    late_new &= late_at <= cutoff64()
    kind[late_new] = "补报"
    reported = np.where(late_new, late_at, reported)
    # revisions of an earlier 快报 (an injured person died later): same id, 补报 holds the final figures
    revise = counted & ~late_new & (all_deaths >= 1) & (rng.random(n_all) < late_same_rate)
    rev_at = all_times + (rng.integers(7, 91, n_all) * 1440 + rng.integers(-300, 300, n_all)).astype(
        "timedelta64[m]"
    )
    revise &= rev_at <= cutoff64()

    # one output row per report: every accident's own row (its 快报, or its only 补报), then for
    # revised accidents the earlier 快报 (one death fewer, one more injured) and the 补报 with the
    # final figures, then the 核销 row of written-off accidents
    ent = np.arange(n_all)
    rev_idx = ent[revise]
    src = np.concatenate([ent[~revise], rev_idx, rev_idx, ent[n:]])
    part = np.concatenate(
        [np.zeros(n_all - len(rev_idx)), np.ones(len(rev_idx)), np.full(len(rev_idx), 2), np.full(n_wo, 3)]
    ).astype(np.int8)
    d_tot = all_deaths[src] - (part == 1)
    inj_r = all_inj[src] + (part == 1)
    miss = np.minimum(missing[src], d_tot)
    kind_r = kind[src]
    kind_r[part == 1] = "快报"
    kind_r[part == 2] = "补报"
    kind_r[part == 3] = "核销"
    rep_r = reported[src]
    rep_r[part == 2] = rev_at[src][part == 2]
    rep_r[part == 3] = wo_times + wo_delay
    reason_r = np.full(len(src), None, dtype=object)
    reason_r[part == 3] = np.asarray(spec.WRITE_OFF_REASONS, dtype=object)[
        rng.integers(0, len(spec.WRITE_OFF_REASONS), n_wo)
    ]
    serious_r = np.minimum(all_serious[src], inj_r)
    g = grade_of(d_tot, serious_r, all_loss[src])
    occurred = all_times[src]
    route = np.where(kind_r == "快报", file_of(occurred), file_of(rep_r))
    rows = pl.DataFrame(
        [
            pl.Series("accident_id", ids[src].tolist(), dtype=pl.String),
            to_datetime_series("occurred_at", occurred),
            pl.Series("region_code", region[src].tolist(), dtype=pl.String),
            pl.Series("sector", sector[src].tolist(), dtype=pl.String),
            pl.Series("industry_code", industry[src].tolist(), dtype=pl.String),
            pl.Series("category", category[src].tolist(), dtype=pl.String),
            pl.Series("grade", np.asarray(GRADES, dtype=object)[g].tolist(), dtype=pl.String),
            pl.Series("deaths", (d_tot - miss).astype(np.int64)),
            pl.Series("missing", miss.astype(np.int64)),
            pl.Series("serious_injuries", serious_r.astype(np.int64)),
            pl.Series("injuries", inj_r.astype(np.int64)),
            pl.Series("direct_loss", all_loss[src].astype(np.int64)),
            pl.Series("special_equipment", special[src]),
            pl.Series("report_kind", kind_r.tolist(), dtype=pl.String),
            to_datetime_series("reported_at", rep_r),
            pl.Series("write_off_reason", reason_r.tolist(), dtype=pl.String),
            pl.Series("_file", route.tolist(), dtype=pl.String),
        ]
    )
    # counted accidents with their final figures
    cm = counted
    g_final = grade_of(all_deaths[cm], all_serious[cm], all_loss[cm])
    final = (
        region[cm],
        year,
        month,
        {
            "ps_accidents": np.ones(int(cm.sum()), dtype=np.int64),
            "ps_deaths": all_deaths[cm],
            "ps_injuries": all_inj[cm],
            "ps_accidents_larger": (g_final == 1).astype(np.int64),
            "ps_accidents_major": (g_final == 2).astype(np.int64),
            "ps_accidents_extraordinary": (g_final == 3).astype(np.int64),
            "imc_deaths": np.where(np.isin(sector[cm], list(spec.IMC_SECTORS)), all_deaths[cm], 0),
            "se_deaths": np.where(special[cm], all_deaths[cm], 0),
        },
    )
    return rows, final, seq0 + n_all


def generate_accidents(
    seed: int, unit: spec.Unit, out_dir: Path, scale: float, summary: Summary
) -> dict[str, int]:
    router = make_router(out_dir, unit, "accidents", ["occurred_at", "accident_id", "reported_at"])
    draw_region = region_picker(unit)
    for year in range(spec.FIRST_YEAR, spec.LAST_YEAR + 1):
        plan = plan_accident_year(seed, unit, year, unit_factor(unit, scale))
        seq = 0
        for month, mplan in zip(months_of(year), plan, strict=True):
            rows, final, seq = accident_month(seed, unit, year, month, mplan, seq, draw_region)
            router.write(month_period(year, month), rows)
            add_counts(summary, "accidents", unit.code, *final)
    router.close()
    return {str(p.relative_to(out_dir)): router.written[k] for k, p in router.paths.items()}


# ============================================================================================
# Road traffic and fires (one row per event, no revisions)
# ============================================================================================


def plan_simple_year(
    seed: int, source: str, unit: spec.Unit, year: int, factor: float, targets, injury_ratio
):
    rng = rng_for(seed, f"{source}-year", unit.code, year)
    t = targets[unit.code]
    n, deaths, inj = anchor_values(t, year, rng, factor)
    if source == "road_traffic":
        inj = round(n * injury_ratio * float(np.exp(rng.normal(0, 0.03))))
    if year == spec.LAST_YEAR and year not in t.fixed:
        part = partial_year_factor(source, year)
        n, deaths, inj = (round(v * part) for v in (n, deaths, inj))
    elif year == spec.LAST_YEAR:
        part = partial_year_factor(source, year)
        n, inj = round(n * part), round(inj * part)
    months = months_of(year)
    n_m = multinomial(rng, n, weights(spec.SEASON[source][: len(months)]))
    per = 3 if source == "road_traffic" else 2
    d_m = hypergeometric(rng, per * n_m, min(deaths, per * n))
    i_m = hypergeometric(rng, 5 * n_m, min(inj, 5 * n))
    return list(zip(n_m.tolist(), d_m.tolist(), i_m.tolist(), strict=True))


def road_month(seed, unit, year, month, n, deaths, inj, draw_region) -> tuple[pl.DataFrame, tuple]:
    rng = rng_for(seed, "road-month", unit.code, year, month)
    times = np.sort(random_times(rng, year, month, n, ROAD_HOURS))
    d = slots(rng, n, 3, deaths)
    i = slots(rng, n, 5, inj)
    loss = lognormal_cents(rng, n, 0.8, 1.1, 0.02, 300.0)
    k1 = pick(rng, VEHICLES, n)
    k2 = pick(rng, VEHICLES, n)
    two = rng.random(n) < 0.55
    kinds = [f"{a}、{b}" if t and a != b else a for a, b, t in zip(k1, k2, two, strict=True)]
    operating = rng.random(n) < 0.18
    region = draw_region(rng, times)
    ids = [f"RT-{unit.code}-{year}-{s:06d}" for s in range(1, n + 1)]
    df = pl.DataFrame(
        {
            "accident_id": pl.Series(ids, dtype=pl.String),
            "occurred_at": to_datetime_series("occurred_at", times),
            "region_code": pl.Series(region.tolist(), dtype=pl.String),
            "deaths": pl.Series(d.tolist(), dtype=pl.Int64),
            "injuries": pl.Series(i.tolist(), dtype=pl.Int64),
            "direct_loss": pl.Series(loss.tolist(), dtype=pl.Int64),
            "vehicle_kinds": pl.Series(kinds, dtype=pl.String),
            "operating_vehicle": pl.Series(operating.tolist(), dtype=pl.Boolean),
        }
    )
    return df, (
        region,
        year,
        month,
        {"road_accidents": np.ones(n, np.int64), "road_deaths": d, "road_injuries": i},
    )


def fire_month(seed, unit, year, month, n, deaths, inj, draw_region) -> tuple[pl.DataFrame, tuple]:
    rng = rng_for(seed, "fire-month", unit.code, year, month)
    times = np.sort(random_times(rng, year, month, n, FIRE_HOURS))
    d = slots(rng, n, 2, deaths)
    i = slots(rng, n, 5, inj)
    loss = lognormal_cents(rng, n, 0.6, 1.6, 0.01, 950.0)
    place = pick(rng, spec.FIRE_PLACES, n)
    cause = pick(rng, spec.FIRE_CAUSES, n)
    serious = np.zeros(n, dtype=np.int64)
    g = grade_of(d, serious, loss)
    region = draw_region(rng, times)
    ids = [f"FI-{unit.code}-{year}-{s:06d}" for s in range(1, n + 1)]
    df = pl.DataFrame(
        {
            "fire_id": pl.Series(ids, dtype=pl.String),
            "occurred_at": to_datetime_series("occurred_at", times),
            "region_code": pl.Series(region.tolist(), dtype=pl.String),
            "place_type": pl.Series(place.tolist(), dtype=pl.String),
            "cause": pl.Series(cause.tolist(), dtype=pl.String),
            "deaths": pl.Series(d.tolist(), dtype=pl.Int64),
            "injuries": pl.Series(i.tolist(), dtype=pl.Int64),
            "direct_loss": pl.Series(loss.tolist(), dtype=pl.Int64),
            "grade": pl.Series([FIRE_GRADES[r] for r in g.tolist()], dtype=pl.String),
        }
    )
    counts = {
        "fire_count": np.ones(n, np.int64),
        "fire_deaths": d,
        "fire_injuries": i,
        "fire_direct_loss": loss,
    }
    return df, (region, year, month, counts)


def generate_simple(
    seed: int, source: str, unit: spec.Unit, out_dir: Path, scale: float, summary: Summary
) -> dict[str, int]:
    id_col = "accident_id" if source == "road_traffic" else "fire_id"
    router = make_router(out_dir, unit, source, ["occurred_at", id_col])
    draw_region = region_picker(unit)
    targets = spec.ROAD_TARGETS if source == "road_traffic" else spec.FIRE_TARGETS
    month_fn = road_month if source == "road_traffic" else fire_month
    for year in range(spec.FIRST_YEAR, spec.LAST_YEAR + 1):
        plan = plan_simple_year(
            seed, source, unit, year, unit_factor(unit, scale), targets, spec.ROAD_INJURY_RATIO
        )
        offset = 0
        for month, (n, d, i) in zip(months_of(year), plan, strict=True):
            df, counts = month_fn(seed, unit, year, month, n, d, i, draw_region)
            df = df.with_columns(
                pl.Series(
                    id_col,
                    [f"{x[:-6]}{int(x[-6:]) + offset:06d}" for x in df[id_col].to_list()],
                    dtype=pl.String,
                ),
                pl.lit(month_period(year, month)).alias("_file"),
            )
            offset += n
            router.write(month_period(year, month), df)
            add_counts(summary, source, unit.code, *counts)
    router.close()
    return {str(p.relative_to(out_dir)): router.written[k] for k, p in router.paths.items()}


# ============================================================================================
# Enforcement
# ============================================================================================

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(body17: str) -> str:
    """Append the GB 32100-2015 check character to a 17-character body."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return body17 + CREDIT_CHARS[check]


def enterprise_pool(seed: int, region: str, size: int) -> np.ndarray:
    rng = rng_for(seed, "enterprises", region)
    org_chars = np.asarray(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    out = []
    for _ in range(size):
        org = "MA" + "".join(org_chars[rng.integers(0, len(org_chars), 7)])
        out.append(credit_code("91" + region + org))
    return np.asarray(out, dtype=object)


def plan_enforcement_year(seed: int, unit: spec.Unit, year: int, factor: float):
    rng = rng_for(seed, "enforcement-year", unit.code, year)
    t = spec.ENFORCEMENT_TARGETS[unit.code][year]
    vals = dataclasses.asdict(t)
    if factor != 1.0:
        vals = {k: round(v * factor) for k, v in vals.items()}
    if year == spec.LAST_YEAR:
        part = partial_year_factor("enforcement", year)
        vals = {k: round(v * part) for k, v in vals.items()}
    months = months_of(year)
    n_m = multinomial(rng, vals["inspections"], weights(spec.SEASON["enforcement"][: len(months)]))
    pen_m = hypergeometric(rng, n_m, min(vals["penalties"], int(n_m.sum())))
    rnd_m = hypergeometric(rng, n_m, min(vals["random_checks"], int(n_m.sum())))
    sus_m = hypergeometric(rng, n_m, min(vals["suspensions"], int(n_m.sum())))
    clo_m = hypergeometric(rng, n_m, min(vals["closures"], int(n_m.sum())))
    jud_m = hypergeometric(rng, pen_m, min(vals["judicial"], int(pen_m.sum())))
    fines = vals["fines_hundreds"]
    base = 10 * pen_m
    extra = max(0, fines - int(base.sum()))
    fine_m = base + (multinomial(rng, extra, pen_m) if pen_m.sum() else np.zeros_like(base))
    return [
        dict(n=int(a), pen=int(b), rnd=int(c), sus=int(d), clo=int(e), jud=int(f), fines=int(g))
        for a, b, c, d, e, f, g in zip(n_m, pen_m, rnd_m, sus_m, clo_m, jud_m, fine_m, strict=True)
    ]


def enforcement_month(
    seed, unit, year, month, plan, pools, draw_region, offset
) -> tuple[pl.DataFrame, tuple]:
    rng = rng_for(seed, "enforcement-month", unit.code, year, month)
    n = plan["n"]
    day = np.sort(rng.integers(0, days_in_month(year, month), n))
    dates = np.datetime64(f"{year:04d}-{month:02d}-01", "D") + day.astype("timedelta64[D]")
    region = draw_region(rng, dates.astype("datetime64[m]"))
    sector = pick(rng, spec.ENFORCEMENT_SECTORS, n)
    kind = pick(rng, spec.INSPECTION_KINDS, n)

    def subset(k: int, within: np.ndarray | None = None) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        base = np.arange(n) if within is None else np.flatnonzero(within)
        if k:
            mask[rng.choice(base, size=k, replace=False)] = True
        return mask

    kind[subset(plan["rnd"])] = spec.RANDOM_CHECK
    penalty = subset(plan["pen"])
    judicial = subset(plan["jud"], penalty)
    suspension = subset(plan["sus"])
    closure = subset(plan["clo"])
    fine: list[int | None] = [None] * n
    if plan["pen"]:
        w = np.exp(rng.normal(0, 0.9, plan["pen"]))
        shares = 10 + multinomial(rng, plan["fines"] - 10 * plan["pen"], w / w.sum())
        for idx, value in zip(np.flatnonzero(penalty).tolist(), shares.tolist(), strict=True):
            fine[idx] = value
    found = rng.poisson(2.6, n) + np.where(penalty, rng.integers(1, 4, n), 0)
    major = rng.binomial(found, 0.03)
    rectified = found - rng.binomial(found, 0.06)
    credit = np.empty(n, dtype=object)
    for r in np.unique(region):
        where = np.flatnonzero(region == r)
        pool = pools[r]
        credit[where] = pool[rng.integers(0, len(pool), len(where))]
    ids = [f"EN-{unit.code}-{year}-{s:06d}" for s in range(offset + 1, offset + n + 1)]
    df = pl.DataFrame(
        {
            "inspection_id": pl.Series(ids, dtype=pl.String),
            "inspected_on": pl.Series(dates.tolist(), dtype=pl.Date),
            "region_code": pl.Series(region.tolist(), dtype=pl.String),
            "sector": pl.Series(sector.tolist(), dtype=pl.String),
            "credit_code": pl.Series(credit.tolist(), dtype=pl.String),
            "inspection_kind": pl.Series(kind.tolist(), dtype=pl.String),
            "hazards_found": pl.Series(found.tolist(), dtype=pl.Int64),
            "hazards_major_found": pl.Series(major.tolist(), dtype=pl.Int64),
            "hazards_rectified": pl.Series(rectified.tolist(), dtype=pl.Int64),
            "penalty": pl.Series(penalty.tolist(), dtype=pl.Boolean),
            "fine": pl.Series(fine, dtype=pl.Int64),
            "suspension": pl.Series(suspension.tolist(), dtype=pl.Boolean),
            "closure": pl.Series(closure.tolist(), dtype=pl.Boolean),
            "judicial_transfer": pl.Series(judicial.tolist(), dtype=pl.Boolean),
        }
    )
    counts = {
        "enf_inspections": np.ones(n, np.int64),
        "enf_penalties": penalty.astype(np.int64),
        "enf_fines": np.asarray([v or 0 for v in fine], dtype=np.int64),
        "enf_suspensions": suspension.astype(np.int64),
        "enf_closures": closure.astype(np.int64),
        "hazards_found": found,
        "hazards_major_found": major,
        "hazards_rectified": rectified,
    }
    return df, (region, year, month, counts)


def generate_enforcement(
    seed: int, unit: spec.Unit, out_dir: Path, scale: float, summary: Summary
) -> dict[str, int]:
    router = make_router(out_dir, unit, "enforcement", ["inspected_on", "inspection_id"])
    draw_region = region_picker(unit)
    factor = unit_factor(unit, scale)
    per_region = max(
        40, round(spec.ENFORCEMENT_TARGETS[unit.code][2020].inspections * factor / len(unit.regions))
    )
    pools = {r: enterprise_pool(seed, r, per_region) for r in unit.regions}
    if spec.LONGGANG in pools:
        pools[spec.CANGNAN] = np.concatenate([pools[spec.CANGNAN], pools[spec.LONGGANG]])
    for year in range(spec.FIRST_YEAR, spec.LAST_YEAR + 1):
        plan = plan_enforcement_year(seed, unit, year, factor)
        offset = 0
        for month, mplan in zip(months_of(year), plan, strict=True):
            df, counts = enforcement_month(seed, unit, year, month, mplan, pools, draw_region, offset)
            offset += mplan["n"]
            router.write(
                month_period(year, month), df.with_columns(pl.lit(month_period(year, month)).alias("_file"))
            )
            add_counts(summary, "enforcement", unit.code, *counts)
    router.close()
    return {str(p.relative_to(out_dir)): router.written[k] for k, p in router.paths.items()}


# ============================================================================================
# Natural disasters (event × region × report)
# ============================================================================================


@dataclasses.dataclass
class Impact:
    region: str
    affected: int
    deaths: int
    missing: int
    relocated: int
    crop_ha: int  # hundredths of a hectare
    crop_failed_ha: int
    collapsed: int
    damaged: int
    loss: int  # cents of 万元
    burned_ha: int  # hundredths of a hectare


@dataclasses.dataclass
class Event:
    hazard: str
    start: dt.date
    impacts: list[Impact]
    event_id: str = ""


def draw_events(seed: int, unit: spec.Unit, year: int) -> list[Event]:
    rng = rng_for(seed, "disasters-year", unit.code, year)
    last_month = spec.LAST_MONTH if year == spec.LAST_YEAR else 12
    codes = list(unit.regions)
    p = weights([spec.REGION_WEIGHTS[c] for c in codes])
    events: list[Event] = []
    for hazard, hs in spec.DISASTER_HAZARDS[unit.code].items():
        months = [m for m in hs.months if m <= last_month]
        if not months:
            continue
        k = int(rng.poisson(hs.rate * len(months) / len(hs.months)))
        for _ in range(k):
            month = int(rng.choice(months))
            start = dt.date(year, month, int(rng.integers(1, days_in_month(year, month) + 1)))
            spread = int(rng.integers(1, min(hs.spread, len(codes)) + 1))
            hit = list(rng.choice(len(codes), size=spread, replace=False, p=p)) if len(codes) > 1 else [0]
            impacts: list[Impact] = []
            for i in sorted(hit):
                region = codes[i]
                if region == spec.LONGGANG and start < spec.LONGGANG_FROM:
                    region = spec.CANGNAN
                if any(x.region == region for x in impacts):
                    continue
                impacts.append(draw_impact(rng, hazard, hs.severity, region))
            events.append(Event(hazard, start, impacts))
    if (
        unit.code == "500109"
        and year in spec.BEIBEI_LOSS_PCT
        and all(e.hazard == FOREST_FIRE for e in events)
    ):
        events.append(Event("洪涝", dt.date(year, 7, 12), [draw_impact(rng, "洪涝", 1.5, "500109")]))
    events.sort(key=lambda e: (e.start, e.hazard))
    for i, e in enumerate(events, start=1):
        e.event_id = f"EV-{unit.code}-{year}-{i:03d}"
    return events


def draw_impact(rng: np.random.Generator, hazard: str, severity: float, region: str) -> Impact:
    if hazard == FOREST_FIRE:
        return Impact(
            region,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            int(lognormal_cents(rng, 1, 3.0, 1.0, 0.2, 300.0)[0]),
            int(np.round(np.clip(np.exp(rng.normal(np.log(2.5), 1.1)), 0.05, 400.0) * 100)),
        )
    affected = int(np.exp(rng.normal(np.log(6000 * severity), 0.8)))
    big = hazard in BIG_HAZARDS
    relocated = int(affected * rng.uniform(0.05, 0.3)) if big else int(affected * rng.uniform(0.0, 0.03))
    crop = (
        int(np.round(np.exp(rng.normal(np.log(500 * severity + 1), 0.9)) * 100))
        if hazard != "地质灾害"
        else 0
    )
    failed = int(crop * rng.uniform(0.02, 0.15))
    collapsed = int(rng.poisson(2 * severity)) if big else int(rng.poisson(0.2))
    damaged = int(rng.poisson(25 * severity)) + collapsed
    loss = int(lognormal_cents(rng, 1, 700 * severity + 5, 0.9, 1.0, 200000.0)[0])
    deaths = int(rng.poisson(0.04 * severity)) if big else 0
    missing = int(rng.poisson(0.01 * severity)) if big else 0
    return Impact(region, affected, deaths, missing, relocated, crop, failed, collapsed, damaged, loss, 0)


def apply_beibei_targets(events: list[Event], year: int, gdp_yi_cents: int) -> None:
    """Seed 002: fix the year's deaths/missing and total loss (loss ÷ GDP = BEIBEI_LOSS_PCT)."""
    # loss in cents of 万元 = pct/100 × GDP(亿元) × 10^4 万元/亿元 × 100
    target = round(spec.BEIBEI_LOSS_PCT[year] / 100 * gdp_yi_cents / 100 * 1e4 * 100)
    others = [i for e in events if e.hazard != FOREST_FIRE for i in e.impacts]
    fire_loss = sum(i.loss for e in events if e.hazard == FOREST_FIRE for i in e.impacts)
    rest = target - fire_loss
    base = np.asarray([max(i.loss, 1) for i in others], dtype=np.float64)
    alloc = np.floor(base / base.sum() * rest).astype(np.int64)
    alloc[np.argmax(base)] += rest - int(alloc.sum())
    for imp, value in zip(others, alloc.tolist(), strict=True):
        imp.loss = int(value)
        imp.deaths = 0
        imp.missing = 0
    deaths, missing = spec.BEIBEI_ND_DEATHS[year]
    carrier = max(others, key=lambda i: i.loss)
    carrier.deaths, carrier.missing = deaths, missing


def event_rows(rng: np.random.Generator, e: Event) -> list[dict]:
    rows = []
    start = dt.datetime.combine(e.start, dt.time(0, 0))
    for imp in e.impacts:
        stages = ["初报"]
        if e.hazard != FOREST_FIRE and rng.random() < 0.55:
            stages.append("续报")
        if rng.random() < 0.9:
            stages.append("核报")
        times = {
            "初报": start + dt.timedelta(hours=int(rng.integers(6, 30)), minutes=int(rng.integers(0, 60))),
            "续报": start + dt.timedelta(days=int(rng.integers(3, 8)), hours=int(rng.integers(8, 18))),
            "核报": start + dt.timedelta(days=int(rng.integers(15, 41)), hours=int(rng.integers(8, 18))),
        }
        stages = [s for s in stages if times[s] <= spec.CUTOFF] or ["初报"]
        fractions = {s: 1.0 for s in stages}
        if len(stages) > 1:
            fractions[stages[0]] = float(rng.uniform(0.45, 0.85))
        if len(stages) > 2:
            fractions[stages[1]] = float(rng.uniform(0.85, 1.0))
        for s in stages:
            f = fractions[s]
            rows.append(
                {
                    "event_id": e.event_id,
                    "hazard": e.hazard,
                    "region_code": imp.region,
                    "started_on": e.start,
                    "report_kind": s,
                    "reported_at": min(times[s], spec.CUTOFF),
                    "affected_person_times": int(imp.affected * f),
                    "deaths": int(imp.deaths) if f == 1.0 else int(imp.deaths * f),
                    "missing": int(imp.missing) if f == 1.0 else int(imp.missing * f),
                    "relocated": int(imp.relocated * f),
                    "crop_affected_ha": int(imp.crop_ha * f),
                    "crop_failed_ha": int(imp.crop_failed_ha * f),
                    "collapsed_houses": int(imp.collapsed * f),
                    "damaged_houses": int(imp.damaged * f),
                    "direct_loss": int(imp.loss * f),
                    "burned_forest_ha": int(imp.burned_ha * f) if e.hazard == FOREST_FIRE else None,
                }
            )
    return rows


DIS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "event_id": pl.String,
    "hazard": pl.String,
    "region_code": pl.String,
    "started_on": pl.Date,
    "report_kind": pl.String,
    "reported_at": pl.Datetime("ms"),
    "affected_person_times": pl.Int64,
    "deaths": pl.Int64,
    "missing": pl.Int64,
    "relocated": pl.Int64,
    "crop_affected_ha": pl.Int64,
    "crop_failed_ha": pl.Int64,
    "collapsed_houses": pl.Int64,
    "damaged_houses": pl.Int64,
    "direct_loss": pl.Int64,
    "burned_forest_ha": pl.Int64,
}
ND_MEASURES = {
    "nd_affected_person_times": "affected_person_times",
    "nd_deaths": "deaths",
    "nd_missing": "missing",
    "nd_relocated": "relocated",
    "nd_collapsed_houses": "collapsed_houses",
    "nd_crop_affected_area": "crop_affected_ha",
    "nd_direct_loss": "direct_loss",
    "forest_fire_count": "forest_fire",
    "forest_damaged_area": "burned",
}


def generate_disasters(
    seed: int, unit: spec.Unit, out_dir: Path, summary: Summary, gdp_cents: dict[tuple[str, int], int]
) -> dict[str, int]:
    router = make_router(out_dir, unit, "disasters", ["started_on", "event_id", "region_code", "reported_at"])
    for year in range(spec.FIRST_YEAR, spec.LAST_YEAR + 1):
        events = draw_events(seed, unit, year)
        if unit.code == "500109" and year in spec.BEIBEI_LOSS_PCT:
            apply_beibei_targets(events, year, gdp_cents[("500109", year)])
        rng = rng_for(seed, "disasters-reports", unit.code, year)
        by_month: dict[int, list[dict]] = defaultdict(list)
        for e in events:
            by_month[e.start.month].extend(event_rows(rng, e))
        for month in months_of(year):
            df = pl.DataFrame(by_month.get(month, []), schema=DIS_SCHEMA)
            kinds = df["report_kind"].to_list()
            route = [
                month_period(year, month) if k == "初报" else file_period(r)
                for k, r in zip(kinds, df["reported_at"].to_list(), strict=True)
            ]
            df = df.with_columns(pl.Series("_file", route, dtype=pl.String))
            router.write(month_period(year, month), df)
            if df.height:
                final = (
                    df.sort("reported_at")
                    .group_by("event_id", "region_code")
                    .last()
                    .with_columns(
                        pl.lit(year).alias("year"),
                        pl.lit(month).alias("month"),
                        (pl.col("hazard") == FOREST_FIRE).cast(pl.Int64).alias("forest_fire"),
                        pl.col("burned_forest_ha").fill_null(0).alias("burned"),
                    )
                )
                add_summary(summary, "disasters", unit.code, final, ND_MEASURES)
    router.close()
    return {str(p.relative_to(out_dir)): router.written[k] for k, p in router.paths.items()}
