"""Pure tests: number formatting (万, 亿, ‰, units), period labels, labels in both languages."""

from __future__ import annotations

import math

import pytest

from dashboards import formatting as f
from dashboards.i18n import LABELS, t


@pytest.mark.parametrize(
    ("value", "unit", "zh", "en"),
    [
        (1526, "人", "1526人", "1,526 persons"),
        (15260, "人", "1.53万人", "15,260 persons"),
        (130_000_000, "人次", "1.3亿人次", "130 million persons"),
        (0.02534, "人/亿元", "0.0253人/亿元", "0.0253 persons"),
        (0.45, "‰", "0.45‰", "0.45‰"),
        (12.34, "%", "12.3%", "12.3%"),
        (3500, "万元", "3500万元", "35 million yuan"),
        (44024.0, "万元", "4.4亿元", "440 million yuan"),
        (272.0, "起", "272起", "272 persons"),
        (32.666, "人", "32.7人", "32.7 persons"),
        (0, "人", "0人", "0 persons"),
    ],
)
def test_format_value(value: float, unit: str, zh: str, en: str) -> None:
    assert f.format_value(value, unit, "zh") == zh
    assert f.format_value(value, unit, "en", "persons") == en


def test_missing_values_are_a_dash() -> None:
    for v in (None, math.nan, float("nan")):
        assert f.format_value(v, "人") == f.EM_DASH
        assert f.format_pct_change(v) == f.EM_DASH
        assert f.format_signed(v, "人") == f.EM_DASH


def test_changes_use_a_true_minus_sign() -> None:
    assert f.format_pct_change(-17.912856374394835) == "−17.9%"
    assert f.format_pct_change(3) == "+3.0%"
    assert f.format_pct_change(-0.01) == "0.0%"
    assert f.format_signed(-333, "人") == "−333人"
    assert f.format_signed(12, "起") == "+12起"
    assert f.format_signed(-0.007382, "人/亿元") == "−0.00738人/亿元"


def test_partial_values_never_look_like_totals() -> None:
    row = {"value": 3.0, "unit": "人", "completeness": "partial", "coverage_k": 1, "coverage_n": 9}
    assert f.format_indicator_value(row) == "部分(1/9) 3人"
    assert f.format_indicator_value(row, "en") == "partial (1/9) 3 persons"
    rate = {"value": None, "unit": "人/亿元", "completeness": "partial", "coverage_k": 0, "coverage_n": 31}
    assert f.format_indicator_value(rate) == "部分(0/31) —"
    full = {**row, "completeness": "complete"}
    assert f.format_indicator_value(full) == "3人"


def test_period_labels() -> None:
    assert f.period_label("ytd", "2021Q3") == "2021年1-9月"
    assert f.period_label("ytd", "2021Q4", "en") == "Jan–Dec 2021"
    assert f.period_label("quarter", "2021Q2") == "2021年第2季度"
    assert f.period_label("year", "2021") == "2021年"


def test_direction_colour_follows_better() -> None:
    assert f.direction_color(-5, "lower") == "green"
    assert f.direction_color(5, "lower") == "red"
    assert f.direction_color(5, "higher") == "green"
    assert f.direction_color(0, "lower") == "gray"
    assert f.direction_color(None, "lower") == "gray"


def test_target_text() -> None:
    reduce = {
        "target_kind": "reduce_pct",
        "unit": "起",
        "target_abs": 10.4,
        "target_value": 35,
        "target_year": 2025,
        "aggregation": "period_total",
    }
    assert f.target_text(reduce) == "规划期累计≤10.4起(下降35%)(2025年)"
    cap = {
        "target_kind": "absolute_max",
        "unit": "‰",
        "target_abs": 0.45,
        "target_year": 2025,
        "aggregation": "annual_mean",
    }
    assert f.target_text(cap) == "年均≤0.45‰(2025年)"
    big = {"target_kind": "absolute_max", "unit": "人次/十万人", "target_abs": 15000, "target_year": 2025}
    assert f.target_text(big) == "≤1.5万人次/十万人(2025年)"
    assert (
        f.target_text({"target_kind": "zero", "unit": "起", "target_abs": 0, "target_year": 2025})
        == "=0(2025年)"
    )
    assert f.target_text({"target_kind": "direction_down", "target_year": 2025}) == "持续下降(2025年)"
    assert f.target_text(
        {"target_kind": "absolute_min", "unit": "%", "target_abs": 90, "target_year": 2025}, "en"
    ) == ("≥90% (2025)")


def test_every_label_has_both_languages() -> None:
    for key, (zh, en) in LABELS.items():
        assert zh and en, key
    assert t("page_overview") == "总览"
    assert t("page_overview", "en") == "Overview"
    assert "合成样例数据" in t("sample_banner") and "SYNTHETIC SAMPLE" in t("sample_banner")
