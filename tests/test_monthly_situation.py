"""安全生产形势: the monthly text of a region and month, on a hand-built serving copy
(tests/fixtures/official_tables/fixture.sql: month and 1–N月累计 rows shaped per the shared
interface of issue 17). Every expected sentence is worked out by hand from the fixture's values
and bases; the percentages are (value − base) ÷ base × 100 at one decimal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.exports.month_periods import ReportPeriod, parse_period
from pipelines.exports.monthly_situation import Change, build_situation, change_clause_zh, change_status
from pipelines.exports.report_data import ExportError

FIXTURE_SQL = Path(__file__).parent / "fixtures" / "official_tables" / "fixture.sql"


def fixture_connection(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute(FIXTURE_SQL.read_text(encoding="utf-8"))
    return con


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = fixture_connection()
    yield c
    c.close()


def test_july_with_a_flat_figure_a_zero_base_and_month_on_month(con: duckdb.DuckDBPyConnection) -> None:
    s = build_situation(con, "440100", "2023M07")
    # 1-7月: 120 vs 150 = −20.0%, 45 vs 50 = −10.0%, 30 vs 40 = −25.0%; 较大及以上 0.
    # 7月: 18 vs 18 持平, 6 vs 0 (zero base: +6人), 4 vs 5 = −20.0%;
    # 环比 18 vs 15 = +20.0%, 6 vs 8 = −25.0%, 4 vs 4 持平.
    assert s.text_zh == (
        "1-7月,全市共发生各类生产安全事故120起、死亡45人、受伤30人,同比分别下降20.0%、10.0%和25.0%,"
        "未发生较大及以上生产安全事故;7月份,全市发生生产安全事故18起、死亡6人、受伤4人,"
        "同比事故起数持平、死亡人数增加6人(上年同期为零)、受伤人数下降20.0%,"
        "环比事故起数上升20.0%、死亡人数下降25.0%、受伤人数持平。"
    )
    assert s.text_en == (
        "Jan–Jul 2023: 120 production-safety accidents, 45 deaths and 30 injuries across the city, "
        "down 20.0%, 10.0% and 25.0% year on year; no accident of grade 较大 (larger) or above. "
        "Jul 2023: 18 accidents, 6 deaths and 4 injuries across the city, year on year: accidents "
        "unchanged, deaths +6 (from zero), injuries down 20.0%; month on month: accidents up 20.0%, "
        "deaths down 25.0%, injuries unchanged."
    )
    assert s.caveats_zh == [] and s.caveats_en == []


def test_partial_coverage_is_stated_once_for_both_blocks(con: duckdb.DuckDBPyConnection) -> None:
    s = build_situation(con, "广州市", "2023M08")
    # 1-8月: 130/170 = −23.53%, 47/54 = −12.96%, 33/43 = −23.26%; 8月 同比 10/20 = −50.0%,
    # 2/4 = −50.0%, 3/3 持平; 环比 10/18 = −44.44%, 2/6 = −66.67%, 3/4 = −25.0%.
    assert s.zh == (
        "1-8月,全市共发生各类生产安全事故130起、死亡47人、受伤33人,同比分别下降23.5%、13.0%和23.3%,"
        "未发生较大及以上生产安全事故;8月份,全市发生生产安全事故10起、死亡2人、受伤3人,"
        "同比事故起数下降50.0%、死亡人数下降50.0%、受伤人数持平,环比分别下降44.4%、66.7%和25.0%。"
    )
    assert s.caveats_zh == [
        "(注:1-8月和8月份为部分数据(1/2个下级地区报送完整),不是完整合计,同比、环比仅供参考。)"
    ]
    assert s.caveats_en == [
        "(Note: Jan–Aug 2023 and Aug 2023 figures are partial (1 of 2 subregions complete), not "
        "complete totals; changes are indicative only.)"
    ]
    assert s.text_zh.endswith(s.caveats_zh[0])


def test_all_flat_at_a_quarter_end_without_a_previous_month(con: duckdb.DuckDBPyConnection) -> None:
    # 越秀区 1-3月 is the ytd row with period 2023Q1 (month 3); no February row: no 环比.
    s = build_situation(con, "440104", "2023M03")
    assert s.text_zh == (
        "1-3月,全区共发生各类生产安全事故12起、死亡3人、受伤0人,同比均持平;"
        "3月份,全区发生生产安全事故4起、死亡1人、受伤0人,同比均持平,无上月可比数据,不作环比。"
    )
    assert "1 death and 0 injuries" in s.text_en


def test_a_month_without_rows_says_so(con: duckdb.DuckDBPyConnection) -> None:
    s = build_situation(con, "440103", "2023M05")
    assert s.zh == "1-5月数据暂缺;5月份数据暂缺。"


@pytest.mark.parametrize("bad", ["2023-07", "2023M13", "2023Q3", "2023"])
def test_month_argument_is_checked(con: duckdb.DuckDBPyConnection, bad: str) -> None:
    with pytest.raises(ExportError):
        build_situation(con, "440100", bad)


def test_change_wording_rules() -> None:
    def row(value: float, base: float | None, pct: float | None) -> dict[str, object]:
        return {"value": value, "yoy_base_value": base, "yoy_pct": pct, "yoy_break": False}

    assert change_status(row(0, 0, None), "yoy") == Change("flat")  # 0 and 0: 持平
    assert change_status(row(3, 0, None), "yoy") == Change("from_zero", amount=3)
    assert change_status(row(3, None, None), "yoy") == Change("na")
    assert change_status(row(1001, 1000, 0.1), "yoy") == Change("up", pct=0.1)
    assert change_status(row(10001, 10000, 0.01), "yoy") == Change("near_flat", pct=0.01)
    assert change_status({**row(5, 4, 25.0), "yoy_break": True}, "yoy") == Change("break")
    # one measure: no 分别; two: 和 between
    assert change_clause_zh([("事故起数", "起", Change("down", pct=12.5))], "yoy") == "同比下降12.5%"
    two = [("事故起数", "起", Change("up", pct=5.0)), ("死亡人数", "人", Change("up", pct=50.0))]
    assert change_clause_zh(two, "mom") == "环比分别上升5.0%和50.0%"


def test_period_codes() -> None:
    assert parse_period("2023M07") == ReportPeriod("month", 2023, 7)
    assert parse_period("2023M01-07") == ReportPeriod("ytd", 2023, 7)
    assert parse_period("2023Q3") == ReportPeriod("quarter", 2023, 9)
    assert parse_period("2023") == ReportPeriod("year", 2023, 12)
    assert parse_period("2023M01-07").label_zh == "2023年1-7月"
    assert parse_period("2023M07").label_zh == "2023年7月"


@pytest.mark.parametrize(
    ("period_type", "period", "month", "tables"),
    [
        ("month", "2023M07", "2023M07", "2023M07"),
        ("ytd", "2023M07", "2023M07", "2023M01-07"),
        ("ytd", "2023Q3", "2023M09", "2023M01-09"),
        ("year", "2023", "2023M12", "2023"),
        (None, None, None, None),
    ],
)
def test_dashboard_month_of_the_sidebar_period(
    period_type: str | None, period: str | None, month: str | None, tables: str | None
) -> None:
    from dashboards.situation import month_of, tables_period_of

    assert month_of(period_type, period) == month
    assert tables_period_of(period_type, period) == tables
