"""The official survey forms the ingest reads (docs/official_forms.md): one ``FormSpec`` per form.

A form is described by its leaf columns in sheet order, each a *header path* (the labels from the
top header row down to the leaf; a label merged over several columns repeats in each path) and
its target: a contract column (record forms), a measure code (region summary forms), or ``None``
for a column that is only checked (a 合计 column of a group). The reader flattens whatever
merged, multi-row header a file has into these paths; the sample generator renders the same
paths as merged cells, so the two cannot drift apart.

Modelled on the real forms: the form names and numbers of the 2012 生产安全事故统计报表制度
(工矿商贸A1表 生产安全事故情况, 综合B2表 地区生产安全事故综合情况) and the conventions every
national statistical form follows (表号/制定机关/批准文号/有效期至 box, 填报单位, 金额单位 in the
title, 甲/乙/1/2/… column numbers, a 合计 row, 单位负责人/统计负责人/填表人/报出日期). The exact
column sets, the labels of the road, fire, disaster and enforcement forms and their form numbers
are ASSUMED (the 2020 revisions were not available to check against); see the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

Path_ = tuple[str, ...]

# Money columns take the unit stated in the title (金额单位:元 / 万元 / 亿元); factor to 万元.
MONEY_UNITS: dict[str, float] = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}


@dataclass(frozen=True)
class Leaf:
    path: Path_
    target: str | None  # contract column, measure code, "@name"/"@code" (summary labels) or None
    money: bool = False  # unit from the title's 金额单位
    unit: str = ""  # summary forms: unit of the measure (money leaves: the title's unit)


@dataclass(frozen=True)
class RowTotal:
    """Within one row: ``total`` equals the sum of ``parts`` (a group's 合计 column)."""

    total: Path_
    parts: tuple[Path_, ...]


@dataclass(frozen=True)
class FormSpec:
    code: str  # short id used in docs and tests
    form_no: str  # 表号 as printed
    title_zh: str  # the form's name (appears in the title line)
    title_en: str
    source: str  # contract source (folder under raw/)
    # "record" (one row per record), "region_summary" (one row per region, with its code) or
    # "category_summary" (one row per category; the 合计 row is the region stated above the table)
    layout: str
    leaves: tuple[Leaf, ...]
    row_totals: tuple[RowTotal, ...] = ()
    modelled_on: str = ""  # what is real about it (docs)

    @property
    def depth(self) -> int:
        return max(len(leaf.path) for leaf in self.leaves)


def _l(*path: str, to: str | None, money: bool = False, unit: str = "") -> Leaf:
    return Leaf(tuple(path), to, money, unit)


_CAS = "伤亡人数(人)"
ACCIDENTS_A1 = FormSpec(
    code="A1",
    form_no="工矿商贸A1表",
    title_zh="生产安全事故情况",
    title_en="Production-safety accidents (record form)",
    source="accidents",
    layout="record",
    modelled_on="name and number of the 2012 制度's 工矿商贸A1表; columns reduced to the contract",
    leaves=(
        _l("事故编号", to="accident_id"),
        _l("发生时间", to="occurred_at"),
        _l("行政区划代码", to="region_code"),
        _l("行业领域", to="sector"),
        _l("国民经济行业代码", to="industry_code"),
        _l("事故类别", to="category"),
        _l("事故等级", to="grade"),
        _l(_CAS, "死亡失踪", "合计", to=None),
        _l(_CAS, "死亡失踪", "死亡", to="deaths"),
        _l(_CAS, "死亡失踪", "失踪", to="missing"),
        _l(_CAS, "受伤", "合计", to="injuries"),
        _l(_CAS, "受伤", "其中:重伤", to="serious_injuries"),
        _l("直接经济损失", to="direct_loss", money=True),
        _l("是否特种设备事故", to="special_equipment"),
        _l("报告类型", to="report_kind"),
        _l("报告时间", to="reported_at"),
        _l("核销原因", to="write_off_reason"),
    ),
    row_totals=(
        RowTotal((_CAS, "死亡失踪", "合计"), ((_CAS, "死亡失踪", "死亡"), (_CAS, "死亡失踪", "失踪"))),
    ),
)

ROAD_C2 = FormSpec(
    code="C2-1",
    form_no="行业C2-1表",
    title_zh="道路交通事故情况",
    title_en="Road-traffic accidents (record form)",
    source="road_traffic",
    layout="record",
    modelled_on="the 2008/2012 制度's 行业 tables of road-traffic accidents (number assumed)",
    leaves=(
        _l("事故编号", to="accident_id"),
        _l("发生时间", to="occurred_at"),
        _l("行政区划代码", to="region_code"),
        _l(_CAS, "死亡", to="deaths"),
        _l(_CAS, "受伤", to="injuries"),
        _l("直接财产损失", to="direct_loss", money=True),
        _l("涉事车辆", "车辆类型", to="vehicle_kinds"),
        _l("涉事车辆", "是否营运车辆", to="operating_vehicle"),
    ),
)

FIRES_C1 = FormSpec(
    code="C1-1",
    form_no="行业C1-1表",
    title_zh="火灾事故情况",
    title_en="Fires (record form)",
    source="fires",
    layout="record",
    modelled_on="the 2012 制度's 行业C1-1表 (火灾事故汇总情况) family; record layout assumed",
    leaves=(
        _l("火灾编号", to="fire_id"),
        _l("起火时间", to="occurred_at"),
        _l("行政区划代码", to="region_code"),
        _l("起火场所", to="place_type"),
        _l("起火原因", to="cause"),
        _l(_CAS, "死亡", to="deaths"),
        _l(_CAS, "受伤", to="injuries"),
        _l("直接财产损失", to="direct_loss", money=True),
        _l("火灾等级", to="grade"),
    ),
)

_POP, _CROP, _HOUSE = "人口受灾情况", "农作物受灾情况(公顷)", "房屋倒损情况(间)"
DISASTERS_ZH1 = FormSpec(
    code="ZH-1",
    form_no="自然灾害损失情况表",
    title_zh="自然灾害损失情况",
    title_en="Natural-disaster losses (record form)",
    source="disasters",
    layout="record",
    modelled_on="the indicator groups of the 自然灾害情况统计调查制度 (人口受灾, 农作物受灾, 房屋倒损, "
    "直接经济损失); form number and layout assumed",
    leaves=(
        _l("灾害过程编号", to="event_id"),
        _l("灾种", to="hazard"),
        _l("行政区划代码", to="region_code"),
        _l("开始日期", to="started_on"),
        _l("报告类型", to="report_kind"),
        _l("报告时间", to="reported_at"),
        _l(_POP, "受灾人口(人次)", to="affected_person_times"),
        _l(_POP, "死亡人口(人)", to="deaths"),
        _l(_POP, "失踪人口(人)", to="missing"),
        _l(_POP, "紧急转移安置人口(人)", to="relocated"),
        _l(_CROP, "受灾面积", to="crop_affected_ha"),
        _l(_CROP, "其中:绝收面积", to="crop_failed_ha"),
        _l(_HOUSE, "倒塌房屋", to="collapsed_houses"),
        _l(_HOUSE, "损坏房屋", to="damaged_houses"),
        _l("受害森林面积(公顷)", to="burned_forest_ha"),
        _l("直接经济损失", to="direct_loss", money=True),
    ),
)

_HAZ, _PEN, _OTHER = "隐患排查治理(项)", "行政处罚", "其他执法措施"
ENFORCEMENT_ZF1 = FormSpec(
    code="ZF-1",
    form_no="执法检查情况表",
    title_zh="安全生产行政执法检查情况",
    title_en="Enforcement inspections (record form)",
    source="enforcement",
    layout="record",
    modelled_on="the indicator groups of the 安全生产行政执法统计调查制度 (检查, 隐患, 行政处罚, 罚款, "
    "责令停产整顿, 关闭取缔, 移送司法机关); form number and layout assumed",
    leaves=(
        _l("检查编号", to="inspection_id"),
        _l("检查日期", to="inspected_on"),
        _l("行政区划代码", to="region_code"),
        _l("行业领域", to="sector"),
        _l("统一社会信用代码", to="credit_code"),
        _l("检查方式", to="inspection_kind"),
        _l(_HAZ, "发现隐患", "合计", to="hazards_found"),
        _l(_HAZ, "发现隐患", "其中:重大隐患", to="hazards_major_found"),
        _l(_HAZ, "已整改隐患", to="hazards_rectified"),
        _l(_PEN, "是否行政处罚", to="penalty"),
        _l(_PEN, "罚款金额", to="fine", money=True),
        _l(_OTHER, "责令停产整顿", to="suspension"),
        _l(_OTHER, "关闭取缔", to="closure"),
        _l(_OTHER, "移送司法机关", to="judicial_transfer"),
    ),
)

_NUM = "事故起数(起)"
REGIONS_B2 = FormSpec(
    code="B2",
    form_no="综合B2表",
    title_zh="地区生产安全事故综合情况",
    title_en="Production-safety accidents by region (summary form)",
    source="reports",
    layout="region_summary",
    modelled_on="name and number of the 2012 制度's 综合B2表; columns reduced to the measure codes",
    leaves=(
        _l("地区", to="@name"),
        _l("行政区划代码", to="@code"),
        _l(_NUM, "合计", to="ps_accidents", unit="起"),
        _l(_NUM, "其中:较大", to="ps_accidents_larger", unit="起"),
        _l(_NUM, "其中:重大", to="ps_accidents_major", unit="起"),
        _l(_NUM, "其中:特别重大", to="ps_accidents_extraordinary", unit="起"),
        _l("死亡人数(含失踪)(人)", to="ps_deaths", unit="人"),
        _l("受伤人数(人)", to="ps_injuries", unit="人"),
        _l("直接经济损失", to=None, money=True),  # no measure code: checked, not loaded
    ),
)

CATEGORIES_B1 = FormSpec(
    code="B1",
    form_no="综合B1表",
    title_zh="各类生产安全事故综合情况",
    title_en="Production-safety accidents by category (summary form)",
    source="reports",
    layout="category_summary",
    modelled_on="name and number of the 2012 制度's 综合B1表; rows by 事故类别 (GB 6441); the report "
    "contract has no category, so only the 合计 row (for the 行政区划代码 stated above the table) loads",
    leaves=(
        _l("事故类别", to="@label"),
        _l(_NUM, "合计", to="ps_accidents", unit="起"),
        _l(_NUM, "其中:较大", to="ps_accidents_larger", unit="起"),
        _l(_NUM, "其中:重大", to="ps_accidents_major", unit="起"),
        _l(_NUM, "其中:特别重大", to="ps_accidents_extraordinary", unit="起"),
        _l("死亡人数(含失踪)(人)", to="ps_deaths", unit="人"),
        _l("受伤人数(人)", to="ps_injuries", unit="人"),
        _l("直接经济损失", to=None, money=True),
    ),
)

_ROAD, _FIRE = "道路交通事故", "火灾"
REGIONS_ROAD_FIRE = FormSpec(
    code="C-R",
    form_no="行业C汇总表",
    title_zh="地区道路交通事故和火灾情况",
    title_en="Road-traffic accidents and fires by region (summary form)",
    source="reports",
    layout="region_summary",
    modelled_on="the region summary layout of 综合B2表 applied to the road and fire measures "
    "(the combination in one table and its number are assumed)",
    leaves=(
        _l("地区", to="@name"),
        _l("行政区划代码", to="@code"),
        _l(_ROAD, "事故起数(起)", to="road_accidents", unit="起"),
        _l(_ROAD, "死亡人数(人)", to="road_deaths", unit="人"),
        _l(_ROAD, "受伤人数(人)", to="road_injuries", unit="人"),
        _l(_FIRE, "火灾起数(起)", to="fire_count", unit="起"),
        _l(_FIRE, "死亡人数(人)", to="fire_deaths", unit="人"),
        _l(_FIRE, "受伤人数(人)", to="fire_injuries", unit="人"),
        _l(_FIRE, "直接财产损失", to="fire_direct_loss", money=True),
    ),
)

FORMS: tuple[FormSpec, ...] = (
    ACCIDENTS_A1,
    ROAD_C2,
    FIRES_C1,
    DISASTERS_ZH1,
    ENFORCEMENT_ZF1,
    CATEGORIES_B1,
    REGIONS_B2,
    REGIONS_ROAD_FIRE,
)
FORMS_BY_CODE = {f.code: f for f in FORMS}
