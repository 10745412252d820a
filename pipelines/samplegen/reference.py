"""Denominators and report tables in the long interchange format (DESIGN §3).

``region_code, period, measure, value, unit, released_on, source[, note]`` - values are written as
published (万人, 亿元, 万辆, 公顷 or 万公顷, 万人次 ...); the pipeline converts units, never the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

from . import spec
from .headers import COLUMNS, headers_for
from .records import Summary
from .sinks import open_sink
from .util import multinomial, rng_for, round_half_up, weights

MEASURE_ZH = {  # name_zh from dbt_project/seeds/measures.csv (checked by the tests)
    "ps_accidents": "生产安全事故起数",
    "ps_deaths": "生产安全事故死亡人数(含失踪)",
    "ps_injuries": "生产安全事故受伤人数",
    "ps_accidents_larger": "较大生产安全事故起数",
    "ps_accidents_major": "重大生产安全事故起数",
    "ps_accidents_extraordinary": "特别重大生产安全事故起数",
    "road_accidents": "道路交通事故起数",
    "road_deaths": "道路交通事故死亡人数",
    "road_injuries": "道路交通事故受伤人数",
    "fire_count": "火灾起数",
    "fire_deaths": "火灾死亡人数",
    "fire_injuries": "火灾受伤人数",
    "fire_direct_loss": "火灾直接财产损失",
    "nd_affected_person_times": "自然灾害受灾人次",
    "nd_deaths": "因灾死亡人数",
    "nd_missing": "因灾失踪人数",
    "nd_relocated": "紧急转移安置人口",
    "nd_collapsed_houses": "倒塌房屋间数",
    "nd_crop_affected_area": "农作物受灾面积",
    "nd_direct_loss": "因灾直接经济损失",
    "forest_fire_count": "森林火灾起数",
    "forest_damaged_area": "森林火灾受害森林面积",
    "enf_inspections": "执法检查生产经营单位数",
    "enf_penalties": "行政处罚次数",
    "enf_fines": "罚款金额",
    "enf_suspensions": "责令停产整顿",
    "enf_closures": "关闭取缔",
    "population": "常住人口(年末)",
    "gdp": "地区生产总值(现价)",
    "imc_employees": "工矿商贸就业人员",
    "motor_vehicles": "机动车保有量",
    "se_units": "特种设备数量",
    "forest_area": "森林面积",
}

SEED_004 = "seed 004: 广西应急管理厅2021年工作总结"
SEED_000 = "seed 000: 莲都区应急管理“十四五”规划"
SEED_002 = "seed 002: 重庆市北碚区应急管理“十四五”规划"
GX_RELEASE_2021 = dt.date(2022, 1, 26)  # publication date of seed 004

LS = spec.Unit("331100", "丽水", "丽水市", spec.UTF8_BOM_ZH, ("331100",))
CN = spec.Unit("000000", "全国", "全国", spec.FileFormat("csv"), ("000000",))

DENOM_YEARS = range(2015, 2026)  # annual denominators published so far (2026 not yet)
BEIBEI_PREV = range(2011, 2016)  # 十二五
BEIBEI_NOW = range(2016, 2021)  # 十三五


@dataclasses.dataclass(frozen=True)
class Row:
    region_code: str
    period: str
    measure: str
    value: str
    unit: str
    released_on: dt.date
    source: str
    note: str | None = None


def fmt(value: float, decimals: int) -> str:
    return f"{round_half_up(value, decimals):.{decimals}f}"


# --------------------------------------------------------------------------------------------
# Denominators (values held as integer hundredths of the published unit, so sums are exact)
# --------------------------------------------------------------------------------------------


def gdp_index(year: int, factor: float) -> float:
    idx = 1.0
    if year > 2020:
        for y in range(2021, year + 1):
            idx *= 1 + spec.GDP_GROWTH[y] * factor
    else:
        for y in range(year + 1, 2021):
            idx /= 1 + spec.GDP_GROWTH[y] * factor
    return idx


def vehicle_index(year: int) -> float:
    idx = 1.0
    for _ in range(2021, year + 1):
        idx *= 1.045
    for y in range(year + 1, 2021):
        idx /= 1.085 if y <= 2017 else 1.07
    return idx


def base_denominators(seed: int) -> dict[tuple[str, str, int], int]:
    """(region, measure, year) -> hundredths of 万人 / 亿元 / 万人 / 万辆, or units for 台 and 公顷."""
    out: dict[tuple[str, str, int], int] = {}
    for region, ds in spec.DENOMINATORS.items():
        rng = rng_for(seed, "denominators", region)
        first = 2011 if region == "500109" else 2015
        for year in range(first, 2026):
            t = year - 2020
            pop = ds.population * (1 + ds.pop_growth) ** t * float(np.exp(rng.normal(0, 0.002)))
            gdp = ds.gdp * gdp_index(year, ds.gdp_factor) * float(np.exp(rng.normal(0, 0.008)))
            imc = pop * ds.imc_share * (1 - 0.008 * t) * float(np.exp(rng.normal(0, 0.01)))
            veh = ds.vehicles * vehicle_index(year) * float(np.exp(rng.normal(0, 0.01)))
            out[(region, "population", year)] = round(pop * 100)
            out[(region, "gdp", year)] = round(gdp * 100)
            out[(region, "imc_employees", year)] = round(imc * 100)
            out[(region, "motor_vehicles", year)] = round(veh * 100)
            out[(region, "se_units", year)] = round(
                ds.se_units * 1.06**t * float(np.exp(rng.normal(0, 0.01)))
            )
            out[(region, "forest_area", year)] = round(ds.forest_ha * 1.003**t)
    # 龙港 did not exist before 2019: its area is in 苍南's figures
    for (region, measure, year), value in list(out.items()):
        if region == spec.LONGGANG and year < spec.LONGGANG_FROM.year:
            out[(spec.CANGNAN, measure, year)] += value
            del out[(region, measure, year)]
    for parent, children in spec.DENOMINATOR_PARENTS.items():
        for measure in ("population", "gdp", "imc_employees", "motor_vehicles", "se_units", "forest_area"):
            for year in DENOM_YEARS:
                out[(parent, measure, year)] = sum(out.get((c, measure, year), 0) for c in children)
    return out


def quarterly_gdp(seed: int, den: dict) -> dict[tuple[str, str], int]:
    """Cumulative GDP (hundredths of 亿元) for 2025Q1-Q3 and 2026Q1-Q3."""
    out: dict[tuple[str, str], int] = {}
    shares = (0.226, 0.478, 0.728)
    for region in spec.DENOMINATORS:
        rng = rng_for(seed, "quarterly-gdp", region)
        annual = {2025: den[(region, "gdp", 2025)], 2026: den[(region, "gdp", 2025)] * 1.046}
        for year in (2025, 2026):
            for q, share in enumerate(shares, start=1):
                out[(region, f"{year}Q{q}")] = round(
                    annual[year] * share * float(np.exp(rng.normal(0, 0.004)))
                )
    for parent, children in spec.DENOMINATOR_PARENTS.items():
        for year in (2025, 2026):
            for q in (1, 2, 3):
                out[(parent, f"{year}Q{q}")] = sum(out[(c, f"{year}Q{q}")] for c in children)
    return out


def release_date(seed: int, region: str, year: int, level: str) -> dt.date:
    rng = rng_for(seed, "release", region, year)
    start = {"national": (2, 28), "province": (3, 12), "city": (3, 22), "county": (4, 2)}[level]
    return dt.date(year + 1, *start) + dt.timedelta(days=int(rng.integers(0, 18)))


def quarter_release(seed: int, region: str, period: str, level: str) -> dt.date:
    year, q = int(period[:4]), int(period[-1])
    end = dt.date(year, 3 * q, 1) + dt.timedelta(days=31)
    end = end.replace(day=1) - dt.timedelta(days=1)
    rng = rng_for(seed, "qrelease", region, period)
    lag = {"national": 16, "province": 19, "city": 26, "county": 32}[level]
    return end + dt.timedelta(days=lag + int(rng.integers(0, 6)))


def level_of(region: str) -> str:
    if region == "000000":
        return "national"
    if region.endswith("0000"):
        return "province"
    if region.endswith("00"):
        return "city"
    return "county"


# Units as published, per file: measure -> (unit, decimals, divisor applied to hundredths/units)
def _units(style: str) -> dict[str, tuple[str, int, float]]:
    hundredths = 100.0
    common = {
        "population": ("万人", 2, hundredths),
        "gdp": ("亿元", 2, hundredths),
        "imc_employees": ("万人", 2, hundredths),
        "motor_vehicles": ("万辆", 2, hundredths),
        "se_units": ("台", 0, 1.0),
        "forest_area": ("公顷", 0, 1.0),
    }
    if style == "en":
        return {
            "population": ("10k persons", 2, hundredths),
            "gdp": ("100m yuan", 2, hundredths),
            "imc_employees": ("10k persons", 2, hundredths),
            "motor_vehicles": ("10k vehicles", 2, hundredths),
            "se_units": ("units", 0, 1.0),
            "forest_area": ("ha", 0, 1.0),
        }
    if style == "yanggu":
        return {**common, "motor_vehicles": ("辆", 0, 0.01)}
    if style == "province":
        return {**common, "se_units": ("万台", 2, 10000.0), "forest_area": ("万公顷", 2, 10000.0)}
    return common


def denominator_rows(
    seed: int, den: dict, qgdp: dict, regions, style_of, source: str, measure_name
) -> list[Row]:
    rows = []
    for region in regions:
        style = style_of(region)
        units = _units(style)
        level = level_of(region)
        years = sorted({y for (r, _, y) in den if r == region})
        for year in years:
            released = release_date(seed, region, year, level)
            for measure, (unit, decimals, divisor) in units.items():
                key = (region, measure, year)
                if key not in den:
                    continue
                rows.append(
                    Row(
                        region,
                        str(year),
                        measure_name(measure),
                        fmt(den[key] / divisor, decimals),
                        unit,
                        released,
                        source,
                    )
                )
        for (r, period), value in sorted(qgdp.items()):
            if r != region:
                continue
            unit = "100m yuan" if style == "en" else "亿元"
            note = "1-N季度累计 (cumulative from January)" if style != "en" else "cumulative from January"
            rows.append(
                Row(
                    region,
                    period,
                    measure_name("gdp"),
                    fmt(value / 100, 2),
                    unit,
                    quarter_release(seed, region, period, level),
                    source,
                    note,
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# 北碚 2011-2015 (十二五) values solved to reproduce seed 002's 十三五 vs 十二五 changes
# --------------------------------------------------------------------------------------------

# 2011-2015: accidents (incl. 3 较大), 较大, deaths incl. missing, imc deaths, road deaths
BEIBEI_PREV_REPORT = {
    "ps_accidents": (31, 30, 29, 27, 25),
    "ps_accidents_larger": (1, 1, 0, 1, 0),
    "ps_deaths": (11, 12, 9, 9, 8),
    "imc_deaths": (5, 5, 4, 4, 3),
    "road_deaths": (34, 33, 33, 32, 31),
}
# seed 002: 亿元GDP死亡率、工矿商贸十万人死亡率、道路交通万车死亡率分别下降43.9%、20%、25.1%
# denominator measure -> (numerator measure, published change in %, rate multiplier)
BEIBEI_RATE_CHANGES = {
    "gdp": ("ps_deaths", -43.9, 1.0),
    "imc_employees": ("imc_deaths", -20.0, 1e5 / 1e4),  # persons in 万人 hundredths -> per 10^5 persons
    "motor_vehicles": ("road_deaths", -25.1, 1.0),  # per 10^4 vehicles, vehicles in 万辆
}


def mean_rate(numerators, denominators_hundredths, per_unit: float) -> float:
    return float(
        np.mean([n / (d / 100) * per_unit for n, d in zip(numerators, denominators_hundredths, strict=True)])
    )


def solve_beibei(den: dict, yearly: dict[tuple[str, int], int]) -> dict[str, float]:
    """Scale the 2011-2015 denominators so that mean-of-annual-rate changes round as published."""
    achieved = {}
    for measure, (num_measure, change, per) in BEIBEI_RATE_CHANGES.items():
        now_num = [yearly[(num_measure, y)] for y in BEIBEI_NOW]
        now_den = [den[("500109", measure, y)] for y in BEIBEI_NOW]
        r_now = mean_rate(now_num, now_den, per)
        prev_num = BEIBEI_PREV_REPORT[num_measure]
        base = [den[("500109", measure, y)] for y in BEIBEI_PREV]
        target_prev = r_now / (1 + change / 100)
        k = mean_rate(prev_num, base, per) / target_prev
        for step in range(4000):
            factor = k * (1 + (step // 2 + 1) * 2e-5 * (1 if step % 2 else -1)) if step else k
            scaled = [round(b * factor) for b in base]
            got = (r_now / mean_rate(prev_num, scaled, per) - 1) * 100
            if round_half_up(got, 1) == change:
                for y, v in zip(BEIBEI_PREV, scaled, strict=True):
                    den[("500109", measure, y)] = v
                achieved[measure] = got
                break
        else:
            raise ValueError(f"cannot reproduce the 北碚 {measure} rate change")
    return achieved


# --------------------------------------------------------------------------------------------
# Report tables
# --------------------------------------------------------------------------------------------


def yearly_from_summary(summary: Summary, source: str, unit: str) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = defaultdict(int)
    for (src, u, _region, year, _month), values in summary.items():
        if src == source and u == unit:
            for m, v in values.items():
                out[(m, year)] += v
    return out


def cumulative_from_summary(summary: Summary, source: str, unit: str, year: int, upto: int) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for (src, u, _region, y, month), values in summary.items():
        if src == source and u == unit and y == year and month <= upto:
            for m, v in values.items():
                out[m] += v
    return out


def guangxi_reports(seed: int, summary: Summary) -> dict[str, list[Row]]:
    zh = MEASURE_ZH
    synthetic = "SYNTHETIC sample (广西应急管理厅 style)"
    files: dict[str, list[Row]] = {}
    acc = yearly_from_summary(summary, "accidents", "450000")
    # --- production safety: equal to the records 2016-2024; 2025 deaths published 2 higher
    rows = []
    for year in range(2016, 2026):
        released = GX_RELEASE_2021 if year == 2021 else dt.date(year + 1, 1, 20) + dt.timedelta(days=year % 7)
        for m, unit in (
            ("ps_accidents", "起"),
            ("ps_deaths", "人"),
            ("ps_injuries", "人"),
            ("ps_accidents_larger", "起"),
            ("ps_accidents_major", "起"),
            ("ps_accidents_extraordinary", "起"),
        ):
            value = acc[(m, year)]
            if year == 2025 and m == "ps_deaths":
                value += 2  # reconciliation case: published total differs from the records
            src = synthetic
            if year == 2021 and m in ("ps_accidents", "ps_deaths", "ps_injuries", "ps_accidents_major"):
                src = f"{SEED_004} (reproduced figure)"
            if year == 2021 and m == "ps_accidents_extraordinary":
                src = f"{SEED_004} (reproduced figure: 没有发生重特大事故)"
            if year == 2020 and m in ("ps_accidents", "ps_deaths", "ps_injuries"):
                src = f"{SEED_004} (derived from the published 同比; SYNTHETIC value)"
            rows.append(Row("450000", str(year), zh[m], str(value), unit, released, src))
    for year in (2025, 2026):
        for upto in (3, 6, 9):
            ytd = cumulative_from_summary(summary, "accidents", "450000", year, upto)
            period = f"{year}M01-{upto:02d}"
            released = dt.date(year, upto, 1) + dt.timedelta(days=50)
            for m, unit in (("ps_accidents", "起"), ("ps_deaths", "人"), ("ps_injuries", "人")):
                rows.append(Row("450000", period, zh[m], str(ytd[m]), unit, released, synthetic, "1-N月累计"))
    files["reports/450000_广西_安全生产统计_2016-2026.csv"] = rows

    # --- enforcement (2021: seed 004)
    rng = rng_for(seed, "gx-enforcement")
    rows = []
    for year in range(2016, 2026):
        t = year - 2021
        if year == 2021:
            vals = {
                "enf_inspections": 10274,
                "enf_penalties": 2598,
                "enf_suspensions": 131,
                "enf_closures": 7,
            }
            fines = 1.32
            src = f"{SEED_004} (reproduced figure)"
            released = GX_RELEASE_2021
        else:
            noise = lambda s: float(np.exp(rng.normal(0, s)))  # noqa: E731
            vals = {
                "enf_inspections": round(10274 * (1 + 0.03 * t) * noise(0.04)),
                "enf_penalties": round(2598 * (1 + 0.02 * t) * noise(0.05)),
                "enf_suspensions": round(131 * (1 - 0.04 * t) * noise(0.08)),
                "enf_closures": max(2, round(7 * (1 - 0.1 * t) * noise(0.2))),
            }
            fines = 1.32 * (1 + 0.03 * t) * noise(0.06)
            src = synthetic
            released = dt.date(year + 1, 1, 20) + dt.timedelta(days=year % 7)
        for m, v in vals.items():
            rows.append(Row("450000", str(year), zh[m], str(v), "次", released, src))
        rows.append(Row("450000", str(year), zh["enf_fines"], fmt(fines, 2), "亿元", released, src))
    files["reports/450000_广西_执法统计_2016-2025.csv"] = rows

    # --- natural disasters (2021 and forest fires 2020-2021: seed 004)
    rng = rng_for(seed, "gx-disasters")
    rows = []
    for year in range(2016, 2026):
        released = GX_RELEASE_2021 if year == 2021 else dt.date(year + 1, 1, 22) + dt.timedelta(days=year % 5)
        sev = float(np.exp(rng.normal(0, 0.35)))
        nd: dict[str, tuple[str, str, str, str | None]] = {
            "nd_affected_person_times": (fmt(520 * sev, 2), "万人次", synthetic, None),
            "nd_deaths": (str(int(rng.poisson(18 * sev))), "人", synthetic, None),
            "nd_missing": (str(int(rng.poisson(3 * sev))), "人", synthetic, None),
            "nd_relocated": (fmt(9.5 * sev, 2), "万人", synthetic, None),
            "nd_collapsed_houses": (str(round(1400 * sev)), "间", synthetic, None),
            "nd_crop_affected_area": (fmt(560 * sev, 1), "千公顷", synthetic, None),
            "nd_direct_loss": (fmt(78 * sev, 2), "亿元", synthetic, None),
        }
        fires = round(380 * 0.86 ** (year - 2016) * float(np.exp(rng.normal(0, 0.1))))
        area = 1650 * 0.85 ** (year - 2016) * float(np.exp(rng.normal(0, 0.15)))
        nd["forest_fire_count"] = (str(fires), "起", synthetic, None)
        nd["forest_damaged_area"] = (fmt(area, 2), "公顷", synthetic, None)
        if year == 2020:
            derived = f"{SEED_004} (derived from the published 同比 -52.91% / -37.06%; SYNTHETIC value)"
            nd["forest_fire_count"] = ("206", "起", derived, None)
            nd["forest_damaged_area"] = ("786.41", "公顷", derived, None)
        if year == 2021:
            rep = f"{SEED_004} (reproduced figure)"
            nd["forest_fire_count"] = ("97", "起", rep, "扑救森林火灾97起")
            nd["forest_damaged_area"] = (
                "494.97",
                "公顷",
                rep,
                "受害森林面积494.97公顷 (过火面积1225.54公顷)",
            )
            nd["nd_relocated"] = ("2.46", "万人", rep, "紧急转移避险群众2.46万人")
            zero = "SYNTHETIC total chosen consistent with seed 004 (洪涝灾害实现“零死亡”)"
            nd["nd_deaths"] = ("0", "人", zero, "洪涝灾害零死亡; 其他灾种亦按0填报 (SYNTHETIC)")
            nd["nd_missing"] = ("0", "人", zero, None)
        for m, (text, unit, src, note) in nd.items():
            rows.append(Row("450000", str(year), zh[m], text, unit, released, src, note))
    files["reports/450000_广西_自然灾害_2016-2025.csv"] = rows

    # --- road traffic and fires, province and its 14 cities (cities add up to the province)
    rng = rng_for(seed, "gx-road-fire")
    city_p = weights([spec.REGION_WEIGHTS[c] for c in spec.GX_CITIES])
    rows = []
    monthly: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for year in range(2016, 2027):
        t = year - 2016
        totals = {
            "road_accidents": (5200 * 0.975**t, "起"),
            "road_deaths": (1930 * 0.965**t, "人"),
            "road_injuries": (5650 * 0.975**t, "人"),
            "fire_count": (7600 * 0.985**t, "起"),
            "fire_deaths": (62 * 0.95**t, "人"),
            "fire_injuries": (48 * 0.95**t, "人"),
            "fire_direct_loss": (16500 * 0.99**t, "万元"),
        }
        released = dt.date(year + 1, 2, 10) + dt.timedelta(days=year % 9)
        for m, (anchor, unit) in totals.items():
            total = round(anchor * float(np.exp(rng.normal(0, 0.03))))
            season = weights(spec.SEASON["fires" if m.startswith("fire") else "road_traffic"])
            by_month = multinomial(rng, total, season)
            for month, v in enumerate(by_month.tolist(), start=1):
                monthly[m][(year, month)] = v
            if year == 2026:
                continue  # annual 2026 not published yet
            by_city = multinomial(rng, total, city_p)
            rows.append(Row("450000", str(year), zh[m], str(total), unit, released, synthetic))
            for city, v in zip(spec.GX_CITIES, by_city.tolist(), strict=True):
                rows.append(Row(city, str(year), zh[m], str(v), unit, released, synthetic))
    for year in (2025, 2026):
        for upto in (3, 6, 9):
            released = dt.date(year, upto, 1) + dt.timedelta(days=48)
            for m, unit in (
                ("road_accidents", "起"),
                ("road_deaths", "人"),
                ("fire_count", "起"),
                ("fire_deaths", "人"),
            ):
                v = sum(monthly[m][(year, k)] for k in range(1, upto + 1))
                rows.append(
                    Row(
                        "450000",
                        f"{year}M01-{upto:02d}",
                        zh[m],
                        str(v),
                        unit,
                        released,
                        synthetic,
                        "1-N月累计",
                    )
                )
    for year in (2025, 2026):
        for month in range(1, 13 if year == 2025 else spec.LAST_MONTH + 1):
            released = dt.date(year, month, 1) + dt.timedelta(days=45)
            rows.append(
                Row(
                    "450000",
                    f"{year}M{month:02d}",
                    zh["fire_count"],
                    str(monthly["fire_count"][(year, month)]),
                    "起",
                    released,
                    synthetic,
                    "当月",
                )
            )
    files["reports/450000_广西_道路交通和火灾_2016-2026.csv"] = rows
    return files


def national_reports(seed: int) -> list[Row]:
    rng = rng_for(seed, "national")
    src = "SYNTHETIC sample (应急管理部 style; not the official national figures)"
    rows = []
    for year in range(2016, 2026):
        sev = float(np.exp(rng.normal(0, 0.25)))
        released = dt.date(year + 1, 1, 13) + dt.timedelta(days=year % 10)
        rows += [
            Row(
                "000000",
                str(year),
                "nd_affected_person_times",
                fmt(13000 * 0.95 ** (year - 2016) * sev, 1),
                "万人次",
                released,
                src,
            ),
            Row(
                "000000",
                str(year),
                "nd_deaths_missing",
                str(round(900 * 0.93 ** (year - 2016) * sev)),
                "人",
                released,
                src,
                "死亡失踪合计 (only the combined figure is published)",
            ),
            Row("000000", str(year), "nd_direct_loss", fmt(3300 * sev, 1), "亿元", released, src),
        ]
    return rows


def lianduo_reports() -> list[Row]:
    accidents = (7, 6, 5, 4, 4)  # sum 26 (seed 000)
    deaths = (8, 7, 5, 4, 4)  # sum 28 (seed 000)
    src = f"{SEED_000} (5-year totals 26起/28人 reproduced; annual split SYNTHETIC)"
    rows = []
    for i, year in enumerate(range(2011, 2016)):
        released = dt.date(year + 1, 2, 15)
        rows.append(Row("331102", str(year), "ps_accidents", str(accidents[i]), "accidents", released, src))
        rows.append(Row("331102", str(year), "ps_deaths", str(deaths[i]), "persons", released, src))
    return rows


def beibei_reports() -> list[Row]:
    src = f"SYNTHETIC (annual values chosen so that {SEED_002} 十三五 vs 十二五 changes reproduce)"
    units = {
        "ps_accidents": "起",
        "ps_accidents_larger": "起",
        "ps_deaths": "人",
        "imc_deaths": "人",
        "road_deaths": "人",
    }
    rows = []
    for i, year in enumerate(BEIBEI_PREV):
        released = dt.date(year + 1, 3, 1)
        for m, values in BEIBEI_PREV_REPORT.items():
            rows.append(Row("500109", str(year), m, str(values[i]), units[m], released, src))
    return rows


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_long(out_dir: Path, relpath: str, unit: spec.Unit, rows: list[Row]) -> int:
    path = out_dir / relpath
    fmt_ = unit.fmt
    cols = COLUMNS["long"]
    data = sorted(rows, key=lambda r: (r.region_code, r.measure, r.period, r.released_on))
    df = pl.DataFrame(
        {
            "region_code": [r.region_code for r in data],
            "period": [r.period for r in data],
            "measure": [r.measure for r in data],
            "value": [r.value for r in data],
            "unit": [r.unit for r in data],
            "released_on": pl.Series([r.released_on for r in data], dtype=pl.Date),
            "source": [r.source for r in data],
            "note": pl.Series([r.note for r in data], dtype=pl.String),
        },
        schema_overrides={"region_code": pl.String},
    )
    if fmt_.ext == "xlsx":
        df = df.with_columns(pl.col("value").cast(pl.Float64))
    sink = open_sink(path, fmt_, cols, headers_for(unit, "long"))
    sink.write(df)
    sink.close()
    return df.height


def generate_reference(
    seed: int, out_dir: Path, summary: Summary, den: dict, qgdp: dict
) -> tuple[dict[str, int], dict[str, float]]:
    written: dict[str, int] = {}
    # 北碚 十二五 denominators solved from the generated 十三五 records
    yearly = {}
    for source in ("accidents", "road_traffic"):
        for (m, y), v in yearly_from_summary(summary, source, "500109").items():
            yearly[(m, y)] = v
    achieved = solve_beibei(den, yearly)

    def code(m: str) -> str:
        return m

    def zh(m: str) -> str:
        return MEASURE_ZH[m]

    synthetic = "SYNTHETIC sample ({} style)"
    gx_regions = ("450000", *spec.GX_CITIES)
    gx_rows = denominator_rows(
        seed,
        den,
        {},
        gx_regions,
        lambda r: "province" if r == "450000" else "city",
        synthetic.format("广西统计局"),
        zh,
    )
    written["denominators/450000_广西_统计年鉴_2015-2025.csv"] = write_long(
        out_dir, "denominators/450000_广西_统计年鉴_2015-2025.csv", spec.GX, gx_rows
    )
    gx_q = denominator_rows(seed, {}, qgdp, gx_regions, lambda r: "city", synthetic.format("广西统计局"), zh)
    written["denominators/450000_广西_季度GDP_2025-2026.csv"] = write_long(
        out_dir, "denominators/450000_广西_季度GDP_2025-2026.csv", spec.GX, gx_q
    )
    wz_regions = ("330300", *spec.WZ_COUNTIES)
    wz_rows = denominator_rows(
        seed, den, {}, wz_regions, lambda r: "city", synthetic.format("温州市统计局"), code
    )
    written["denominators/330300_温州_统计年鉴_2015-2025.xlsx"] = write_long(
        out_dir, "denominators/330300_温州_统计年鉴_2015-2025.xlsx", spec.WZ, wz_rows
    )
    wz_q = denominator_rows(
        seed, {}, qgdp, wz_regions, lambda r: "city", synthetic.format("温州市统计局"), code
    )
    written["denominators/330300_温州_季度GDP_2025-2026.xlsx"] = write_long(
        out_dir, "denominators/330300_温州_季度GDP_2025-2026.xlsx", spec.WZ, wz_q
    )
    # a later vintage of one figure: 温州 2023 GDP revised after the fifth economic census
    first = den[("330300", "gdp", 2023)]
    revision = [
        Row(
            "330300",
            "2023",
            "gdp",
            fmt(first * 1.034 / 100, 2),
            "亿元",
            dt.date(2025, 1, 16),
            "SYNTHETIC sample (温州市统计局 style; revision)",
            "第五次全国经济普查后修订 (first released "
            + release_date(seed, "330300", 2023, "city").isoformat()
            + ")",
        )
    ]
    written["denominators/330300_温州_GDP修订_2023.xlsx"] = write_long(
        out_dir, "denominators/330300_温州_GDP修订_2023.xlsx", spec.WZ, revision
    )
    ls_rows = denominator_rows(
        seed, den, qgdp, ("331100",), lambda r: "city", synthetic.format("丽水市统计局"), code
    )
    written["denominators/331100_丽水_统计公报_2015-2025.csv"] = write_long(
        out_dir, "denominators/331100_丽水_统计公报_2015-2025.csv", LS, ls_rows
    )
    ld_rows = denominator_rows(
        seed, den, qgdp, ("331102",), lambda r: "en", synthetic.format("莲都区统计局"), code
    )
    written["denominators/331102_莲都_统计公报_2015-2025.csv"] = write_long(
        out_dir, "denominators/331102_莲都_统计公报_2015-2025.csv", spec.LD, ld_rows
    )
    yg_rows = denominator_rows(
        seed, den, qgdp, ("371521",), lambda r: "yanggu", synthetic.format("阳谷县统计局"), code
    )
    written["denominators/371521_阳谷_统计公报_2015-2025.csv"] = write_long(
        out_dir, "denominators/371521_阳谷_统计公报_2015-2025.csv", spec.YG, yg_rows
    )
    bb_rows = denominator_rows(
        seed, den, qgdp, ("500109",), lambda r: "county", synthetic.format("北碚区统计局"), code
    )
    for i, r in enumerate(bb_rows):
        if int(r.period[:4]) < 2016 and r.measure in BEIBEI_RATE_CHANGES:
            bb_rows[i] = dataclasses.replace(
                r,
                source=f"SYNTHETIC (2011-2015 solved so that {SEED_002} 十三五 vs 十二五 rate changes "
                "reproduce)",
            )
    written["denominators/500109_北碚_统计公报_2011-2025.csv"] = write_long(
        out_dir, "denominators/500109_北碚_统计公报_2011-2025.csv", spec.BB, bb_rows
    )
    cn_rows = []
    rng = rng_for(seed, "national-denominators")
    for year in DENOM_YEARS:
        released = release_date(seed, "000000", year, "national")
        t = year - 2020
        pop = 141212 * (1 + (0.004 if t < 0 else -0.0012)) ** t * float(np.exp(rng.normal(0, 0.0005)))
        gdp = 1015986 * gdp_index(year, 1.0) * float(np.exp(rng.normal(0, 0.004)))
        src = "SYNTHETIC sample (国家统计局 style; not the official national figures)"
        cn_rows.append(Row("000000", str(year), "population", str(round(pop)), "万人", released, src))
        cn_rows.append(Row("000000", str(year), "gdp", str(round(gdp)), "亿元", released, src))
    written["denominators/000000_全国_2015-2025.csv"] = write_long(
        out_dir, "denominators/000000_全国_2015-2025.csv", CN, cn_rows
    )
    # report tables
    for relpath, rows in guangxi_reports(seed, summary).items():
        written[relpath] = write_long(out_dir, relpath, spec.GX, rows)
    written["reports/000000_全国_自然灾害_2016-2025.csv"] = write_long(
        out_dir, "reports/000000_全国_自然灾害_2016-2025.csv", CN, national_reports(seed)
    )
    written["reports/331102_莲都_十二五安全生产_2011-2015.csv"] = write_long(
        out_dir, "reports/331102_莲都_十二五安全生产_2011-2015.csv", spec.LD, lianduo_reports()
    )
    written["reports/500109_北碚_十二五安全生产_2011-2015.csv"] = write_long(
        out_dir, "reports/500109_北碚_十二五安全生产_2011-2015.csv", spec.BB, beibei_reports()
    )
    return written, achieved
