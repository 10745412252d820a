"""Target probability: a 下降 target on a five-year count total compares like with like."""

from __future__ import annotations

from pipelines.lib.attainment import target_from_row
from pipelines.lib.projection import History, assess

FLAT = History(years=list(range(2016, 2021)), events=[88.0] * 5, exposure=[1.0] * 5)


def _row(target_kind: str, target_abs: float | None) -> dict[str, object]:
    return {
        "target_id": f"t_{target_kind}",
        "target_kind": target_kind,
        "aggregation": "period_total",
        "plan_period": "2021-2025",
        "target_year": 2025,
        "target_abs": target_abs,
        "baseline_used": 500.0,  # 十三五 five-year total
        "baseline_year": "2016-2020",
        "indicator_kind": "count",
    }


def test_direction_down_on_period_total_compares_per_year_levels() -> None:
    """Baseline 500 over 2016–2020 → 100 a year; 88 a year observed, held constant (Jeffreys):
    rate ~ Gamma(440.5, 1/5), mean 88.1, var 17.6; the 2021–2025 total T has mean 5 × 88.1 = 440.5
    and variance 440.5 + 25 × 17.6 ≈ 880 (sd ≈ 29.7). Met when T/5 < 100, i.e. T ≤ 499:
    P ≈ Φ((499.5 − 440.5)/29.7) = Φ(1.99) ≈ 0.977. Before the fix T (≈ 440) was compared with 100
    and the probability was 0.00."""
    target = target_from_row(_row("direction_down", None))
    assert target.baseline_level == 100.0
    constant = assess(target, FLAT, data_through=2020, constant_only=True)
    assert constant.probability is not None
    assert abs(constant.probability - 0.977) < 0.01
    assert constant.projected_value is not None and abs(constant.projected_value - 440) < 5
    # with the fitted (flat) trend the spread is wider, but still well above one half
    trend = assess(target, FLAT, data_through=2020)
    assert trend.probability is not None and trend.probability > 0.6


def test_reduce_pct_on_period_total_compares_totals() -> None:
    """Baseline total 500, 下降10% → cap 450 on the 2021–2025 total; 88 a year → 440 expected.
    Constant rate as above: P(T ≤ 450) ≈ Φ((450.5 − 440.5)/29.7) = Φ(0.34) ≈ 0.63 > 0.5."""
    target = target_from_row(_row("reduce_pct", 450.0))
    result = assess(target, FLAT, data_through=2020, constant_only=True)
    assert result.probability is not None
    assert 0.55 < result.probability < 0.72
    # four plan years observed at 88 (352): met unless 2025 has more than 98
    history = History(years=list(range(2016, 2025)), events=[88.0] * 9, exposure=[1.0] * 9)
    late = assess(target, history, data_through=2024)
    assert late.probability is not None and late.probability > 0.75
