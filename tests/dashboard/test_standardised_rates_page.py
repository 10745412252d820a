"""Issue 16 item 8 on the page: the 安全生产 page shows the 工矿商贸 rate crude and standardised by
sector mix side by side for the sample's regions, with intervals and what the standard is."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboards.standardised_rates import rate_with_interval, side_by_side

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TIMEOUT = 60


def test_side_by_side_formats_rates_with_their_intervals() -> None:
    df = pd.DataFrame(
        {
            "year": [2023, 2023, 2022],
            "region_code": ["A", "B", "A"],
            "region_name_zh": ["甲", None, "甲"],
            "region_name_en": ["Alpha", None, "Alpha"],
            "deaths": [6, 2, 1],
            "workers": [262144.0, None, 1.0],
            "crude_rate": [2.288818359375, math.nan, 1.0],
            "crude_ci_low": [0.84, math.nan, 0.0],
            "crude_ci_high": [4.98, math.nan, 1.0],
            "standardised_rate": [1.9073486328125, math.nan, 1.0],
            "standardised_ci_low": [0.5767779797171053, math.nan, 0.0],
            "standardised_ci_high": [4.953529605493797, math.nan, 1.0],
            "standardisation_status": ["standardised", "missing_sector_workers", "standardised"],
        }
    )
    zh = side_by_side(df, 2023, "zh")
    workers = zh.pop("就业人员(万人)").to_list()
    assert workers[0] == 26.21 and math.isnan(workers[1])  # 262144 persons = 26.21万人; unknown
    assert zh.to_dict("list") == {
        "地区": ["甲", "B"],
        "死亡人数(含失踪)": [6, 2],
        "粗率(95%区间)": ["2.29 (0.84–4.98)", "—"],
        "标化率(95%区间)": ["1.91 (0.58–4.95)", "—"],
        "标化说明": ["已标化", "未标化:缺分行业就业人数"],
    }
    en = side_by_side(df, 2023, "en")
    assert en["Region"].to_list() == ["Alpha", "B"]
    assert rate_with_interval(None, None, None) == "—"


def test_production_safety_page_shows_crude_and_standardised_rates(
    serving_copy: Path, serving_db: duckdb.DuckDBPyConnection
) -> None:
    rows = serving_db.execute(
        "SELECT region_code, crude_rate, crude_ci_low, crude_ci_high, standardised_rate, "
        "standardised_ci_low, standardised_ci_high, standard_name_zh FROM marts.fct_standardised_rates "
        "WHERE year = 2023 ORDER BY region_code"
    ).fetchall()
    assert len(rows) >= 5, "the sample's five submitting units have workers by sector"
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["region"] = "450000"
    at.query_params["period"] = "year:2023"
    at.run()
    at.switch_page("views/production_safety.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(h.value == "工矿商贸十万人死亡率:粗率与按行业构成标化率(2023年)" for h in at.subheader)
    tables = [d.value for d in at.dataframe if "标化率(95%区间)" in d.value.columns]
    assert tables, [list(d.value.columns) for d in at.dataframe]
    shown = tables[0]
    assert len(shown) == len(rows)
    for (_code, cr, cl, ch, sr, sl, sh, _name), (_, row) in zip(rows, shown.iterrows(), strict=True):
        assert row["粗率(95%区间)"] == f"{cr:.2f} ({cl:.2f}–{ch:.2f})"
        assert row["标化率(95%区间)"] == f"{sr:.2f} ({sl:.2f}–{sh:.2f})"
    standard = rows[0][7]
    assert any(c.value.startswith(f"标准人口:{standard}") for c in at.caption)
