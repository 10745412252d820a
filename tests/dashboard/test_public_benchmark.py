"""The 全国 benchmark from the public layer (dashboards.public_benchmark): read from its own
serving copy (SAFETY_PUBLIC_SERVING), drawn as one dashed grey line on the plan trend chart,
absent without a copy. The AppTest is slow (it reads the sample's serving copy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import charts, public_benchmark
from tests.dashboard.test_apptest import APP, TIMEOUT, assert_no_exception
from tests.dashboard.test_charts import _series

NAME = "全国(公开数据) · China (public data)"
CAPTION = "灰色虚线为全国公开数据(真实数据,来源见 raw/public/SOURCES.md),仅作参照;样本数据为合成数据。"


def write_public_copy(path: Path, indicators: list[str]) -> None:
    """A tiny stand-in for the public serving copy: 全国 annual values of `indicators` for 2019
    and 2020, a quarter (never a benchmark) and another region's year (never the benchmark)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        """CREATE TABLE marts.fct_indicator_values (region_code VARCHAR, indicator_code VARCHAR,
        period_type VARCHAR, year INTEGER, value DOUBLE, unit VARCHAR, unit_en VARCHAR,
        numerator DOUBLE, denominator DOUBLE, released_on DATE)"""
    )
    for code in indicators:
        con.executemany(
            "INSERT INTO marts.fct_indicator_values VALUES (?, ?, ?, ?, ?, '人', 'persons', ?, NULL, ?)",
            [
                ["000000", code, "year", 2020, 27412.0, 27412.0, "2021-02-28"],
                ["000000", code, "year", 2019, 29519.0, 29519.0, "2020-02-28"],
                ["000000", code, "quarter", 2020, 7000.0, 7000.0, "2020-06-30"],
                ["110000", code, "year", 2020, 500.0, 500.0, "2021-02-28"],
            ],
        )
    con.close()


def test_module_reads_national_years_and_the_chart_gains_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "public" / "serving.duckdb"
    copy.parent.mkdir()
    write_public_copy(copy, ["ps_deaths"])
    monkeypatch.setenv("SAFETY_PUBLIC_SERVING", str(copy))
    token = public_benchmark.token()
    assert token is not None and token.startswith(f"{copy}|")
    bench = public_benchmark.national_annual(token, "ps_deaths")
    # 全国 annual rows only, by year (the quarter and 110000 are left out)
    assert bench["year"].tolist() == [2019, 2020]
    assert bench["value"].tolist() == [29519.0, 27412.0]
    assert bench["numerator"].tolist() == [29519.0, 27412.0]
    assert bench["released_on"].tolist() == [dt.date(2020, 2, 28), dt.date(2021, 2, 28)]
    assert public_benchmark.national_annual(token, "fire_deaths").empty

    fig = charts.plan_trend_figure(_series(), None, lang="zh")
    before = len(fig.data)
    assert charts.add_public_benchmark(fig, bench, "zh")
    assert len(fig.data) == before + 1
    line = fig.data[-1]
    assert line.name == NAME and line.line.dash == "dash"
    assert list(line.y) == [29519.0, 27412.0]
    assert [x.year for x in line.x] == [2019, 2020]
    assert "全国公开数据(真实数据)" in line.text[1] and "发布 2021-02-28" in line.text[1]
    assert [tr.name for tr in fig.data].count(NAME) == 1


def test_no_copy_no_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETY_PUBLIC_SERVING", str(tmp_path / "absent.duckdb"))
    assert public_benchmark.token() is None
    bench = public_benchmark.national_annual(None, "ps_deaths")
    assert bench.empty
    fig = charts.plan_trend_figure(_series(), None, lang="zh")
    before = len(fig.data)
    assert not charts.add_public_benchmark(fig, bench, "zh")
    assert len(fig.data) == before


def test_counts_are_benchmarked_only_on_the_national_page() -> None:
    counts = _series()  # indicator_kind 'count'
    rates = counts.assign(indicator_kind="rate")
    assert public_benchmark.comparable(counts, "000000")
    assert not public_benchmark.comparable(counts, "500109")
    assert public_benchmark.comparable(rates, "500109")
    assert public_benchmark.for_series("unused|0", counts, "500109", "ps_deaths").empty


def test_default_path_is_the_public_warehouse_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.settings import PROJECT_ROOT, public_serving_path

    monkeypatch.delenv("SAFETY_PUBLIC_SERVING", raising=False)
    assert public_serving_path() == (PROJECT_ROOT / ".warehouse" / "public" / "serving.duckdb").resolve()


def test_plan_page_shows_the_benchmark_caption(
    serving_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a public copy holding every indicator of the sample, the plan page (全国 by default)
    captions its trend charts; without one it does not."""
    con = duckdb.connect(str(serving_copy), read_only=True)
    codes = [
        r[0] for r in con.execute("SELECT DISTINCT indicator_code FROM marts.fct_indicator_values").fetchall()
    ]
    con.close()
    copy = tmp_path / "serving.duckdb"
    write_public_copy(copy, codes)
    monkeypatch.setenv("SAFETY_PUBLIC_SERVING", str(copy))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/plan.py").run()
    assert_no_exception(at)
    assert CAPTION in [c.value for c in at.caption]

    monkeypatch.setenv("SAFETY_PUBLIC_SERVING", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/plan.py").run()
    assert_no_exception(at)
    assert CAPTION not in [c.value for c in at.caption]
