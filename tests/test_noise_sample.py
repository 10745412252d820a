"""Honest statistics on the embedded sample: intervals, signal vs noise and target attainment
(one shared sample refresh; the CLI and the serving copy, as users read them)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import indicators


@pytest.fixture(scope="module")
def serving(sample_warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(sample_warehouse.parent / "serving.duckdb"), read_only=True)
    yield con
    con.close()


def test_small_county_drop_of_a_third_is_within_noise(sample_warehouse: Path) -> None:
    [row] = indicators(sample_warehouse, "--region", "331102", "--indicator", "ps_deaths", "--period", "2020")
    assert (row["value"], row["yoy_pct"]) == (2.0, -33.3)
    assert row["yoy_signal"] == "within_noise"
    # Wider than the exact Poisson limits for 2 independent deaths (0.2422–7.225): deaths cluster
    # in accidents and the series varies from year to year (D ≥ 1, docs/methods.md §2).
    assert row["ci_low"] <= 0.2422 and row["ci_high"] >= 7.225


def test_province_drop_of_18_percent_is_significant(sample_warehouse: Path) -> None:
    [row] = indicators(
        sample_warehouse,
        "--region",
        "450000",
        "--indicator",
        "ps_deaths",
        "--period",
        "2021",
        "--all-columns",
    )
    assert (row["value"], row["yoy_base_value"], row["yoy_pct"]) == (1526.0, 1859.0, -17.9)
    assert row["yoy_signal"] == "significant"
    # 1,526 vs 1,859 deaths, each year's deaths clustered (Σk²/Σk ≈ 1.4–1.5): still far beyond noise
    assert row["yoy_p_value"] < 1e-4 and row["yoy_q_value"] < 0.05
    assert row["yoy_rr_low"] < 1526 / 1859 < row["yoy_rr_high"] < 1
    assert row["ci_low"] < 1526 < row["ci_high"]


def test_noise_columns_are_consistent_everywhere(serving: duckdb.DuckDBPyConnection) -> None:
    bad = serving.execute(
        """
        SELECT
            count(*) FILTER (WHERE ci_method <> 'none' AND value IS NOT NULL
                AND NOT (ci_low <= value AND value <= ci_high)) AS value_outside_interval,
            count(*) FILTER (WHERE ci_method = 'none' AND (ci_low IS NOT NULL OR yoy_signal IS NOT NULL))
                AS interval_without_method,
            count(*) FILTER (WHERE abs(yoy_rate_ratio - (1 + yoy_pct / 100)) > 1e-9) AS ratio_vs_pct,
            count(*) FILTER (WHERE abs(prev5_rate_ratio - (1 + vs_prev5_mean_pct / 100)) > 1e-9)
                AS prev5_ratio_vs_pct,
            count(*) FILTER (WHERE yoy_signal IN ('significant', 'within_noise')
                AND ((yoy_signal = 'significant') <> (yoy_q_value < 0.05) OR yoy_q_value < yoy_p_value - 1e-12))
                AS yoy_flag_vs_q,
            count(*) FILTER (WHERE yoy_signal IN ('significant', 'within_noise')
                AND yoy_signal = 'significant' AND NOT coalesce(yoy_rr_low > 1 OR yoy_rr_high < 1, false))
                AS yoy_flag_vs_interval,
            count(*) FILTER (WHERE prev5_signal IN ('significant', 'within_noise')
                AND ((prev5_signal = 'significant') <> (prev5_q_value < 0.05) OR prev5_q_value < prev5_p_value - 1e-12))
                AS prev5_flag_vs_q,
            count(*) FILTER (WHERE completeness = 'partial' AND yoy_signal IN ('significant', 'within_noise'))
                AS verdict_on_partial,
            count(*) FILTER (WHERE yoy_pct IS NULL AND yoy_base_value IS NULL AND yoy_signal IS NOT NULL)
                AS signal_without_comparison
        FROM marts.fct_indicator_values
        """
    ).fetchone()
    assert bad == (0,) * 9
    methods = {
        code: set(found)
        for code, found in serving.execute(
            "SELECT indicator_code, list(DISTINCT ci_method) FROM marts.fct_indicator_values "
            "WHERE value IS NOT NULL GROUP BY 1"
        ).fetchall()
    }
    # deaths cluster in accidents: gamma limits wherever the dispersion factor exceeds 1
    assert "gamma_dispersed" in methods["ps_deaths_per_100m_gdp"] <= {"poisson_exact", "gamma_dispersed"}
    assert methods["nd_direct_loss"] == {"none"}  # money is not a count of events
    assert methods["hazard_rectification_pct"] == {"none"}


def test_every_assessable_target_has_a_probability_and_a_fan(serving: duckdb.DuckDBPyConnection) -> None:
    missing = serving.execute(
        """
        SELECT p.target_id FROM marts.fct_plan_progress AS p
        WHERE p.status IN ('met', 'on_track', 'at_risk', 'off_track')
            AND NOT EXISTS (SELECT 1 FROM marts.fct_plan_attainment AS a
                WHERE a.target_id = p.target_id AND a.is_latest
                    AND (a.probability BETWEEN 0 AND 1
                        -- an amount with one year or only zeros: no spread to estimate, no probability
                        OR (a.probability IS NULL AND a.method IN ('too_few_years', 'all_zero'))))
        """
    ).fetchall()
    assert missing == []
    # Once every target year is observed the probability is a fact, and agrees with the status.
    disagree = serving.execute(
        """
        SELECT a.target_id, a.probability, p.status FROM marts.fct_plan_attainment AS a
        JOIN marts.fct_plan_progress AS p USING (target_id)
        WHERE a.is_latest AND a.method = 'observed'
            AND (a.probability = 1) <> (p.status IN ('met', 'on_track'))
        """
    ).fetchall()
    assert disagree == []
    # Mid-plan assessments are real projections: a fan for every year still to come.
    gaps = serving.execute(
        """
        SELECT a.target_id, a.data_through_year FROM marts.fct_plan_attainment AS a
        WHERE a.method NOT IN ('observed', 'insufficient_data', 'too_few_years', 'all_zero')
            AND (SELECT count(*) FROM marts.fct_plan_projection AS f
                 WHERE f.target_id = a.target_id AND f.data_through_year = a.data_through_year
                   AND f.year > a.data_through_year AND f.p05 <= f.p50 AND f.p50 <= f.p95)
                <> greatest(a.target_year, a.data_through_year) - a.data_through_year
        """
    ).fetchall()
    assert gaps == []
    # 北碚: ≤2 较大 accidents over 2021–2025, 1 by 2022 → cap uses the remaining years' counts.
    row = serving.execute(
        "SELECT method, probability FROM marts.fct_plan_attainment "
        "WHERE target_id = 'beibei_fyp14_ps_accidents_larger_5yr' AND data_through_year = 2022"
    ).fetchone()
    assert row is not None and row[0] == "constant_rate" and 0.5 < row[1] < 1
