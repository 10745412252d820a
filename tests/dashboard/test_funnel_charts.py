"""The funnel plot of a proportion (隐患整改率): exact binomial limits, never above 100%, and the
caption notes of the regions page for each kind of funnel (dashboards/views/regions.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboards import charts
from pipelines.lib import poisson, proportions

# (region, rectified, found)
HAZARDS = [
    ("A", 45, 50),
    ("B", 30, 50),  # 60% where 90% is the norm: far below the 99.8% limit (73.99% at n = 50)
    ("C", 180, 200),
    ("D", 89, 100),
    ("E", 362, 400),
    ("F", 90, 100),
    ("G", 271, 300),
    ("H", 50, 50),  # 100% at n = 50: above the 99.8% upper limit (99.61%), and better
    ("I", 135, 150),
    ("J", 450, 500),
]


def _children(values: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "region_code": code,
                "region_name_zh": code,
                "region_name_en": code,
                "value": y * 100 / n,
                "numerator": y,
                "denominator": n,
                "unit": "%",
                "unit_en": "%",
                "completeness": "complete",
                "better": "higher",
            }
            for code, y, n in values
        ]
    )


def test_proportion_funnel_draws_exact_binomial_limits() -> None:
    parent = {"numerator": 900, "denominator": 1000, "unit": "%", "region_name_zh": "上级"}
    f = charts.funnel_figure(
        _children(HAZARDS), parent, 100, lang="zh", denominator_unit="项", count_unit="项", model="binomial"
    )
    assert f.model == "binomial" and f.theta == pytest.approx(90.0)
    assert f.overdispersion is not None and not f.overdispersion.overdispersed
    upper = next(tr for tr in f.figure.data if tr.name == "99.8% 控制限")
    lower = [tr for tr in f.figure.data if tr.name == "99.8% 控制限"][1]
    assert f.figure.layout.xaxis.title.text == "分母(项,对数刻度)"  # x is the count found itself
    exact_hi = proportions.funnel_limits(0.9, np.asarray(upper.x), 0.998)[1] * 100
    assert np.allclose(upper.y, exact_hi)
    assert max(upper.y) <= 100.0  # a proportion's limit never passes 100%
    assert np.allclose(lower.y, proportions.funnel_limits(0.9, np.asarray(lower.x), 0.998)[0] * 100)
    # the Poisson limits at the smallest n on the plot would pass 100%: these are not them
    n_min = float(np.min(upper.x))
    assert poisson.funnel_limits(90.0, [n_min / 100], 0.998)[1][0] > 100
    points = f.figure.data[-1]
    colors = dict(zip(points.text, points.marker.color, strict=True))
    assert colors["B"] == charts.COLOR_BAD  # low rectification is worse
    assert colors["H"] == charts.COLOR_GOOD
    assert colors["A"] == colors["J"] == charts.COLOR_MAIN
    # y axis: the band the limits span, not 0–110%
    lo_axis, hi_axis = f.figure.layout.yaxis.range
    assert 50 < lo_axis < 60 and 100 < hi_axis < 103


def test_proportion_funnel_widens_when_regions_are_overdispersed() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(40, 600, 30)
    p = np.clip(rng.normal(0.9, 0.06, 30), 0, 1)
    y = rng.binomial(n, p)
    values = [(f"R{i}", int(a), int(b)) for i, (a, b) in enumerate(zip(y, n, strict=True))]
    parent = {"numerator": int(y.sum()), "denominator": int(n.sum()), "unit": "%"}
    f = charts.funnel_figure(_children(values), parent, 100, model="binomial")
    od = f.overdispersion
    assert od is not None and od.overdispersed and od.tau2 > 0
    upper = next(tr for tr in f.figure.data if tr.name == "99.8% 控制限")
    p0 = y.sum() / n.sum()
    widened = proportions.funnel_limits_overdispersed(p0, np.asarray(upper.x), 0.998, od.tau2)[1] * 100
    assert np.allclose(upper.y, widened)
