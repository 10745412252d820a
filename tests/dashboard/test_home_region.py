"""A bureau's own home (issue 17 part 5) and the month selector (part 2) on the dashboard.

The app opens at the configured home region (SAFETY_HOME_REGION), else at the region with the
richest complete data, at its latest complete period (every headline row complete); an invalid
code warns in both languages and falls back. Months and 1–N月累计 at month ends are offered when
fct_indicator_values has them (the shared interface of issue 17: period_type 'month' rows, ytd rows
'YYYYMmm', columns month and mom_*); a month card shows 同比 and 环比. The region pickers list only
regions with data and the home region's chain, also over a registry of 3,200+ codes.

Copies of the sample's serving file are changed here (a copy without months; a copy with hand-made
month rows of 温州市 330300 and 3,100 synthetic regions without data), never the shared file.
"""

from __future__ import annotations

import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TIMEOUT = 90
HOME = "330300"  # 温州市: the sample region whose 12 headline indicators are complete in every period
PROVINCES_WITH_DATA = ["000000", "330000", "370000", "450000", "500000"]
SYNTHETIC_HOME = "337001"  # a synthetic county without data, under synthetic city 337000 of 浙江省
CODE_IN_LABEL = re.compile(r"[(（](\d{6})[)）]$")


def writable_copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    dst.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return dst


def drop_months(con: duckdb.DuckDBPyConnection) -> None:
    """Whatever month rows the sample has: removed, so the copy is shaped as the test says."""
    con.execute(
        "DELETE FROM marts.fct_indicator_values "
        "WHERE period_type = 'month' OR (period_type = 'ytd' AND period LIKE '%M%')"
    )


@pytest.fixture(scope="module")
def no_month_copy(serving_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's serving copy as it was before monthly periods: quarters, ytd and years."""
    path = writable_copy(serving_copy, tmp_path_factory.mktemp("home") / "no_months.duckdb")
    con = duckdb.connect(str(path))
    try:
        drop_months(con)
        for col in ("month", "mom_pct", "mom_abs", "mom_base_value"):
            con.execute(f"ALTER TABLE marts.fct_indicator_values DROP COLUMN IF EXISTS {col}")
    finally:
        con.close()
    return path


def add_month_rows(con: duckdb.DuckDBPyConnection) -> None:
    """温州市's 2026 ytd Q3 rows re-labelled as 1–10月累计 (complete), 1–11月累计 (one headline
    rate partial), and the months October and November; November's deaths 7 against 9 a year
    earlier and 5 in October, its 较大及以上 accidents 1 against a zero October (no 环比)."""
    for col, kind in (
        ("month", "INTEGER"),
        ("mom_pct", "DOUBLE"),
        ("mom_abs", "DOUBLE"),
        ("mom_base_value", "DOUBLE"),
    ):
        con.execute(f"ALTER TABLE marts.fct_indicator_values ADD COLUMN IF NOT EXISTS {col} {kind}")
    drop_months(con)
    con.execute(
        f"""CREATE TEMP TABLE base AS SELECT * FROM marts.fct_indicator_values
            WHERE region_code = '{HOME}' AND period_type = 'ytd' AND period = '2026Q3'"""
    )
    for pt, m, start, end, label in (
        ("ytd", 10, "2026-01-01", "2026-10-31", "2026年1-10月"),
        ("ytd", 11, "2026-01-01", "2026-11-30", "2026年1-11月"),
        ("month", 10, "2026-10-01", "2026-10-31", "2026年10月"),
        ("month", 11, "2026-11-01", "2026-11-30", "2026年11月"),
    ):
        con.execute(
            f"""INSERT INTO marts.fct_indicator_values
                SELECT * REPLACE ('{pt}' AS period_type, '2026M{m:02d}' AS period, 4 AS quarter,
                    {m} AS month, DATE '{start}' AS period_start, DATE '{end}' AS period_end,
                    '{label}' AS period_label_zh, NULL AS yoy_signal, NULL AS mom_pct,
                    NULL AS mom_abs, NULL AS mom_base_value)
                FROM base"""
        )
    con.execute(  # no change on the month by default: 环比 0.0%
        """UPDATE marts.fct_indicator_values SET mom_base_value = value, mom_abs = 0, mom_pct = 0
           WHERE period_type = 'month'"""
    )
    con.execute(
        """UPDATE marts.fct_indicator_values SET completeness = 'partial'
           WHERE period = '2026M11' AND period_type = 'ytd' AND indicator_code = 'ps_deaths_per_100m_gdp'"""
    )
    con.execute(
        f"""UPDATE marts.fct_indicator_values
            SET value = 7, yoy_base_value = 9, yoy_abs = -2, yoy_pct = -2 / 9 * 100,
                mom_base_value = 5, mom_abs = 2, mom_pct = 40
            WHERE region_code = '{HOME}' AND period_type = 'month' AND period = '2026M11'
              AND indicator_code = 'ps_deaths'"""
    )
    con.execute(
        f"""UPDATE marts.fct_indicator_values
            SET value = 1, yoy_base_value = 1, yoy_abs = 0, yoy_pct = 0,
                mom_base_value = 0, mom_abs = NULL, mom_pct = NULL
            WHERE region_code = '{HOME}' AND period_type = 'month' AND period = '2026M11'
              AND indicator_code = 'ps_accidents_larger_plus'"""
    )


def add_synthetic_regions(con: duckdb.DuckDBPyConnection) -> int:
    """20 cities with 4 counties each under every province (codes PP70-PP89), no data, English
    names empty for the counties; one county without data under 温州市 (330390) and one abolished
    (330391)."""
    provinces = [
        r[0]
        for r in con.execute("SELECT region_code FROM marts.dim_regions WHERE level = 'province'").fetchall()
    ]
    rows: list[dict[str, Any]] = []
    for prov in provinces:
        for c in range(70, 90):
            city = f"{prov[:2]}{c:02d}00"
            rows.append(
                {
                    "region_code": city,
                    "name_zh": f"合成市{city}",
                    "name_en": f"Synthetic city {city}",
                    "level": "city",
                    "parent_code": prov,
                }
            )
            for k in range(1, 5):
                code = f"{city[:4]}{k:02d}"
                rows.append(
                    {
                        "region_code": code,
                        "name_zh": f"合成县{code}",
                        "name_en": "",
                        "level": "county",
                        "parent_code": city,
                    }
                )
    rows.append(
        {
            "region_code": "330390",
            "name_zh": "合成县330390",
            "name_en": "",
            "level": "county",
            "parent_code": HOME,
            "valid_to": None,
        }
    )
    rows.append(  # abolished: kept in the registry for old files, not offered
        {
            "region_code": "330391",
            "name_zh": "撤销县330391",
            "name_en": "",
            "level": "county",
            "parent_code": HOME,
            "valid_to": "2005-01-01",
        }
    )
    syn = pd.DataFrame(rows)  # noqa: F841 - read by the INSERT below
    con.execute(
        """INSERT INTO marts.dim_regions BY NAME
           SELECT region_code, name_zh, name_en, level, parent_code, 0::BIGINT AS n_children,
                  CAST(valid_to AS DATE) AS valid_to
           FROM syn WHERE region_code NOT IN (SELECT region_code FROM marts.dim_regions)"""
    )
    n = con.execute("SELECT count(*) FROM marts.dim_regions").fetchone()
    assert n is not None
    return int(n[0])


@pytest.fixture(scope="module")
def month_copy(serving_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = writable_copy(serving_copy, tmp_path_factory.mktemp("home") / "months.duckdb")
    con = duckdb.connect(str(path))
    try:
        add_month_rows(con)
        assert add_synthetic_regions(con) >= 3200
    finally:
        con.close()
    return path


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """run(serving, home=None, **query) → the app after its first run, without an exception."""

    def run(serving: Path, home: str | None = None, **query: str) -> AppTest:
        monkeypatch.setenv("SAFETY_SERVING", str(serving))
        if home is None:
            monkeypatch.delenv("SAFETY_HOME_REGION", raising=False)
        else:
            monkeypatch.setenv("SAFETY_HOME_REGION", home)
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield run


def labels(at: AppTest, key: str) -> list[str]:
    """The options of a selectbox as shown."""
    return [str(o) for o in at.selectbox(key=key).options]


def codes(at: AppTest, key: str) -> list[str]:
    """The region codes of a region picker ("" for the no-drill-down option)."""
    return [m.group(1) if (m := CODE_IN_LABEL.search(o)) else "" for o in labels(at, key)]


def test_opens_at_the_richest_complete_region_and_its_latest_complete_period(
    app: Any, no_month_copy: Path
) -> None:
    """No configuration: 温州市 (12 headline indicators complete, the newest period, a city before
    its counties) at 2026年1-9月, the newest period; no partial card; quarters and years only."""
    at = app(no_month_copy)
    assert [at.selectbox(key="region_l1").value, at.selectbox(key="region_l2").value] == ["330000", HOME]
    assert at.selectbox(key="period_key").value == "ytd:2026Q3"
    assert at.title[0].value == "温州市 · 2026年1-9月(累计)"
    assert len(at.metric) >= 8
    assert not [m.value for m in at.metric if m.value.startswith("部分(")]
    assert labels(at, "period_key")[:6] == [
        "2026年1-9月(累计)",
        "2026年1-6月(累计)",
        "2026年1-3月(累计)",
        "2025年(全年)",
        "2025年1-12月(累计)",
        "2025年1-9月(累计)",
    ]
    assert not [o for o in labels(at, "period_key") if "当月" in o]
    assert not [w.value for w in at.warning if "SAFETY_HOME_REGION" in w.value]


def test_configured_home_opens_at_its_latest_complete_month_end(app: Any, month_copy: Path) -> None:
    """1–11月累计 has a partial headline rate: the home opens at 1–10月累计. Months and 1–N月累计
    lead the selector, newest first, 1–N月累计 before the month alone."""
    at = app(month_copy, home=HOME)
    assert at.selectbox(key="region_l2").value == HOME
    assert at.selectbox(key="period_key").value == "ytd:2026M10"
    assert at.title[0].value == "温州市 · 2026年1-10月(累计)"
    assert labels(at, "period_key")[:5] == [
        "2026年1-11月(累计)",
        "2026年11月(当月)",
        "2026年1-10月(累计)",
        "2026年10月(当月)",
        "2026年1-9月(累计)",
    ]
    # the home's child without data is offered (a bureau drills into its own counties)
    assert "330390" in codes(at, "region_l3") and "330391" not in codes(at, "region_l3")


def test_month_card_shows_yoy_and_mom(app: Any, month_copy: Path) -> None:
    at = app(month_copy, home=HOME)
    at.selectbox(key="period_key").set_value("month:2026M11").run()
    assert not at.exception
    assert at.title[0].value == "温州市 · 2026年11月(当月)"
    deaths = next(m for m in at.metric if m.label == "生产安全事故死亡人数")
    assert deaths.value == "7人"
    assert deaths.delta == "−22.2%(−2人)"  # 同比: (7 − 9) / 9
    captions = [c.value for c in at.caption]
    assert "2026年11月 · 环比 +40.0%(+2人)" in captions  # (7 − 5) / 5
    # 较大及以上 (October 0, no 环比) is the only card without a 环比
    assert [c for c in captions if c.endswith("环比 —")] == ["2026年11月 · 环比 —"]
    # the regions page takes the month too
    at.switch_page("views/regions.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("分地区:温州市")


def test_invalid_home_warns_in_both_languages_and_falls_back(app: Any, month_copy: Path) -> None:
    at = app(month_copy, home="12345x/etc")
    warning = next(w.value for w in at.warning if "SAFETY_HOME_REGION" in w.value)
    assert warning == (
        "配置的本地区代码 SAFETY_HOME_REGION=12345xetc 不在地区名录中,已改为打开 温州市(330300)。"
        " / The configured home region SAFETY_HOME_REGION=12345xetc is not in the region registry; "
        "opened 温州市(330300) instead."
    )
    assert "/etc" not in warning and "Traceback" not in warning
    assert at.selectbox(key="region_l2").value == HOME
    assert at.selectbox(key="period_key").value == "ytd:2026M10"


def test_url_names_another_region(app: Any, month_copy: Path) -> None:
    at = app(month_copy, home=HOME, region="450000")
    assert at.selectbox(key="region_l1").value == "450000"
    assert at.selectbox(key="period_key").value == "ytd:2026Q3"


def test_pickers_over_3200_regions_list_data_and_the_home_chain(app: Any, month_copy: Path) -> None:
    """3,100 synthetic regions without data stay out of the pickers; the home's own chain (a
    county without data under a city without data) is in; an empty English name falls back to
    the Chinese one."""
    at = app(month_copy, home=SYNTHETIC_HOME, lang="en")
    assert codes(at, "region_l1") == PROVINCES_WITH_DATA
    assert codes(at, "region_l2") == ["", "330300", "331100", "337000"]
    assert codes(at, "region_l3") == ["", SYNTHETIC_HOME]
    assert at.selectbox(key="region_l3").value == SYNTHETIC_HOME
    assert labels(at, "region_l3")[1] == f"合成县{SYNTHETIC_HOME} ({SYNTHETIC_HOME})"
    assert at.title[0].value.startswith(f"合成县{SYNTHETIC_HOME}")
    assert at.info[0].value == "No indicator data for this region."


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_default_page_in_chromium_shows_no_partial_card(
    serving_copy: Path, artifacts_dir: Path, page: Any
) -> None:
    """The first page a newcomer sees with the sample: 温州市, no 部分(k/n) card."""
    if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
        pytest.skip("Debian chromium is not installed (make system-deps)")
    from dashboards.bench_pages import serve, wait_ready

    # no configured home (an empty value is none): the richest complete region
    with serve(serving_copy, log=artifacts_dir / "streamlit_home.log", env={"SAFETY_HOME_REGION": ""}) as url:
        page.goto(url)
        wait_ready(page, text=f" · overview · {HOME} · ")
        assert page.locator("h1").first.inner_text().startswith("温州市 · ")
        values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
        assert len(values) >= 8
        assert not [v for v in values if "部分(" in v], values
        page.screenshot(path=str(artifacts_dir / "overview_home.png"))


def test_period_text_and_mom_text() -> None:
    """Month labels of both languages, and 环比 of a month row (pure, no app)."""
    from dashboards.cards import mom_text
    from dashboards.formatting import period_label as period_text

    assert period_text("month", "2026M10", "zh") == "2026年10月"
    assert period_text("month", "2026M10", "en") == "Oct 2026"
    assert period_text("ytd", "2026M10", "zh") == "2026年1-10月"
    assert period_text("ytd", "2026M10", "en") == "Jan–Oct 2026"
    assert period_text("ytd", "2026M01", "zh") == "2026年1月"
    assert period_text("ytd", "2026Q3", "zh") == "2026年1-9月"  # quarter ends keep their codes
    row = {"period_type": "month", "unit": "人", "unit_en": "persons", "mom_pct": 40.0, "mom_abs": 2.0}
    assert mom_text(row, "zh") == "环比 +40.0%(+2人)"
    assert mom_text({**row, "mom_pct": None, "mom_abs": None}, "zh") == "环比 —"  # zero base
    assert mom_text({**row, "mom_pct": None, "mom_abs": 3.0}, "zh") == "环比 +3人"  # 0 → 3
    assert mom_text({**row, "period_type": "ytd"}, "zh") is None
