"""Submission tracking (报送情况): a withheld file shows as missing and flags the values it feeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SAMPLE_RAW
from tests.conftest import ROOT, run_cli

WITHHELD = "accidents/330300_温州_2025Q2.xlsx"


def _query(serving: Path, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _quality_page_tables(serving: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The 数据质量 page, run with AppTest against `serving`: every table it shows, as text."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SAFETY_SERVING", str(serving))
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return [d.value.to_string() for d in at.dataframe]


def test_withheld_file_is_missing_flags_values_then_late_when_it_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    (raw / WITHHELD).unlink()
    wh = tmp_path / "warehouse.duckdb"
    serving = tmp_path / "serving.duckdb"
    out = run_cli("refresh", "--raw", str(raw), "--warehouse", str(wh))

    status = _query(
        serving,
        "SELECT status, days_late FROM marts.fct_submissions WHERE unit_id = '330300-ACC' AND period = '2025Q2'",
    )
    assert status == [("missing", None)]
    # Every other unit-quarter arrived with the first load.
    others = _query(serving, "SELECT DISTINCT status FROM marts.fct_submissions WHERE status <> 'missing'")
    assert others == [("initial_load",)]
    rates = _query(
        serving,
        "SELECT n_missing, submission_rate_pct, missing_units FROM marts.fct_submission_rates "
        "WHERE source = 'accidents' AND period = '2025Q2'",
    )
    assert rates == [(1, 80.0, "330300-ACC")]

    flagged = dict(
        (r[0], r[1:])
        for r in _query(
            serving,
            "SELECT period_type || ':' || period, completeness, missing_submissions, missing_units "
            "FROM marts.fct_indicator_values WHERE region_code = '330300' AND indicator_code = 'ps_accidents'",
        )
    )
    for key in ("quarter:2025Q2", "ytd:2025Q2", "ytd:2025Q4", "year:2025", "plan_period:2021-2025"):
        assert flagged[key] == ("partial", 1, "330300-ACC"), key
    for key in ("quarter:2025Q1", "quarter:2025Q3", "year:2024"):
        assert flagged[key][1] == 0, key
    # The province above the unit is flagged too; a sibling unit's region is not.
    above = _query(
        serving,
        "SELECT missing_submissions FROM marts.fct_indicator_values WHERE region_code = '330000' "
        "AND indicator_code = 'ps_accidents' AND period_type = 'quarter' AND period = '2025Q2'",
    )
    assert above in ([], [(1,)])
    sibling = _query(
        serving,
        "SELECT missing_submissions FROM marts.fct_indicator_values WHERE region_code = '371521' "
        "AND indicator_code = 'ps_accidents' AND period_type = 'quarter' AND period = '2025Q2'",
    )
    assert sibling == [(0,)]
    assert "330300-ACC" in out.stdout + out.stderr  # the refresh report names the missing unit
    # The data-quality page lists the missing unit and its quarter, and accidents are behind.
    # (on a copy: the app's cached connection would otherwise pin this file in the test process)
    snapshot = shutil.copy2(serving, tmp_path / "serving_missing.duckdb")
    shown = _quality_page_tables(Path(snapshot), monkeypatch)
    assert any("温州市应急管理局" in t and "2025Q2" in t and "缺报" in t for t in shown), shown

    # The file arrives late; a backfill of that one quarter takes it in.
    shutil.copy2(SAMPLE_RAW / WITHHELD, raw / WITHHELD)
    run_cli("refresh", "--raw", str(raw), "--warehouse", str(wh), "--from", "2025Q2", "--to", "2025Q2")
    (row,) = _query(
        serving,
        "SELECT status, days_late, is_on_time FROM marts.fct_submissions "
        "WHERE unit_id = '330300-ACC' AND period = '2025Q2'",
    )
    assert row[0] == "late" and row[1] > 300 and row[2] is False
    (value,) = _query(
        serving,
        "SELECT completeness, missing_submissions FROM marts.fct_indicator_values WHERE region_code = '330300' "
        "AND indicator_code = 'ps_accidents' AND period_type = 'quarter' AND period = '2025Q2'",
    )
    assert value == ("complete", 0)
