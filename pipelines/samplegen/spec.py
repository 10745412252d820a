"""Static configuration of the embedded sample: who submits what, in which format, with which totals.

Everything here is SYNTHETIC unless a comment names a seed document (``../shared/seeds/``)
whose figure it reproduces. The seeded totals hold at ``scale=1.0`` only: ``scale`` multiplies
record counts of the two large submitting units (广西 and 温州), small units stay as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIRST_YEAR = 2016  # first year of record files
LAST_YEAR = 2026  # last (partial) year of record files
LAST_MONTH = 9  # data end 2026-09-30
QUARTERLY_FROM = 2025  # one file per quarter from this year on, one per year before
CUTOFF = dt.datetime(2026, 9, 30, 23, 59)  # nothing (no event, no report) after this instant
XLSX_CREATED = dt.datetime(2026, 11, 23, 0, 0, 0)  # fixed workbook metadata timestamp

SOURCES = ("accidents", "road_traffic", "fires", "disasters", "enforcement", "denominators", "reports")

# --------------------------------------------------------------------------------------------
# File formats. ``money`` says how money columns are written: "wan" = 万元 with 2 decimals,
# "yuan" = integer 元 (the header then names 元 and the pipeline converts).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFormat:
    ext: str  # "csv" or "xlsx"
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" (BOM) or "gbk"
    line_terminator: str = "\n"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    date_format: str = "%Y-%m-%d"
    headers: str = "zh"  # "zh" (Chinese) or "en" (canonical)
    bool_true: str = "是"
    bool_false: str = "否"
    money: str = "wan"


GBK_EXCEL = FileFormat("csv", encoding="gbk", line_terminator="\r\n", datetime_format="%Y-%m-%d %H:%M")
GBK_EXCEL_SLASH = FileFormat(
    "csv", encoding="gbk", line_terminator="\r\n", datetime_format="%Y/%m/%d %H:%M", date_format="%Y/%m/%d"
)
XLSX_ZH = FileFormat("xlsx")
UTF8_EN = FileFormat("csv", headers="en", bool_true="true", bool_false="false")
UTF8_BOM_ZH = FileFormat("csv", encoding="utf-8-sig")


@dataclass(frozen=True)
class Unit:
    """A submitting office: its code (= the region its records cover), short name and file format."""

    code: str
    short: str
    name_zh: str
    fmt: FileFormat
    regions: tuple[str, ...]  # region codes written on its records
    large: bool = False  # record counts follow ``scale``
    money: str = "wan"


GX_CITIES = (
    "450100",
    "450200",
    "450300",
    "450400",
    "450500",
    "450600",
    "450700",
    "450800",
    "450900",
    "451000",
    "451100",
    "451200",
    "451300",
    "451400",
)
WZ_COUNTIES = (
    "330302",
    "330303",
    "330304",
    "330305",
    "330324",
    "330326",
    "330327",
    "330328",
    "330329",
    "330381",
    "330382",
    "330383",
)
LONGGANG = "330383"
CANGNAN = "330327"
LONGGANG_FROM = dt.date(2019, 8, 16)  # 龙港市 split from 苍南县

GX = Unit("450000", "广西", "广西壮族自治区", GBK_EXCEL, GX_CITIES, large=True)
WZ = Unit("330300", "温州", "温州市", XLSX_ZH, WZ_COUNTIES, large=True)
LD = Unit("331102", "莲都", "丽水市莲都区", UTF8_EN, ("331102",))
YG = Unit("371521", "阳谷", "阳谷县", GBK_EXCEL_SLASH, ("371521",), money="yuan")
BB = Unit("500109", "北碚", "重庆市北碚区", UTF8_BOM_ZH, ("500109",))

RECORD_UNITS = {
    "accidents": (GX, WZ, LD, YG, BB),
    "road_traffic": (WZ, LD, YG, BB),
    "fires": (WZ, LD, YG, BB),
    "disasters": (WZ, LD, YG, BB),
    "enforcement": (WZ, LD, YG, BB),
}

# Weights used to spread a unit's records over its regions (≈ resident population, 万人, 2020; the
# small mountain/island divisions 洞头, 文成, 泰顺 get less, as they have little industry and traffic).
REGION_WEIGHTS = {
    "450100": 875,
    "450200": 416,
    "450300": 493,
    "450400": 282,
    "450500": 185,
    "450600": 105,
    "450700": 330,
    "450800": 431,
    "450900": 580,
    "451000": 357,
    "451100": 201,
    "451200": 341,
    "451300": 207,
    "451400": 209,
    # 温州 (苍南 before 2019-08-16 also carries the 龙港 share)
    "330302": 143,
    "330303": 74,
    "330304": 96,
    "330305": 9,
    "330324": 87,
    "330326": 86,
    "330327": 84,
    "330328": 14,
    "330329": 13,
    "330381": 152,
    "330382": 146,
    "330383": 46,
    "331102": 55,
    "371521": 65,
    "500109": 83,
}

# Month weights (Jan..Dec), normalised in code.
SEASON = {
    "accidents": (75, 58, 84, 86, 88, 88, 90, 90, 87, 85, 84, 85),
    "road_traffic": (92, 86, 80, 80, 82, 78, 80, 82, 84, 92, 86, 88),
    "fires": (125, 120, 100, 92, 74, 60, 58, 58, 64, 76, 88, 105),
    "enforcement": (70, 40, 90, 92, 92, 100, 80, 82, 92, 80, 92, 100),
}

# --------------------------------------------------------------------------------------------
# Production-safety accidents. Per unit and year: accidents, deaths (incl. missing), injuries,
# accidents of grade 较大. Years in ``fixed`` are used exactly; other years are the anchor times
# lognormal noise. For 2026, a non-fixed anchor is a full-year rate of which the generator keeps the
# Jan-Sep share; a fixed 2026 value is the Jan-Sep total itself.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearTargets:
    """Anchor (expected) values per year and which of them are fixed (seeded or chosen)."""

    values: dict[int, tuple[int, ...]]
    fixed: frozenset[int] = frozenset()
    noise: float = 0.03


ACCIDENT_TARGETS: dict[str, YearTargets] = {
    # 2020/2021: seed 004 (广西应急管理厅2021年工作总结): 2021 1986起, 1526人死亡, 1248人受伤,
    # 同比 -32.2%/-17.9%/-44.4% -> 2020 2929/1859/2245 (chosen so the published rounding holds).
    "450000": YearTargets(
        {
            2016: (3160, 2120, 2720, 26),
            2017: (3090, 2050, 2600, 23),
            2018: (3030, 1980, 2470, 20),
            2019: (2980, 1920, 2360, 18),
            2020: (2929, 1859, 2245, 15),
            2021: (1986, 1526, 1248, 12),
            2022: (1900, 1460, 1190, 11),
            2023: (1820, 1400, 1140, 10),
            2024: (1750, 1350, 1090, 9),
            2025: (1690, 1300, 1050, 8),
            2026: (1640, 1260, 1010, 8),
        },
        fixed=frozenset({2020, 2021}),
        noise=0.02,
    ),
    # 2019-2022 chosen so that 2022 vs the 2019-2021 mean is -26.5% (accidents) and -31.1% (deaths),
    # seed 003 (温州市应急管理局2022年工作总结).
    "330300": YearTargets(
        {
            2016: (292, 150, 176, 3),
            2017: (275, 142, 165, 2),
            2018: (262, 135, 157, 2),
            2019: (248, 128, 150, 2),
            2020: (232, 119, 140, 1),
            2021: (214, 110, 129, 1),
            2022: (170, 82, 102, 0),
            2023: (165, 80, 99, 1),
            2024: (158, 77, 95, 1),
            2025: (150, 74, 90, 0),
            2026: (146, 72, 88, 0),
        },
        fixed=frozenset({2019, 2020, 2021, 2022}),
        noise=0.03,
    ),
    # 2016-2020 total 16起 16人, no 较大 or above: seed 000 (莲都区应急管理“十四五”规划).
    "331102": YearTargets(
        {
            2016: (4, 4, 2, 0),
            2017: (3, 4, 1, 0),
            2018: (4, 3, 3, 0),
            2019: (3, 3, 1, 0),
            2020: (2, 2, 1, 0),
            2021: (3, 2, 2, 0),
            2022: (2, 2, 1, 0),
            2023: (3, 2, 1, 0),
            2024: (2, 1, 1, 0),
            2025: (2, 2, 1, 0),
            2026: (2, 1, 1, 0),
        },
        fixed=frozenset(range(2016, 2027)),
    ),
    "371521": YearTargets(
        {
            2016: (9, 8, 6, 0),
            2017: (8, 9, 5, 1),
            2018: (8, 7, 5, 0),
            2019: (7, 6, 4, 0),
            2020: (7, 6, 4, 0),
            2021: (6, 5, 4, 0),
            2022: (6, 5, 3, 0),
            2023: (5, 4, 3, 0),
            2024: (5, 4, 3, 0),
            2025: (5, 3, 3, 0),
            2026: (5, 4, 3, 0),
        },
        fixed=frozenset(range(2016, 2027)),
    ),
    # 2016-2020: 120 accidents, 43 deaths, 0 较大 -> with the 2011-2015 report values (142 incl. 3 较大,
    # 49 deaths) gives seed 002's 一般事故 -13.67%, 死亡 -12.24%, 较大 -3.
    "500109": YearTargets(
        {
            2016: (28, 10, 15, 0),
            2017: (26, 9, 13, 0),
            2018: (24, 9, 12, 0),
            2019: (22, 8, 11, 0),
            2020: (20, 7, 10, 0),
            2021: (19, 7, 9, 0),
            2022: (18, 6, 9, 0),
            2023: (17, 8, 8, 1),
            2024: (16, 5, 8, 0),
            2025: (15, 5, 7, 0),
            2026: (14, 5, 7, 0),
        },
        fixed=frozenset(range(2016, 2027)),
    ),
}

# 重大 accidents placed on fixed days (occurred date, deaths incl. missing). The last one in 广西 is
# 2019-09-18, which makes seed 004's "连续27个月未发生重大及以上事故" (as of the Jan-2022 report) true.
MAJOR_ACCIDENTS = {
    "450000": ((dt.date(2017, 7, 14), 11), (dt.date(2019, 9, 18), 10)),
}

# Sector mix per unit (sector name_zh from sectors.csv -> weight).
SECTOR_MIX = {
    "450000": {
        "道路运输": 42,
        "建筑业": 16,
        "工贸行业": 13,
        "金属非金属矿山": 5,
        "危险化学品": 2,
        "烟花爆竹": 1,
        "水上运输": 3,
        "铁路运输": 2,
        "农业机械": 4,
        "渔业船舶": 2,
        "城镇燃气": 1,
        "煤矿": 1,
        "其他": 8,
    },
    "330300": {
        "道路运输": 34,
        "建筑业": 18,
        "工贸行业": 24,
        "金属非金属矿山": 2,
        "危险化学品": 2,
        "烟花爆竹": 1,
        "水上运输": 3,
        "渔业船舶": 5,
        "城镇燃气": 2,
        "其他": 9,
    },
    "331102": {"道路运输": 35, "建筑业": 25, "工贸行业": 25, "金属非金属矿山": 5, "其他": 10},
    "371521": {"道路运输": 40, "建筑业": 20, "工贸行业": 20, "农业机械": 8, "危险化学品": 4, "其他": 8},
    "500109": {
        "道路运输": 38,
        "建筑业": 20,
        "工贸行业": 18,
        "煤矿": 6,
        "金属非金属矿山": 4,
        "水上运输": 4,
        "危险化学品": 2,
        "其他": 8,
    },
}
COAL_LAST_YEAR = {"500109": 2018}  # 北碚 closed its last coal mines (seed 002: 关闭煤矿8个) - none after

# Accident categories (GB 6441 name_zh) per sector, with weights.
SECTOR_CATEGORIES = {
    "煤矿": {
        "冒顶片帮": 30,
        "瓦斯爆炸": 8,
        "透水": 8,
        "放炮": 8,
        "车辆伤害": 16,
        "机械伤害": 10,
        "其它伤害": 20,
    },
    "金属非金属矿山": {
        "冒顶片帮": 25,
        "坍塌": 20,
        "放炮": 15,
        "车辆伤害": 15,
        "高处坠落": 10,
        "物体打击": 15,
    },
    "危险化学品": {"中毒和窒息": 35, "火灾": 20, "其它爆炸": 20, "容器爆炸": 10, "灼烫": 15},
    "烟花爆竹": {"火药爆炸": 90, "火灾": 10},
    "建筑业": {"高处坠落": 48, "物体打击": 15, "坍塌": 12, "起重伤害": 10, "触电": 7, "机械伤害": 8},
    "工贸行业": {
        "机械伤害": 30,
        "物体打击": 15,
        "起重伤害": 12,
        "高处坠落": 12,
        "中毒和窒息": 8,
        "灼烫": 6,
        "触电": 7,
        "其它爆炸": 3,
        "锅炉爆炸": 2,
        "其它伤害": 5,
    },
    "道路运输": {"车辆伤害": 100},
    "水上运输": {"淹溺": 80, "其它伤害": 20},
    "铁路运输": {"车辆伤害": 90, "触电": 10},
    "民航": {"其它伤害": 100},
    "农业机械": {"车辆伤害": 70, "机械伤害": 30},
    "渔业船舶": {"淹溺": 85, "机械伤害": 15},
    "城镇燃气": {"其它爆炸": 60, "中毒和窒息": 30, "火灾": 10},
    "其他": {"淹溺": 20, "触电": 20, "其它伤害": 30, "高处坠落": 15, "坍塌": 15},
}

# GB/T 4754-2017 industry classes that plausibly go with each sector (SYNTHETIC assignment).
SECTOR_INDUSTRY = {
    "煤矿": ("0610",),
    "金属非金属矿山": ("0810", "1011", "1019"),
    "危险化学品": ("2611", "2614", "2619"),
    "烟花爆竹": ("2672",),
    "建筑业": ("4710", "4790", "4812"),
    "工贸行业": ("3110", "3120", "3011", "3311", "1391", "2231", "1713"),
    "道路运输": ("5411", "5431", "5435"),
    "水上运输": ("5512", "5523"),
    "铁路运输": ("5320",),
    "民航": ("5611",),
    "农业机械": ("0511",),
    "渔业船舶": ("0421",),
    "城镇燃气": ("4511",),
    "其他": (),
}
IMC_SECTORS = frozenset({"煤矿", "金属非金属矿山", "危险化学品", "烟花爆竹", "建筑业", "工贸行业"})

WRITE_OFF_REASONS = (
    "经调查认定为非生产安全事故(自杀)",
    "经调查认定为非生产安全事故(突发疾病死亡)",
    "经调查认定为刑事案件",
    "经调查认定为自然灾害引发,不属于生产安全事故",
    "不属于生产经营活动,按规定予以核销",
    "与已报事故重复",
)
WRITE_OFF_PROFILES = (  # (sector, category) of accidents later written off
    ("其他", "其它伤害"),
    ("其他", "淹溺"),
    ("建筑业", "高处坠落"),
    ("工贸行业", "中毒和窒息"),
    ("工贸行业", "其它伤害"),
    ("道路运输", "车辆伤害"),
)
# Per year: expected written-off accidents (extra to the counted ones), late reports with a new
# id (迟报), and revisions of an earlier 快报 (same id) - as fractions of the year's accidents,
# with a floor probability for small units.
WRITE_OFF_RATE = 0.002
LATE_NEW_RATE = 0.004
LATE_SAME_RATE = 0.008
SMALL_UNIT_EXTRA_P = 0.25

# --------------------------------------------------------------------------------------------
# Road traffic, fires, enforcement: (records, deaths, injuries) anchors per year.
# --------------------------------------------------------------------------------------------
ROAD_TARGETS: dict[str, YearTargets] = {
    "330300": YearTargets(
        {
            y: (round(1180 * 0.97 ** (y - 2016)), round(300 * 0.955 ** (y - 2016)), 0)
            for y in range(2016, 2027)
        },
        noise=0.03,
    ),
    "331102": YearTargets(
        {y: (round(182 * 0.97 ** (y - 2016)), round(31 * 0.96 ** (y - 2016)), 0) for y in range(2016, 2027)},
        noise=0.05,
    ),
    "371521": YearTargets(
        {y: (round(205 * 0.97 ** (y - 2016)), round(41 * 0.955 ** (y - 2016)), 0) for y in range(2016, 2027)},
        noise=0.05,
    ),
    # 2016-2020 fixed (used for the 道路交通万车死亡率 comparison with 2011-2015, seed 002).
    "500109": YearTargets(
        {
            2016: (262, 40, 0),
            2017: (251, 38, 0),
            2018: (243, 36, 0),
            2019: (232, 34, 0),
            2020: (221, 32, 0),
            **{
                y: (round(215 * 0.97 ** (y - 2021)), round(31 * 0.96 ** (y - 2021)), 0)
                for y in range(2021, 2027)
            },
        },
        fixed=frozenset(range(2016, 2021)),
        noise=0.05,
    ),
}
ROAD_INJURY_RATIO = 1.08

FIRE_TARGETS: dict[str, YearTargets] = {
    "330300": YearTargets(
        {
            y: (round(520 * 0.975 ** (y - 2016)), round(17 * 0.94 ** (y - 2016)), 14)
            for y in range(2016, 2027)
        },
        noise=0.05,
    ),
    "331102": YearTargets(
        {
            y: (round(46 * 0.98 ** (y - 2016)), d, 2)
            for y, d in zip(range(2016, 2027), (1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0), strict=True)
        },
        fixed=frozenset(range(2016, 2027)),
    ),
    "371521": YearTargets(
        {
            y: (round(41 * 0.98 ** (y - 2016)), d, 1)
            for y, d in zip(range(2016, 2027), (1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0), strict=True)
        },
        fixed=frozenset(range(2016, 2027)),
    ),
    "500109": YearTargets(
        {
            y: (round(72 * 0.98 ** (y - 2016)), d, 2)
            for y, d in zip(range(2016, 2027), (1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0), strict=True)
        },
        fixed=frozenset(range(2016, 2027)),
    ),
}

FIRE_PLACES = {
    "住宅": 30,
    "厂房": 10,
    "仓库": 4,
    "商业场所": 8,
    "宾馆饭店": 2,
    "交通工具": 10,
    "垃圾及杂物": 18,
    "室外及草垛": 12,
    "学校": 1,
    "医院": 1,
    "其他": 4,
}
FIRE_CAUSES = {
    "电气": 36,
    "用火不慎": 18,
    "吸烟": 7,
    "玩火": 3,
    "生产作业": 6,
    "自燃": 5,
    "放火": 2,
    "雷击": 1,
    "原因不明": 10,
    "其他": 12,
}


@dataclass(frozen=True)
class EnforcementYear:
    inspections: int
    penalties: int
    fines_hundreds: int  # total fines in units of 100 元 (= 0.01 万元)
    suspensions: int
    closures: int
    judicial: int
    random_checks: int  # inspections of kind 双随机抽查


def _enf(n: int, pen_rate: float, fine_wan: float, rnd_rate: float) -> EnforcementYear:
    pen = round(n * pen_rate)
    return EnforcementYear(
        n,
        pen,
        round(pen * fine_wan * 100),
        max(1, round(n * 0.015)),
        round(n * 0.003),
        round(pen * 0.024),
        round(n * rnd_rate),
    )


ENFORCEMENT_TARGETS: dict[str, dict[int, EnforcementYear]] = {
    # 温州 is scaled down (a fraction of a real city's inspections); the penalty share rises as
    # enforcement tightened, with the 2022 campaign year reproducing seed 003.
    "330300": {
        **{
            y: _enf(round(1700 * 1.035 ** (y - 2016)), rate, 2.9, 0.45)
            for y, rate in zip(
                range(2016, 2027), (0.4, 0.42, 0.44, 0.46, 0.5, 0.58, 0, 0.72, 0.7, 0.68, 0.67), strict=True
            )
        },
        # seed 003: 2022 行政执法立案1968起, 处罚总额6164.09万元, 移送司法机关47起, 双随机抽查企业1746家(次)
        2022: EnforcementYear(2480, 1968, 616409, 37, 8, 47, 1746),
    },
    "331102": {y: _enf(round(200 * 1.03 ** (y - 2016)), 0.3, 1.6, 0.4) for y in range(2016, 2027)},
    "371521": {y: _enf(round(170 * 1.03 ** (y - 2016)), 0.28, 1.3, 0.4) for y in range(2016, 2027)},
    "500109": {y: _enf(round(260 * 1.03 ** (y - 2016)), 0.32, 1.8, 0.4) for y in range(2016, 2027)},
}
ENFORCEMENT_SECTORS = {
    "工贸行业": 50,
    "危险化学品": 15,
    "金属非金属矿山": 5,
    "烟花爆竹": 6,
    "城镇燃气": 6,
    "其他": 18,
}
INSPECTION_KINDS = {"日常检查": 45, "专项检查": 30, "明察暗访": 8, "举报核查": 5, "执法复查": 12}
RANDOM_CHECK = "双随机抽查"

# --------------------------------------------------------------------------------------------
# Natural disasters: hazards per unit with (events per year, allowed months, typical severity).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardSpec:
    rate: float  # expected events per year
    months: tuple[int, ...]
    severity: float  # scales affected people and loss
    spread: int = 1  # max regions hit (for units with several regions)


DISASTER_HAZARDS: dict[str, dict[str, HazardSpec]] = {
    "330300": {
        "台风": HazardSpec(2.2, (7, 8, 9), 6.0, 10),
        "洪涝": HazardSpec(1.5, (5, 6, 7), 3.0, 6),
        "风雹": HazardSpec(1.0, (3, 4, 5, 6, 7), 0.6, 3),
        "地质灾害": HazardSpec(1.0, (6, 7, 8, 9), 0.3, 2),
        "低温冷冻": HazardSpec(0.4, (1, 2, 12), 0.5, 5),
        "海洋灾害": HazardSpec(0.5, (8, 9, 10), 1.0, 4),
        "森林草原火灾": HazardSpec(6.0, (1, 2, 3, 4, 10, 11, 12), 0.0, 1),
    },
    "331102": {
        "洪涝": HazardSpec(1.4, (5, 6, 7), 1.5),
        "台风": HazardSpec(0.6, (7, 8, 9), 1.5),
        "风雹": HazardSpec(0.6, (3, 4, 5, 6, 7), 0.3),
        "地质灾害": HazardSpec(0.8, (6, 7, 8), 0.2),
        "低温冷冻": HazardSpec(0.3, (1, 2, 12), 0.3),
        "森林草原火灾": HazardSpec(2.0, (1, 2, 3, 4, 10, 11, 12), 0.0),
    },
    "371521": {
        "风雹": HazardSpec(1.5, (4, 5, 6, 7, 8), 0.8),
        "干旱": HazardSpec(0.5, (4, 5, 6, 9, 10), 1.0),
        "洪涝": HazardSpec(0.6, (7, 8), 1.0),
        "低温冷冻": HazardSpec(0.4, (1, 2, 3, 12), 0.6),
        "雪灾": HazardSpec(0.3, (1, 2, 12), 0.4),
        "森林草原火灾": HazardSpec(0.4, (2, 3, 4), 0.0),
    },
    "500109": {
        "洪涝": HazardSpec(1.3, (5, 6, 7, 8, 9), 1.5),
        "地质灾害": HazardSpec(1.4, (5, 6, 7, 8, 9), 0.4),
        "风雹": HazardSpec(0.9, (3, 4, 5, 6, 7, 8), 0.4),
        "干旱": HazardSpec(0.3, (7, 8), 0.8),
        "森林草原火灾": HazardSpec(0.8, (1, 2, 3, 4, 8), 0.0),
    },
}

# 北碚 2016-2020 (seed 002): 年均因灾直接经济损失占GDP比例 0.24%, 年均每百万人口因灾死亡率 1.
# Annual loss/GDP ratios (percent) whose mean is 0.24 - chosen so that Σloss/ΣGDP also rounds to
# 0.24, since the document does not say which average it means - and deaths+missing per year
# (4 in 5 years, ≈ 1 per million per year with ~80万 residents). 2016 and 2020 are flood years.
BEIBEI_LOSS_PCT = {2016: 0.40, 2017: 0.12, 2018: 0.10, 2019: 0.08, 2020: 0.50}
BEIBEI_ND_DEATHS = {2016: (1, 0), 2017: (0, 0), 2018: (0, 1), 2019: (0, 0), 2020: (2, 0)}  # (deaths, missing)


@dataclass
class DenominatorSpec:
    """Base values in 2020 and yearly growth; values are published with the given decimals."""

    population: float  # 万人
    pop_growth: float
    gdp: float  # 亿元
    gdp_factor: float  # regional multiplier of the nominal growth path
    imc_share: float  # 工矿商贸 employment / population
    vehicles: float  # 万辆, 2020
    se_units: float  # 台, 2020
    forest_ha: float  # 公顷, 2020


# Nominal GDP growth path (national-style), year -> growth vs previous year.
GDP_GROWTH = {
    2012: 0.10,
    2013: 0.10,
    2014: 0.085,
    2015: 0.07,
    2016: 0.084,
    2017: 0.11,
    2018: 0.09,
    2019: 0.08,
    2020: 0.027,
    2021: 0.125,
    2022: 0.048,
    2023: 0.046,
    2024: 0.042,
    2025: 0.045,
    2026: 0.045,
}

DENOMINATORS: dict[str, DenominatorSpec] = {
    "450100": DenominatorSpec(875.5, 0.012, 4726.3, 1.00, 0.19, 258.0, 98000, 640000),
    "450200": DenominatorSpec(416.6, 0.003, 3176.9, 0.97, 0.22, 132.0, 61000, 1190000),
    "450300": DenominatorSpec(493.1, -0.001, 2130.4, 1.00, 0.17, 136.0, 52000, 1950000),
    "450400": DenominatorSpec(282.1, -0.002, 1081.3, 0.98, 0.18, 62.0, 21000, 1010000),
    "450500": DenominatorSpec(185.3, 0.008, 1276.9, 1.04, 0.18, 45.0, 19000, 120000),
    "450600": DenominatorSpec(104.6, 0.006, 732.8, 1.03, 0.20, 24.0, 11000, 320000),
    "450700": DenominatorSpec(330.2, 0.002, 1387.9, 1.04, 0.17, 70.0, 26000, 560000),
    "450800": DenominatorSpec(431.6, -0.002, 1352.7, 1.01, 0.16, 84.0, 18000, 480000),
    "450900": DenominatorSpec(579.7, -0.001, 1761.0, 1.00, 0.17, 120.0, 30000, 720000),
    "451000": DenominatorSpec(357.1, -0.002, 1333.7, 1.00, 0.15, 74.0, 22000, 2350000),
    "451100": DenominatorSpec(200.8, -0.001, 753.9, 1.00, 0.15, 40.0, 12000, 860000),
    "451200": DenominatorSpec(341.7, -0.004, 927.3, 0.99, 0.13, 66.0, 14000, 2440000),
    "451300": DenominatorSpec(207.5, -0.003, 717.6, 0.99, 0.15, 41.0, 11000, 820000),
    "451400": DenominatorSpec(208.9, -0.002, 800.5, 1.01, 0.15, 44.0, 12000, 1100000),
    # 温州 divisions; 龙港 exists from 2019 and its share sits in 苍南 before that.
    "330302": DenominatorSpec(138.9, 0.006, 1180.4, 1.00, 0.33, 52.0, 34000, 14500),
    "330303": DenominatorSpec(72.1, 0.008, 784.4, 1.01, 0.40, 27.0, 22000, 5200),
    "330304": DenominatorSpec(93.3, 0.008, 741.1, 1.00, 0.38, 34.0, 24000, 21000),
    "330305": DenominatorSpec(15.7, 0.004, 101.2, 1.02, 0.25, 5.2, 2600, 3800),
    "330324": DenominatorSpec(84.9, 0.001, 498.3, 1.00, 0.30, 30.0, 13000, 178000),
    "330326": DenominatorSpec(83.8, 0.001, 499.9, 1.00, 0.29, 30.0, 12000, 74000),
    "330327": DenominatorSpec(81.9, 0.000, 389.2, 1.00, 0.26, 29.0, 10000, 78000),
    "330328": DenominatorSpec(28.3, -0.004, 135.4, 1.00, 0.18, 8.5, 3000, 100000),
    "330329": DenominatorSpec(25.8, -0.004, 127.6, 1.00, 0.17, 7.6, 2800, 147000),
    "330381": DenominatorSpec(147.8, 0.004, 902.9, 1.00, 0.32, 54.0, 26000, 82000),
    "330382": DenominatorSpec(142.0, 0.004, 1205.6, 1.00, 0.36, 51.0, 30000, 64000),
    "330383": DenominatorSpec(45.1, 0.006, 284.8, 1.03, 0.33, 16.0, 8000, 900),
    "331100": DenominatorSpec(251.2, 0.002, 1540.0, 1.00, 0.22, 70.0, 42000, 1390000),
    "331102": DenominatorSpec(55.2, 0.006, 402.1, 1.00, 0.26, 18.5, 12500, 104500),
    "371521": DenominatorSpec(65.1, -0.003, 296.5, 0.98, 0.30, 15.2, 8100, 18600),
    "500109": DenominatorSpec(83.4, 0.010, 620.2, 1.02, 0.30, 22.8, 15200, 38200),
}
# Regions whose denominators are sums of their listed children (sum of the published rounded values).
DENOMINATOR_PARENTS = {"450000": GX_CITIES, "330300": WZ_COUNTIES}
