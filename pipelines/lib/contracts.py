"""Input contracts of raw drops (DESIGN §3): sources, canonical columns and header aliases.

This is the public interchange contract. Other bureaus' files rely on these names:
extend (add aliases or optional columns), never rename.

Money columns in record files are canonical in 万元 (10k yuan). A header that names
another unit (e.g. ``直接经济损失(元)``) is mapped with a conversion factor here, in code,
never by the file's author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DType = Literal["str", "int", "float", "date", "datetime", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: DType
    required: bool
    zh: tuple[str, ...] = ()  # Chinese header aliases as they appear on official forms
    # alias -> factor that converts the alias' unit to the canonical unit of this column
    scaled_aliases: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    name: str  # folder under raw/ and table name under the `raw` schema
    kind: Literal["record", "reference"]
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    # Natural key, declared here only: the loader rejects a second row with the same key in one
    # load, the GX suite (pipelines/quality/gx_checks.py) and dbt's unique_record_key test
    # (models/staging/_raw__sources.yml, kept equal by tests/test_contract_keys.py) check it.
    key_columns: tuple[str, ...] = ()
    date_column: str | None = None  # decides the quarterly partition of a record

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, dtype: DType, required: bool, *zh: str, **scaled: float) -> Column:
    return Column(name=name, dtype=dtype, required=required, zh=zh, scaled_aliases=dict(scaled))


_REGION = _c("region_code", "str", True, "行政区划代码", "区划代码", "地区代码")
_LOSS_WAN = {"直接经济损失(元)": 1e-4, "直接经济损失（元）": 1e-4, "direct_loss_yuan": 1e-4}
_PROPERTY_LOSS_WAN = {"直接财产损失(元)": 1e-4, "直接财产损失（元）": 1e-4, "direct_loss_yuan": 1e-4}

ACCIDENTS = Source(
    name="accidents",
    kind="record",
    title_zh="生产安全事故",
    title_en="Production-safety accidents",
    key_columns=("accident_id", "report_kind", "reported_at"),  # 快报, 补报 and 核销 rows of one accident
    date_column="occurred_at",
    columns=(
        _c("accident_id", "str", True, "事故编号"),
        _c("occurred_at", "datetime", True, "发生时间", "事故发生时间"),
        _REGION,
        _c("sector", "str", True, "行业领域", "行业类别"),
        _c("industry_code", "str", False, "国民经济行业代码", "行业代码"),
        _c("category", "str", True, "事故类别", "事故类型"),
        _c("grade", "str", False, "事故等级"),
        _c("deaths", "int", True, "死亡人数"),
        _c("missing", "int", True, "失踪人数"),
        _c("serious_injuries", "int", False, "重伤人数"),
        _c("injuries", "int", True, "受伤人数"),
        Column(
            "direct_loss",
            "float",
            False,
            ("直接经济损失(万元)", "直接经济损失（万元）", "直接经济损失"),
            dict(_LOSS_WAN),
        ),
        _c("special_equipment", "bool", False, "涉及特种设备", "是否特种设备事故"),
        _c("report_kind", "str", True, "报告类型", "报送类型"),
        _c("reported_at", "datetime", True, "报告时间", "报送时间"),
        _c("write_off_reason", "str", False, "核销原因"),
    ),
)

ROAD_TRAFFIC = Source(
    name="road_traffic",
    kind="record",
    title_zh="道路交通事故",
    title_en="Road-traffic accidents",
    key_columns=("accident_id",),
    date_column="occurred_at",
    columns=(
        _c("accident_id", "str", True, "事故编号"),
        _c("occurred_at", "datetime", True, "发生时间", "事故发生时间"),
        _REGION,
        _c("deaths", "int", True, "死亡人数"),
        _c("injuries", "int", True, "受伤人数"),
        Column(
            "direct_loss",
            "float",
            False,
            ("直接财产损失(万元)", "直接财产损失（万元）", "直接财产损失"),
            dict(_PROPERTY_LOSS_WAN),
        ),
        _c("vehicle_kinds", "str", False, "车辆类型", "涉事车辆类型"),
        _c("operating_vehicle", "bool", False, "是否营运车辆", "营运车辆"),
    ),
)

FIRES = Source(
    name="fires",
    kind="record",
    title_zh="火灾",
    title_en="Fires",
    key_columns=("fire_id",),
    date_column="occurred_at",
    columns=(
        _c("fire_id", "str", True, "火灾编号"),
        _c("occurred_at", "datetime", True, "起火时间"),
        _REGION,
        _c("place_type", "str", True, "起火场所"),
        _c("cause", "str", True, "起火原因"),
        _c("deaths", "int", True, "死亡人数"),
        _c("injuries", "int", True, "受伤人数"),
        Column(
            "direct_loss",
            "float",
            False,
            ("直接财产损失(万元)", "直接财产损失（万元）", "直接财产损失"),
            dict(_PROPERTY_LOSS_WAN),
        ),
        _c("grade", "str", False, "火灾等级"),
    ),
)

DISASTERS = Source(
    name="disasters",
    kind="record",
    title_zh="自然灾害损失",
    title_en="Natural-disaster losses",
    key_columns=("event_id", "region_code", "report_kind", "reported_at"),  # event x region x report
    date_column="started_on",
    columns=(
        _c("event_id", "str", True, "灾害过程编号", "灾害编号"),
        _c("hazard", "str", True, "灾种", "灾害种类"),
        _REGION,
        _c("started_on", "date", True, "开始日期", "灾害发生日期"),
        _c("report_kind", "str", True, "报告类型", "报送类型"),
        _c("reported_at", "datetime", True, "报告时间", "报送时间"),
        _c("affected_person_times", "int", True, "受灾人口(人次)", "受灾人口（人次）", "受灾人口"),
        _c("deaths", "int", True, "死亡人口", "死亡人数"),
        _c("missing", "int", True, "失踪人口", "失踪人数"),
        _c("relocated", "int", False, "紧急转移安置人口", "紧急转移安置"),
        _c("crop_affected_ha", "float", False, "农作物受灾面积(公顷)", "农作物受灾面积（公顷）"),
        _c("crop_failed_ha", "float", False, "农作物绝收面积(公顷)", "农作物绝收面积（公顷）"),
        _c("collapsed_houses", "int", False, "倒塌房屋(间)", "倒塌房屋（间）", "倒塌房屋"),
        _c("damaged_houses", "int", False, "损坏房屋(间)", "损坏房屋（间）", "损坏房屋"),
        Column(
            "direct_loss",
            "float",
            True,
            ("直接经济损失(万元)", "直接经济损失（万元）", "直接经济损失"),
            dict(_LOSS_WAN),
        ),
        _c("burned_forest_ha", "float", False, "受害森林面积(公顷)", "受害森林面积（公顷）"),
    ),
)

ENFORCEMENT = Source(
    name="enforcement",
    kind="record",
    title_zh="执法检查",
    title_en="Enforcement inspections",
    key_columns=("inspection_id",),
    date_column="inspected_on",
    columns=(
        _c("inspection_id", "str", True, "检查编号", "执法检查编号"),
        _c("inspected_on", "date", True, "检查日期"),
        _REGION,
        _c("sector", "str", True, "行业领域", "行业类别"),
        _c("credit_code", "str", False, "统一社会信用代码"),
        _c("inspection_kind", "str", False, "检查方式", "检查类型"),
        _c("hazards_found", "int", True, "发现隐患数", "发现一般隐患数"),
        _c("hazards_major_found", "int", False, "发现重大隐患数", "重大隐患数"),
        _c("hazards_rectified", "int", True, "已整改隐患数", "整改隐患数"),
        _c("penalty", "bool", True, "行政处罚", "是否行政处罚"),
        Column(
            "fine",
            "float",
            False,
            ("罚款金额(万元)", "罚款金额（万元）", "罚款金额"),
            {"罚款金额(元)": 1e-4, "罚款金额（元）": 1e-4, "fine_yuan": 1e-4},
        ),
        _c("suspension", "bool", False, "责令停产整顿"),
        _c("closure", "bool", False, "关闭取缔"),
        _c("judicial_transfer", "bool", False, "移送司法机关", "移送司法"),
    ),
)

# Long interchange format shared by report tables and denominators (DESIGN §3); every release
# of a figure is kept, so the release date is part of the key.
_LONG_KEY = ("region_code", "period", "measure", "released_on")
_LONG = (
    _REGION,
    _c("period", "str", True, "时期", "统计期", "报告期"),
    _c("measure", "str", True, "指标", "指标代码", "指标名称"),
    _c("value", "float", True, "数值", "值"),
    _c("unit", "str", True, "单位", "计量单位"),
    _c("released_on", "date", True, "发布日期", "发布时间"),
    _c("source", "str", True, "来源", "资料来源"),
    _c("note", "str", False, "备注"),
)

# Denominators may be split by sector (工矿商贸 workers by sector, for the sector-mix
# standardisation): an optional `sector` column, part of the key; empty = all sectors, the only
# rows the rates on totals use (stg_raw__denominators), split rows go to stg_raw__denominators_sectors.
DENOMINATORS = Source(
    name="denominators",
    kind="reference",
    title_zh="基础指标",
    title_en="Denominators",
    key_columns=("region_code", "period", "measure", "sector", "released_on"),
    columns=(*_LONG, _c("sector", "str", False, "行业领域", "行业类别")),
)

REPORTS = Source(
    name="reports",
    kind="reference",
    title_zh="统计报表",
    title_en="Report tables (published totals)",
    key_columns=_LONG_KEY,
    columns=_LONG,
)

RECORD_SOURCES: tuple[Source, ...] = (ACCIDENTS, ROAD_TRAFFIC, FIRES, DISASTERS, ENFORCEMENT)
REFERENCE_SOURCES: tuple[Source, ...] = (DENOMINATORS, REPORTS)
ALL_SOURCES: tuple[Source, ...] = RECORD_SOURCES + REFERENCE_SOURCES
SOURCES_BY_NAME = {s.name: s for s in ALL_SOURCES}

# Code lists that files may write in Chinese; canonical values are the English codes.
REPORT_KINDS_ACCIDENT = {"快报": "initial", "补报": "late", "核销": "write_off"}
REPORT_KINDS_DISASTER = {"初报": "initial", "续报": "update", "核报": "final"}
BOOL_TRUE = {"是", "Y", "y", "yes", "Yes", "true", "True", "TRUE", "1", "√"}
BOOL_FALSE = {"否", "N", "n", "no", "No", "false", "False", "FALSE", "0", ""}
