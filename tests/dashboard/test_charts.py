"""Pure tests of the plotly figure builders and the KPI card logic (no Streamlit, no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import charts
from dashboards.cards import card_model, pick_cards, primary_targets
from pipelines.lib import poisson


def _series() -> pd.DataFrame:
    rows = []
    for y in range(2016, 2024):
        rows.append(
            {
                "period_type": "year",
                "period": str(y),
                "year": y,
                "quarter": None,
                "value": 100.0 - 5 * (y - 2016),
                "unit": "人",
                "unit_en": "persons",
                "indicator_kind": "count",
                "completeness": "complete",
                "coverage_k": None,
                "coverage_n": None,
                "yoy_pct": -5.0,
                "yoy_break": y == 2021,
                "break_note_zh": "2021年起口径调整" if y == 2021 else None,
                "break_note_en": "re-scoped" if y == 2021 else None,
                "released_on": f"{y + 1}-02-01",
            }
        )
        for q in range(1, 5):
            rows.append(
                {
                    "period_type": "quarter",
                    "period": f"{y}Q{q}",
                    "year": y,
                    "quarter": q,
                    "value": 25.0,
                    "unit": "人",
                    "unit_en": "persons",
                    "indicator_kind": "count",
                    "completeness": "partial" if y == 2023 else "complete",
                    "coverage_k": 1,
                    "coverage_n": 3,
                    "yoy_pct": None,
                    "yoy_break": False,
                    "break_note_zh": None,
                    "break_note_en": None,
                    "released_on": f"{y}-12-01",
                }
            )
    return pd.DataFrame(rows)


def _names(fig: go.Figure) -> list[str]:
    return [tr.name for tr in fig.data if tr.name]


FYP14 = {
    "fyp_period": "2021-2025",
    "fyp_name_zh": "“十四五”",
    "fyp_name_en": "14th Five-Year Plan",
    "fyp_first_year": 2021,
    "fyp_last_year": 2025,
}


def test_plan_trend_with_path_target_band_and_break() -> None:
    # a fct_plan_progress row: the chart draws its annual levels and path as they are
    target = {
        "target_kind": "reduce_pct",
        "aggregation": "final_year",
        "plan_period": "2021-2025",
        "baseline_year": "2020",
        "baseline_first_year": 2020,
        "baseline_last_year": 2020,
        "baseline_annual": 80.0,
        "target_annual": 60.0,
        "per_year_equivalent": False,
        "path_start_year": 2020,
        "path_start_value": 80.0,
        "path_end_year": 2025,
        "path_end_value": 60.0,
        "target_year": 2025,
        **FYP14,
    }
    fig = charts.plan_trend_figure(_series(), target, lang="zh", title="生产安全事故死亡人数")
    names = _names(fig)
    for expected in ("年度", "季度", "基期", "规划路径", "目标", "口径变化"):
        assert expected in names, names
    path = next(tr for tr in fig.data if tr.name == "规划路径")
    assert list(path.y) == [80.0, 60.0]
    # the plan period is shaded in both rows and named from the mart; the break has a vertical line
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2 and str(rects[0].x0).startswith("2021") and str(rects[0].x1).startswith("2025")
    assert "“十四五”规划期" in [a.text for a in fig.layout.annotations]
    assert any(s.type == "line" for s in fig.layout.shapes)
    brk = next(tr for tr in fig.data if tr.name == "口径变化")
    assert list(brk.text) == ["2021年起口径调整"]
    # partial quarters are grey, complete ones blue
    bars = next(tr for tr in fig.data if isinstance(tr, go.Bar))
    assert "#d0d7de" in list(bars.marker.color) and charts.COLOR_QUARTER in list(bars.marker.color)


def test_plan_trend_period_total_is_shown_per_year() -> None:
    target = {
        "target_kind": "reduce_pct",
        "aggregation": "period_total",
        "plan_period": "2021-2025",
        "baseline_year": "2016-2020",
        "baseline_first_year": 2016,
        "baseline_last_year": 2020,
        "baseline_annual": 16.0 / 5,
        "target_annual": 10.4 / 5,
        "per_year_equivalent": True,
        "path_start_year": None,
        "target_year": 2025,
        **FYP14,
    }
    fig = charts.plan_trend_figure(_series(), target, lang="en")
    names = _names(fig)
    assert "Cumulative cap per year" in names and "Plan path" not in names
    cap = next(tr for tr in fig.data if tr.name == "Cumulative cap per year")
    assert list(cap.y) == [10.4 / 5] * 2 and str(cap.x[0]) == "2021-01-01" and str(cap.x[1]) == "2025-12-31"
    baseline = next(tr for tr in fig.data if tr.name == "Baseline")
    assert list(baseline.y) == [16.0 / 5] * 2 and str(baseline.x[0]) == "2016-01-01"
    assert "14th Five-Year Plan period" in [a.text for a in fig.layout.annotations]


def test_direction_and_zero_targets() -> None:
    # direction_down: no target line; zero: a line at 0
    down = {"target_kind": "direction_down", "target_annual": None, "target_year": 2025, **FYP14}
    assert not any(tr.name == "目标" for tr in charts.plan_trend_figure(_series(), down).data)
    zero = {"target_kind": "zero", "target_annual": 0.0, "target_year": 2025, **FYP14}
    line = next(tr for tr in charts.plan_trend_figure(_series(), zero).data if tr.name == "目标")
    assert list(line.y) == [0.0, 0.0]


def test_plan_band_from_target_else_current_plan() -> None:
    assert charts.plan_band(None) is None
    current = charts.plan_band(None, FYP14)
    assert current == charts.PlanBand(2021, 2025, "“十四五”", "14th Five-Year Plan")
    fyp13 = {**FYP14, "fyp_first_year": 2016, "fyp_last_year": 2020, "fyp_name_zh": "“十三五”"}
    assert charts.plan_band(fyp13, FYP14) == charts.PlanBand(2016, 2020, "“十三五”", "14th Five-Year Plan")
    # no target of its own: the registry's current plan is shaded; nothing without one
    fig = charts.plan_trend_figure(_series(), None, plan=FYP14)
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == 2
    assert not [s for s in charts.plan_trend_figure(_series(), None).layout.shapes if s.type == "rect"]


def test_status_labels_come_from_the_seed() -> None:
    from dashboards.i18n import STATUS_COLORS, STATUS_HEX
    from pipelines.lib.plan_statuses import plan_statuses, status_label

    assert list(plan_statuses())[:4] == ["met", "on_track", "at_risk", "off_track"]
    assert (status_label("at_risk"), status_label("at_risk", "en")) == ("有风险", "At risk")
    assert status_label("unknown") == "unknown" and status_label(None) == ""
    assert set(plan_statuses()) == set(STATUS_COLORS) == set(STATUS_HEX)  # every status has its colours
    fig = charts.status_figure(
        pd.DataFrame({"status": ["off_track", "met", "not_tracked", "met"]}), lang="en"
    )
    assert list(fig.data[0].y) == ["Met", "Off track"] and list(fig.data[0].x) == [2, 1]


def _children() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "region_code": "A",
                "region_name_zh": "甲县",
                "region_name_en": "A",
                "value": 0.5,
                "unit": "人/亿元",
                "unit_en": "x",
                "indicator_kind": "rate",
                "numerator": 1.0,
                "completeness": "complete",
                "yoy_pct": 100.0,
                "yoy_abs": 0.25,
                "better": "lower",
            },
            {
                "region_code": "B",
                "region_name_zh": "乙县",
                "region_name_en": "B",
                "value": 0.1,
                "unit": "人/亿元",
                "unit_en": "x",
                "indicator_kind": "rate",
                "numerator": 40.0,
                "completeness": "complete",
                "yoy_pct": -20.0,
                "yoy_abs": -0.025,
                "better": "lower",
            },
            {
                "region_code": "C",
                "region_name_zh": "丙县",
                "region_name_en": "C",
                "value": None,
                "unit": "人/亿元",
                "unit_en": "x",
                "indicator_kind": "rate",
                "numerator": 3.0,
                "completeness": "partial",
                "coverage_k": 1,
                "coverage_n": 4,
                "yoy_pct": None,
                "yoy_abs": None,
                "better": "lower",
            },
        ]
    )


def test_ranking_writes_counts_beside_rates() -> None:
    fig = charts.ranking_figure(_children(), lang="zh", count_unit="人")
    bar = fig.data[0]
    assert list(bar.y) == ["乙县", "甲县"]  # ascending: the largest at the top; null rates left out
    assert list(bar.text) == ["0.10人/亿元(40人)", "0.50人/亿元(1人)"]


def test_change_colours_follow_better_direction() -> None:
    fig = charts.change_figure(_children(), lang="zh")
    bar = fig.data[0]
    assert list(bar.y) == ["乙县", "甲县"]
    assert list(bar.marker.color) == [charts.COLOR_GOOD, charts.COLOR_BAD]
    assert list(bar.text) == ["−20.0%", "+100.0%"]
    assert bar.customdata[0] == "−20.0% (−0.025人/亿元)"


def test_small_multiples_grade_and_heatmap() -> None:
    annual = pd.DataFrame(
        [
            {
                "indicator_code": c,
                "indicator_name_zh": c,
                "indicator_name_en": c,
                "unit": "起",
                "unit_en": "x",
                "year": y,
                "value": v,
                "completeness": "complete",
                "yoy_break": False,
                "prev5_mean": None,
                "yoy_pct": None,
            }
            for c, v in (
                ("ps_accidents", 100.0),
                ("ps_accidents_larger_plus", 6.0),
                ("ps_accidents_larger", 5.0),
                ("ps_accidents_major", 1.0),
                ("ps_accidents_extraordinary", 0.0),
            )
            for y in (2020, 2021)
        ]
    )
    fig = charts.small_multiples(annual, ["ps_accidents", "ps_accidents_larger", "missing_code"], lang="zh")
    assert len(fig.data) == 2
    grades = charts.grade_figure(annual, lang="zh")
    ordinary = next(tr for tr in grades.data if tr.name == "一般")
    assert list(ordinary.y) == [94.0, 94.0]
    summary = pd.DataFrame(
        [
            {"source": "accidents", "quarter": "2021", "files": 2, "rows_accepted": 10, "rows_rejected": 1},
            {"source": "fires", "quarter": "2022", "files": 1, "rows_accepted": 5, "rows_rejected": 0},
        ]
    )
    heat = charts.load_heatmap(summary, lang="en")
    assert [list(r) for r in heat.data[0].z] == [[2.0, None], [None, 1.0]]


def test_png_export_config() -> None:
    cfg = charts.plotly_config("plan_450000_ps_deaths")
    assert cfg["toImageButtonOptions"]["format"] == "png"
    assert cfg["toImageButtonOptions"]["filename"] == "plan_450000_ps_deaths"


def _plan() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "target_id": "a",
                "indicator_code": "fire_deaths_per_100k_pop",
                "binding": "预期性",
                "status": "met",
                "target_kind": "absolute_max",
                "display_order": 14,
                "unit": "人/十万人",
                "target_abs": 0.25,
                "target_year": 2025,
            },
            {
                "target_id": "b",
                "indicator_code": "ps_deaths",
                "binding": "约束性",
                "status": "off_track",
                "target_kind": "reduce_pct",
                "display_order": 20,
                "unit": "人",
                "target_abs": 10.4,
                "target_value": 35,
                "target_year": 2025,
                "aggregation": "period_total",
                "status_rule_zh": "规则",
                "current_value": 12.0,
                "current_year": 2025,
            },
            {
                "target_id": "c",
                "indicator_code": "ps_deaths",
                "binding": None,
                "status": "on_track",
                "target_kind": "direction_down",
                "display_order": 20,
            },
            {
                "target_id": "d",
                "indicator_code": None,
                "binding": "约束性",
                "status": "not_tracked",
                "target_kind": "absolute_min",
            },
        ]
    )


def _noise(n1: float, n0: float) -> dict[str, object]:
    """The interval and 同比 test columns as the warehouse computes them (pipelines.lib.poisson)."""
    lo, hi = poisson.poisson_limits([n1])
    rr = poisson.rate_ratio_test([n1], [1.0], [n0], [1.0])
    p = float(rr.p_value[0])
    return {
        "ci_low": float(lo[0]),
        "ci_high": float(hi[0]),
        "yoy_rate_ratio": n1 / n0,
        "yoy_rr_low": float(rr.low[0]),
        "yoy_rr_high": float(rr.high[0]),
        "yoy_p_value": p,
        "yoy_signal": "significant" if p < 0.05 else "within_noise",
    }


def _values() -> pd.DataFrame:
    base = {
        "period_type": "ytd",
        "period": "2021Q4",
        "unit": "人",
        "unit_en": "persons",
        "completeness": "complete",
        "better": "lower",
        "value_source": "records",
        "released_on": "2022-01-20",
        "break_flag": False,
    }
    return pd.DataFrame(
        [
            {
                **base,
                "indicator_code": "ps_deaths",
                "indicator_name_zh": "生产安全事故死亡人数",
                "indicator_name_en": "Deaths",
                "indicator_kind": "count",
                "value": 1526.0,
                "yoy_base_value": 1859.0,
                "yoy_pct": -17.912856374394835,
                "yoy_abs": -333.0,
                "headline": True,
                "display_order": 20,
                **_noise(1526, 1859),
            },
            {
                **base,
                "indicator_code": "ps_deaths_per_100m_gdp",
                "indicator_name_zh": "亿元GDP死亡率",
                "indicator_name_en": "Rate",
                "indicator_kind": "rate",
                "value": None,
                "completeness": "partial",
                "coverage_k": 1,
                "coverage_n": 9,
                "yoy_pct": None,
                "yoy_abs": None,
                "headline": True,
                "display_order": 11,
            },
            {
                **base,
                "indicator_code": "ps_accidents",
                "indicator_name_zh": "生产安全事故起数",
                "indicator_name_en": "Accidents",
                "indicator_kind": "count",
                "value": 1986.0,
                "yoy_base_value": 1966.0,
                "yoy_pct": 1.0,
                "yoy_abs": 20.0,
                "headline": True,
                "display_order": 10,
                **_noise(1986, 1966),
            },
            {
                **base,
                "period_type": "year",
                "period": "2021",
                "indicator_code": "fire_deaths_per_100k_pop",
                "indicator_name_zh": "火灾十万人口死亡率",
                "indicator_name_en": "Fire",
                "indicator_kind": "rate",
                "value": 0.09,
                "unit": "人/10万人口",
                "yoy_pct": None,
                "yoy_abs": None,
                "headline": True,
                "display_order": 14,
            },
        ]
    )


def test_cards_binding_targets_first_then_headline_counts_then_rates() -> None:
    targets = primary_targets(_plan())
    assert targets["ps_deaths"]["target_id"] == "b"  # 约束性 numeric target before the direction-only one
    cards = pick_cards(_values(), _plan(), "ytd", "2021Q4")
    assert [c for c, _, _ in cards] == [
        "ps_deaths",
        "fire_deaths_per_100k_pop",
        "ps_accidents",
        "ps_deaths_per_100m_gdp",
    ]
    # the annual-only indicator falls back to the full year for a Q4 year-to-date period
    fire_row = cards[1][1]
    assert fire_row is not None and fire_row["period"] == "2021" and fire_row["_fallback_year"]


def test_card_model_kpi_texts() -> None:
    cards = {c: (r, tg) for c, r, tg in pick_cards(_values(), _plan(), "ytd", "2021Q4")}
    m = card_model("ps_deaths", *cards["ps_deaths"], lang="zh")
    assert m.value == "1526人"
    assert m.delta == "−17.9%(−333人)"
    assert (m.delta_color, m.delta_arrow) == ("green", "down")
    assert m.target == "规划期累计≤10.4人(下降35%)(2025年)"
    assert (m.status_label, m.status_color, m.status_rule) == ("偏离", "red", "规则")
    assert m.binding == "约束性"
    partial = card_model("ps_deaths_per_100m_gdp", *cards["ps_deaths_per_100m_gdp"], lang="zh")
    assert partial.value == "部分(1/9) —" and partial.partial
    assert any("仅 1/9 个" in n for n in partial.notes)
    fire = card_model("fire_deaths_per_100k_pop", *cards["fire_deaths_per_100k_pop"], lang="en")
    assert "full year shown" in fire.period_note and fire.status_label == "Met"
    up = card_model("ps_accidents", *cards["ps_accidents"], lang="zh")
    # +20 on ~2000 accidents is within chance variation: greyed, not red; −333 on 1859 deaths is not
    assert (up.delta_color, up.delta_arrow, up.noise) == ("gray", "up", "within_noise")
    assert any("随机波动" in n for n in up.notes)
    assert "随机波动" in up.help and "95%置信区间:1900人 – 2075人" in up.help
    assert not any("随机波动" in n for n in m.notes)
    assert m.noise == "significant" and "p = < 0.001" in m.help
    assert "同比率比 0.82(95%区间 0.77 – 0.88" in m.help


def test_contribution_orders_by_absolute_change() -> None:
    df = pd.DataFrame(
        [
            {
                "region_name_zh": n,
                "region_name_en": n,
                "yoy_abs": a,
                "yoy_pct": p,
                "unit": "人",
                "unit_en": "persons",
                "better": "lower",
            }
            for n, a, p in (("甲", -40.0, -20.0), ("乙", 5.0, 50.0), ("丙", -1.0, -1.0), ("丁", None, None))
        ]
    )
    fig = charts.contribution_figure(df, lang="zh", top=2)
    bar = fig.data[0]
    assert list(bar.y) == ["甲", "乙"]  # the two largest absolute changes, most negative first
    assert list(bar.text) == ["−40人", "+5人"]
    assert list(bar.customdata) == ["−40人 (−20.0%)", "+5人 (+50.0%)"]
    assert list(bar.marker.color) == [charts.COLOR_GOOD, charts.COLOR_BAD]


def test_axis_scale_uses_wan_and_yi() -> None:
    assert charts.axis_scale([130_000_000, 90_000_000], "人次") == (1e4, "万人次")
    assert charts.axis_scale([2.5e9], "人次") == (1e8, "亿人次")
    assert charts.axis_scale([150_000.0], "万元") == (1e4, "亿元")
    assert charts.axis_scale([1526, None], "人") == (1.0, "人")
    assert charts.axis_scale([150_000.0], "万元", "en") == (1e5, "billion yuan")
    assert charts.axis_scale([2_000_000], "人次", "en", "person-times") == (1e6, "million person-times")


def _breakdown_rows() -> pd.DataFrame:
    rows = []
    for code, name, acc, deaths, completeness in (
        ("ordinary", "一般", 1974.0, 1500.0, "complete"),
        ("larger", "较大", 12.0, 40.0, "complete"),
        ("major", "重大", 0.0, 0.0, "partial"),
    ):
        for measure, mname, unit, value in (
            ("ps_accidents", "生产安全事故起数", "起", acc),
            ("ps_deaths", "生产安全事故死亡人数(含失踪)", "人", deaths),
        ):
            rows.append(
                {
                    "category_code": code,
                    "category_name_zh": name,
                    "category_name_en": code.title(),
                    "measure_code": measure,
                    "measure_name_zh": mname,
                    "measure_name_en": measure,
                    "value": value,
                    "unit": unit,
                    "completeness": completeness,
                    "coverage_k": 1 if completeness == "partial" else None,
                    "coverage_n": 2 if completeness == "partial" else None,
                    "yoy_pct": -20.0 if code == "larger" else None,
                    "released_on": "2022-03-05",
                }
            )
    return pd.DataFrame(rows)


def test_breakdown_figure_and_table_in_grade_order() -> None:
    from dashboards.domain import GRADE_ORDER, PS_MEASURES, Breakdown, breakdown_table

    df = _breakdown_rows()
    fig = charts.breakdown_figure(df, list(PS_MEASURES), lang="zh", order=GRADE_ORDER)
    assert len(fig.data) == 2
    bars = fig.data[0]
    assert list(bars.y) == ["重大", "较大", "一般"]  # drawn bottom-up: 一般 on top
    assert list(bars.x) == [0.0, 12.0, 1974.0]
    assert bars.marker.color[0] == "#afb8c1"  # partial in grey …
    assert bars.text[0].startswith("部分(1/2)")  # … and labelled k/n
    table = breakdown_table(df, Breakdown("grade", PS_MEASURES, order=GRADE_ORDER), "zh")
    assert list(table["事故等级"]) == ["一般", "较大", "重大"]
    assert list(table["生产安全事故起数"])[:2] == ["1974起", "12起"]
    assert list(table["生产安全事故起数 · 同比%"]) == ["—", "−20.0%", "—"]
    # months are calendar-ordered vertical bars
    months = df.assign(
        category_code=df["category_code"].map({"ordinary": "01", "larger": "02", "major": "12"})
    )
    mfig = charts.breakdown_figure(months, ["ps_accidents"], lang="en", vertical=True)
    assert list(mfig.data[0].x) == ["Ordinary", "Larger", "Major"]


def test_break_notes_fall_between_base_and_period_end() -> None:
    from dashboards.domain import break_notes

    breaks = pd.DataFrame(
        [
            {
                "measure_code": "fire_count",
                "effective_from": "2021-01-01",
                "restated_base": False,
                "note_zh": "2021年起口径调整",
                "note_en": "re-scoped 2021",
            },
            {
                "measure_code": "fire_deaths",
                "effective_from": "2025-05-01",
                "restated_base": False,
                "note_zh": "死亡统计时限延长",
                "note_en": "window extended",
            },
        ]
    )
    assert break_notes(breaks, ("fire_count",), "year", "2021", "zh") == "2021年起口径调整"
    assert break_notes(breaks, ("fire_count",), "year", "2022", "zh") == ""
    assert break_notes(breaks, ("fire_count", "fire_deaths"), "ytd", "2025Q1", "en") == ""
    assert break_notes(breaks, ("fire_count", "fire_deaths"), "ytd", "2025Q2", "en") == "window extended"


def _funnel_children(values: list[tuple[str, float, float]], partial: int = 0) -> pd.DataFrame:
    rows = [
        {
            "region_code": code,
            "region_name_zh": code,
            "region_name_en": code,
            "value": n * 1e5 / d,
            "numerator": n,
            "denominator": d,
            "unit": "人/10万人口",
            "unit_en": "per 100k",
            "completeness": "complete",
            "better": "lower",
        }
        for code, n, d in values
    ]
    rows += [
        {**rows[0], "region_code": f"P{i}", "value": None, "completeness": "partial"} for i in range(partial)
    ]
    return pd.DataFrame(rows)


def test_funnel_plot_limits_around_the_parent_and_flags() -> None:
    children = _funnel_children(
        [("A", 20, 1e6), ("B", 3, 2e5), ("C", 9, 4e5), ("D", 45, 1e6), ("E", 41, 2e6)], partial=1
    )
    parent = {"numerator": 118, "denominator": 4.6e6, "unit": "人/10万人口", "region_name_zh": "上级"}
    f = charts.funnel_figure(children, parent, 1e5, lang="zh", denominator_unit="人")
    theta = 118 / 4.6e6 * 1e5
    assert f.theta == pytest.approx(theta) and f.excluded == 1
    names = [tr.name for tr in f.figure.data]
    assert names.count("95% 控制限") == 2 and names.count("99.8% 控制限") == 2
    points = f.figure.data[-1]
    colors = dict(zip(points.text, points.marker.color, strict=True))
    # D: 45 deaths where 1e6 × θ ≈ 25.7 are expected — beyond the 99.8% limit, and worse
    assert colors["D"] == charts.COLOR_BAD
    assert colors["C"] == charts.COLOR_MAIN  # 9 where 11.6 expected: chance
    # not over-dispersed: the drawn limits are the exact Poisson ones (exposure = denominator ÷ scale)
    assert f.overdispersion is not None and f.overdispersion.n_units == 5
    assert not f.overdispersion.overdispersed
    upper_95 = next(tr for tr in f.figure.data if tr.name == "95% 控制限")
    assert f.figure.layout.xaxis.title.text == "分母(万人,对数刻度)"  # x in 万人: exposure = x·1e4/scale
    exact = poisson.funnel_limits(theta, np.asarray(upper_95.x) * 1e4 / 1e5, 0.95)[1]
    assert np.allclose(upper_95.y, exact)


def test_funnel_widens_limits_when_regions_are_overdispersed() -> None:
    rng = np.random.default_rng(3)
    den = rng.uniform(2e5, 3e6, 30)
    counts = rng.poisson(3e-5 * den * rng.gamma(2, 0.5, 30))
    children = _funnel_children(
        [(f"R{i}", float(n), float(d)) for i, (n, d) in enumerate(zip(counts, den, strict=True))]
    )
    parent = {"numerator": float(counts.sum()), "denominator": float(den.sum()), "unit": "人/10万人口"}
    f = charts.funnel_figure(children, parent, 1e5, denominator_unit="人")
    assert f.overdispersion is not None and f.overdispersion.overdispersed
    upper_998 = next(tr for tr in f.figure.data if tr.name == "99.8% 控制限")
    exact_hi = poisson.funnel_limits(f.theta, np.asarray(upper_998.x) * 1e4 / 1e5, 0.998)[1]
    assert np.all(np.asarray(upper_998.y) > exact_hi)


def test_projection_fan_bands_and_median() -> None:
    fig = charts.plan_trend_figure(_series(), None, lang="zh")
    before = len(fig.data)
    fan = pd.DataFrame(
        [
            {"year": 2023, "expected": 65.0, "p05": 65.0, "p25": 65.0, "p50": 65.0, "p75": 65.0, "p95": 65.0},
            {"year": 2024, "expected": 61.0, "p05": 48.0, "p25": 55.0, "p50": 61.0, "p75": 66.0, "p95": 75.0},
            {"year": 2025, "expected": 58.0, "p05": 42.0, "p25": 51.0, "p50": 57.0, "p75": 64.0, "p95": 76.0},
        ]
    )
    fig = charts.add_projection_fan(fig, fan, lang="zh", data_through=2023)
    added = fig.data[before:]
    assert [tr.name for tr in added if tr.name] == [
        "预测90%区间",
        "预测50%区间",
        "预测区间(据2023年及以前数据)",
    ]
    band90 = next(tr for tr in added if tr.name == "预测90%区间")
    assert band90.fill == "tonexty" and list(band90.y) == [65.0, 48.0, 42.0]
    assert list(added[-1].y) == [65.0, 61.0, 57.0]
