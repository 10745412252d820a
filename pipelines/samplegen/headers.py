"""Column order and the headers each submitting unit writes (canonical English or a Chinese alias).

Every header here must be a canonical column name or an alias in ``pipelines/lib/contracts.py``;
``tests/test_samplegen.py`` checks that.
"""

from __future__ import annotations

from . import spec

COLUMNS = {
    "accidents": (
        "accident_id",
        "occurred_at",
        "region_code",
        "sector",
        "industry_code",
        "category",
        "grade",
        "deaths",
        "missing",
        "serious_injuries",
        "injuries",
        "direct_loss",
        "special_equipment",
        "report_kind",
        "reported_at",
        "write_off_reason",
    ),
    "road_traffic": (
        "accident_id",
        "occurred_at",
        "region_code",
        "deaths",
        "injuries",
        "direct_loss",
        "vehicle_kinds",
        "operating_vehicle",
    ),
    "fires": (
        "fire_id",
        "occurred_at",
        "region_code",
        "place_type",
        "cause",
        "deaths",
        "injuries",
        "direct_loss",
        "grade",
    ),
    "disasters": (
        "event_id",
        "hazard",
        "region_code",
        "started_on",
        "report_kind",
        "reported_at",
        "affected_person_times",
        "deaths",
        "missing",
        "relocated",
        "crop_affected_ha",
        "crop_failed_ha",
        "collapsed_houses",
        "damaged_houses",
        "direct_loss",
        "burned_forest_ha",
    ),
    "enforcement": (
        "inspection_id",
        "inspected_on",
        "region_code",
        "sector",
        "credit_code",
        "inspection_kind",
        "hazards_found",
        "hazards_major_found",
        "hazards_rectified",
        "penalty",
        "fine",
        "suspension",
        "closure",
        "judicial_transfer",
    ),
    "long": ("region_code", "period", "measure", "value", "unit", "released_on", "source", "note"),
    # workers by sector (工矿商贸分行业就业): the long format with the optional sector column
    "long_sector": (
        "region_code",
        "period",
        "measure",
        "sector",
        "value",
        "unit",
        "released_on",
        "source",
        "note",
    ),
}

MONEY = {
    "accidents": ("direct_loss",),
    "road_traffic": ("direct_loss",),
    "fires": ("direct_loss",),
    "disasters": ("direct_loss",),
    "enforcement": ("fine",),
    "long": (),
    "long_sector": (),
}
DECIMALS = {"disasters": ("crop_affected_ha", "crop_failed_ha", "burned_forest_ha")}
BOOLS = {
    "accidents": ("special_equipment",),
    "road_traffic": ("operating_vehicle",),
    "enforcement": ("penalty", "suspension", "closure", "judicial_transfer"),
}

_ZH_DEFAULT = {
    "accidents": {
        "accident_id": "事故编号",
        "occurred_at": "发生时间",
        "region_code": "行政区划代码",
        "sector": "行业领域",
        "industry_code": "国民经济行业代码",
        "category": "事故类别",
        "grade": "事故等级",
        "deaths": "死亡人数",
        "missing": "失踪人数",
        "serious_injuries": "重伤人数",
        "injuries": "受伤人数",
        "direct_loss": "直接经济损失(万元)",
        "special_equipment": "涉及特种设备",
        "report_kind": "报告类型",
        "reported_at": "报告时间",
        "write_off_reason": "核销原因",
    },
    "road_traffic": {
        "accident_id": "事故编号",
        "occurred_at": "发生时间",
        "region_code": "行政区划代码",
        "deaths": "死亡人数",
        "injuries": "受伤人数",
        "direct_loss": "直接财产损失(万元)",
        "vehicle_kinds": "车辆类型",
        "operating_vehicle": "是否营运车辆",
    },
    "fires": {
        "fire_id": "火灾编号",
        "occurred_at": "起火时间",
        "region_code": "行政区划代码",
        "place_type": "起火场所",
        "cause": "起火原因",
        "deaths": "死亡人数",
        "injuries": "受伤人数",
        "direct_loss": "直接财产损失(万元)",
        "grade": "火灾等级",
    },
    "disasters": {
        "event_id": "灾害过程编号",
        "hazard": "灾种",
        "region_code": "行政区划代码",
        "started_on": "开始日期",
        "report_kind": "报告类型",
        "reported_at": "报告时间",
        "affected_person_times": "受灾人口(人次)",
        "deaths": "死亡人口",
        "missing": "失踪人口",
        "relocated": "紧急转移安置人口",
        "crop_affected_ha": "农作物受灾面积(公顷)",
        "crop_failed_ha": "农作物绝收面积(公顷)",
        "collapsed_houses": "倒塌房屋(间)",
        "damaged_houses": "损坏房屋(间)",
        "direct_loss": "直接经济损失(万元)",
        "burned_forest_ha": "受害森林面积(公顷)",
    },
    "enforcement": {
        "inspection_id": "检查编号",
        "inspected_on": "检查日期",
        "region_code": "行政区划代码",
        "sector": "行业领域",
        "credit_code": "统一社会信用代码",
        "inspection_kind": "检查方式",
        "hazards_found": "发现隐患数",
        "hazards_major_found": "发现重大隐患数",
        "hazards_rectified": "已整改隐患数",
        "penalty": "行政处罚",
        "fine": "罚款金额(万元)",
        "suspension": "责令停产整顿",
        "closure": "关闭取缔",
        "judicial_transfer": "移送司法机关",
    },
    "long": {
        "region_code": "行政区划代码",
        "period": "时期",
        "measure": "指标名称",
        "value": "数值",
        "unit": "计量单位",
        "released_on": "发布日期",
        "source": "资料来源",
        "note": "备注",
    },
}
_ZH_DEFAULT["long_sector"] = {**_ZH_DEFAULT["long"], "sector": "行业领域"}

# Per-unit variations: 温州's XLSX forms use the alternative names and full-width brackets, 北碚 the
# short names, and 元-denominated money columns where the unit reports in 元.
_OVERRIDES = {
    ("330300", "accidents"): {
        "occurred_at": "事故发生时间",
        "region_code": "区划代码",
        "sector": "行业类别",
        "industry_code": "行业代码",
        "category": "事故类型",
        "direct_loss": "直接经济损失（万元）",
        "special_equipment": "是否特种设备事故",
        "report_kind": "报送类型",
        "reported_at": "报送时间",
    },
    ("330300", "road_traffic"): {
        "occurred_at": "事故发生时间",
        "region_code": "区划代码",
        "direct_loss": "直接财产损失（万元）",
        "vehicle_kinds": "涉事车辆类型",
        "operating_vehicle": "营运车辆",
    },
    ("330300", "fires"): {"region_code": "区划代码", "direct_loss": "直接财产损失（万元）"},
    ("330300", "disasters"): {
        "event_id": "灾害编号",
        "hazard": "灾害种类",
        "region_code": "区划代码",
        "started_on": "灾害发生日期",
        "report_kind": "报送类型",
        "reported_at": "报送时间",
        "affected_person_times": "受灾人口（人次）",
        "deaths": "死亡人数",
        "missing": "失踪人数",
        "relocated": "紧急转移安置",
        "crop_affected_ha": "农作物受灾面积（公顷）",
        "crop_failed_ha": "农作物绝收面积（公顷）",
        "collapsed_houses": "倒塌房屋（间）",
        "damaged_houses": "损坏房屋（间）",
        "direct_loss": "直接经济损失（万元）",
        "burned_forest_ha": "受害森林面积（公顷）",
    },
    ("330300", "enforcement"): {
        "inspection_id": "执法检查编号",
        "region_code": "区划代码",
        "sector": "行业类别",
        "inspection_kind": "检查类型",
        "hazards_major_found": "重大隐患数",
        "hazards_rectified": "整改隐患数",
        "penalty": "是否行政处罚",
        "fine": "罚款金额(元)",
        "judicial_transfer": "移送司法",
    },
    ("330300", "long"): {"measure": "指标代码", "unit": "单位", "released_on": "发布时间", "source": "来源"},
    ("371521", "accidents"): {"direct_loss": "直接经济损失(元)"},
    ("371521", "road_traffic"): {"direct_loss": "直接财产损失(元)"},
    ("371521", "fires"): {"direct_loss": "直接财产损失(元)"},
    ("371521", "disasters"): {"direct_loss": "直接经济损失(元)"},
    ("371521", "enforcement"): {"fine": "罚款金额（元）"},
    ("371521", "long"): {"measure": "指标代码", "period": "统计期"},
    ("500109", "accidents"): {
        "region_code": "地区代码",
        "industry_code": "行业代码",
        "direct_loss": "直接经济损失",
    },
    ("500109", "road_traffic"): {"region_code": "地区代码", "direct_loss": "直接财产损失"},
    ("500109", "fires"): {"region_code": "地区代码", "direct_loss": "直接财产损失"},
    ("500109", "disasters"): {
        "region_code": "地区代码",
        "direct_loss": "直接经济损失",
        "event_id": "灾害编号",
    },
    ("500109", "enforcement"): {"region_code": "地区代码", "fine": "罚款金额"},
    ("500109", "long"): {"measure": "指标代码", "period": "报告期"},
}

# Units whose money columns are in 元 for a source (the header names 元).
YUAN_MONEY = {("371521", s) for s in ("accidents", "road_traffic", "fires", "disasters", "enforcement")} | {
    ("330300", "enforcement")
}


def headers_for(unit: spec.Unit, source: str, english: bool | None = None) -> list[str]:
    cols = COLUMNS[source]
    if english if english is not None else unit.fmt.headers == "en":
        return list(cols)
    names = dict(_ZH_DEFAULT[source])
    if source == "long_sector":  # the unit's long-format headers, plus its sector header
        names.update(_OVERRIDES.get((unit.code, "long"), {}))
        names["sector"] = _OVERRIDES.get((unit.code, "accidents"), {}).get("sector", "行业领域")
    names.update(_OVERRIDES.get((unit.code, source), {}))
    return [names[c] for c in cols]
