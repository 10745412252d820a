"""Revisions: a 核销 write-off, disaster 初报/续报/核报, a GDP revision; the marts use the latest
vintage, `--as-of` returns what was known earlier, and the change shows in the change log."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, indicators, run_cli

DROP = FIXTURES / "revisions"


def _value(wh: Path, indicator: str, period_type: str, period: str, *extra: str) -> float | None:
    rows = indicators(
        wh,
        "--region",
        "331102",
        "--indicator",
        indicator,
        "--period",
        period,
        "--period-type",
        period_type,
        *extra,
    )
    assert len(rows) == 1, rows
    return rows[0]["value"]


@pytest.fixture(scope="module")
def drop_and_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("revisions")
    drop = base / "raw"
    shutil.copytree(DROP, drop, ignore=shutil.ignore_patterns("gdp_revision"))
    wh = base / "wh" / "warehouse.duckdb"
    run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh))
    return drop, wh


def test_write_off_removes_the_accident_but_as_of_before_it_counts(
    drop_and_warehouse: tuple[Path, Path],
) -> None:
    _drop, wh = drop_and_warehouse
    # 2021Q1: T-A1 (1 death, written off on 2021-06-10) and T-A2 (2 deaths).
    assert _value(wh, "ps_deaths", "quarter", "2021Q1") == 2
    assert _value(wh, "ps_accidents", "quarter", "2021Q1") == 1
    assert _value(wh, "ps_deaths", "quarter", "2021Q1", "--as-of", "2021-05-01") == 3
    assert _value(wh, "ps_accidents", "quarter", "2021Q1", "--as-of", "2021-05-01") == 2


def test_final_disaster_report_stands_and_as_of_returns_the_initial_one(
    drop_and_warehouse: tuple[Path, Path],
) -> None:
    _drop, wh = drop_and_warehouse
    assert _value(wh, "nd_deaths", "quarter", "2021Q3") == 3  # 核报
    assert _value(wh, "nd_deaths", "quarter", "2021Q3", "--as-of", "2021-07-05") == 1  # 初报
    assert _value(wh, "nd_deaths", "quarter", "2021Q3", "--as-of", "2021-08-01") == 2  # 续报
    assert _value(wh, "nd_direct_loss", "quarter", "2021Q3") == 2000


def test_gdp_revision_moves_the_rate_keeps_the_old_vintage_and_logs_the_change(
    drop_and_warehouse: tuple[Path, Path],
) -> None:
    drop, wh = drop_and_warehouse
    # 2021: T-A2 (2) + T-A3 (1) = 3 deaths; first GDP release 400亿元.
    assert _value(wh, "ps_deaths_per_100m_gdp", "year", "2021") == pytest.approx(3 / 400)
    shutil.copy(DROP / "gdp_revision" / "denominators" / "331102_gdp_revised.csv", drop / "denominators")
    run_cli("refresh", "--raw", str(drop), "--warehouse", str(wh))
    assert _value(wh, "ps_deaths_per_100m_gdp", "year", "2021") == pytest.approx(3 / 420)
    assert _value(wh, "ps_deaths_per_100m_gdp", "year", "2021", "--as-of", "2024-12-31") == pytest.approx(
        3 / 400
    )
    con = duckdb.connect(str(wh.with_name("serving.duckdb")), read_only=True)
    try:
        vintages = con.execute(
            "SELECT value, released_on, is_current FROM marts.fct_published_vintages "
            "WHERE region_code = '331102' AND measure_code = 'gdp' AND period = '2021' ORDER BY released_on"
        ).fetchall()
        changes = con.execute(
            "SELECT change_kind, old_value, new_value FROM quality.indicator_changes "
            "WHERE region_code = '331102' AND indicator_code = 'ps_deaths_per_100m_gdp' AND period = '2021' "
            "AND period_type = 'year'"
        ).fetchall()
        refreshes = con.execute(
            "SELECT is_first, values_changed FROM quality.refreshes ORDER BY published_at"
        ).fetchall()
    finally:
        con.close()
    assert [(v, str(d), c) for v, d, c in vintages] == [
        (4_000_000.0, "2022-03-01", False),
        (4_200_000.0, "2025-01-15", True),
    ]
    assert changes == [("changed", pytest.approx(3 / 400), pytest.approx(3 / 420))]
    assert refreshes[0] == (True, 0) and refreshes[-1][1] > 0
