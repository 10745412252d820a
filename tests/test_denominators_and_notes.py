"""Issue 16 items 4, 9, 10 without a warehouse: the denominator flag (another year's, estimated,
a closed year carried) on cards, domain tables and both exports; the GDP rate's decomposition
note; the quality and methodology note of every indicator. Expected values are hand-computed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest

from dashboards.cards import card_model
from dashboards.domain import period_table, with_denominator_status
from dashboards.i18n import t
from dashboards.indicator_notes import SECTIONS, load_notes, note_markdown
from dashboards.rate_decomposition import decomposition_line, format_pp
from pipelines.data_dictionary import NOTES_DOC, notes_markdown
from pipelines.exports.denominators import (
    CLOSED_YEAR_CARRIED,
    ESTIMATED,
    OTHER_YEAR,
    denominator_status,
    status_text_zh,
)
from tests.conftest import ROOT

SEEDS = ROOT / "dbt_project" / "seeds"
CJK = re.compile(r"[\u4e00-\u9fff]")


def rate_row(**kw: Any) -> dict[str, Any]:
    """A fct_indicator_values row of 亿元GDP死亡率 for 2023 on its own published GDP."""
    row: dict[str, Any] = {
        "region_code": "000000",
        "region_name_zh": "全国",
        "indicator_code": "ps_deaths_per_100m_gdp",
        "indicator_name_zh": "亿元GDP生产安全事故死亡率",
        "indicator_name_en": "Production-safety deaths per 100m yuan GDP",
        "indicator_kind": "rate",
        "period_type": "year",
        "period": "2023",
        "year": 2023,
        "quarter": None,
        "value": 0.02,
        "unit": "人/亿元",
        "unit_en": "deaths per 100m yuan",
        "numerator": 100.0,
        "denominator": 50_000_000.0,
        "denominator_year": 2023,
        "denominator_basis": "published",
        "completeness": "complete",
        "value_source": "records",
        "better": "lower",
        "released_on": dt.date(2024, 3, 1),
    }
    row.update(kw)
    return row


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({}, None),  # own year, published
        ({"denominator_basis": "sum_of_children"}, None),
        (
            {
                "period_type": "ytd",
                "period": "2023Q2",
                "quarter": 2,
                "denominator_basis": "published_cumulative",
            },
            None,
        ),
        (
            {"period_type": "ytd", "period": "2023Q2", "quarter": 2, "denominator_basis": "prorated_annual"},
            ESTIMATED,
        ),
        (
            {
                "period_type": "ytd",
                "period": "2023Q2",
                "quarter": 2,
                "denominator_year": 2022,
                "denominator_basis": "published_previous_year",
            },
            OTHER_YEAR,
        ),
        ({"denominator_year": 2022, "denominator_basis": "published_previous_year"}, CLOSED_YEAR_CARRIED),
        (
            {
                "period_type": "ytd",
                "period": "2023Q4",
                "quarter": 4,
                "denominator_year": 2022,
                "denominator_basis": "sum_of_children_previous_year",
            },
            CLOSED_YEAR_CARRIED,
        ),
        (
            {"period_type": "quarter", "period": "2023Q4", "quarter": 4, "denominator_year": 2022},
            CLOSED_YEAR_CARRIED,
        ),
        ({"indicator_kind": "count", "denominator_year": None, "denominator_basis": None}, None),
        ({"period_type": "plan_period", "period": "2021-2025", "denominator_basis": "sum_of_annual"}, None),
        # the exports' rows carry no `year` column: the period's first four characters
        ({"year": None, "denominator_year": 2022}, CLOSED_YEAR_CARRIED),
    ],
)
def test_denominator_status(kw: dict[str, Any], status: str | None) -> None:
    assert denominator_status(rate_row(**kw)) == status


def test_status_text_names_the_year() -> None:
    assert status_text_zh(rate_row(denominator_year=2022)) == "年度已结束但无当年分母,沿用2022年数"
    ytd = rate_row(period_type="ytd", period="2023Q3", quarter=3, denominator_year=2022)
    assert status_text_zh(ytd) == "分母为2022年数(当年数未发布)"
    assert status_text_zh(rate_row()) is None


def test_card_marks_a_carried_denominator_with_a_note_and_tooltip() -> None:
    zh = card_model("ps_deaths_per_100m_gdp", rate_row(denominator_year=2022), None, "zh")
    assert zh.value.endswith(" ‡") and zh.denominator_status == CLOSED_YEAR_CARRIED
    assert "‡ 年度已结束但无当年分母,沿用2022年数" in zh.notes
    assert "分母年份: 2022 · published" in zh.help and "沿用2022年数" in zh.help
    en = card_model("ps_deaths_per_100m_gdp", rate_row(denominator_year=2022), None, "en")
    assert "‡ Closed year without a denominator of its own: 2022's figure carried" in en.notes
    plain = card_model("ps_deaths_per_100m_gdp", rate_row(), None, "zh")
    assert "‡" not in plain.value and not any("‡" in n for n in plain.notes)
    assert plain.denominator_status is None


def test_domain_table_and_its_download_carry_the_denominator() -> None:
    import pandas as pd

    rows = {
        "ps_deaths_per_100m_gdp": rate_row(
            period_type="ytd", period="2023Q2", quarter=2, denominator_basis="prorated_annual"
        ),
        "ps_deaths": rate_row(
            indicator_code="ps_deaths",
            indicator_kind="count",
            denominator_year=None,
            denominator_basis=None,
            value=100.0,
            unit="人",
        ),
    }
    table = period_table(rows, ("ps_deaths", "ps_deaths_per_100m_gdp"), "zh", prev5=False)
    assert list(table[t("col_den_year", "zh")]) == ["", "2023"]
    assert list(table[t("col_den_note", "zh")]) == ["", "‡ 分母为估算值(全年数×N/4,月度×N/12)"]
    export = with_denominator_status(pd.DataFrame(list(rows.values())))
    assert list(export["denominator_status"]) == [ESTIMATED, None]
    assert {"denominator_year", "denominator_basis"} <= set(export.columns)


def test_gdp_decomposition_line() -> None:
    # deaths 100 → 100, GDP 1000 → 1080: −7.41 %, deaths 0 pp, GDP −7.41 pp (hand-computed)
    row = {
        "indicator_code": "ps_deaths_per_100m_gdp",
        "rate_change_pct": -7.407407407407418,
        "numerator_contribution_pp": 0.0,
        "denominator_contribution_pp": -7.407407407407418,
    }
    assert decomposition_line(row, "zh") == "同比 −7.4%:死亡人数 0.0 个百分点,GDP增长 −7.4 个百分点"
    assert decomposition_line(row, "en") == "YoY −7.4%: deaths 0.0 pp, GDP growth −7.4 pp"
    loss = {
        **row,
        "indicator_code": "nd_loss_pct_gdp",
        "rate_change_pct": 11.111111111111093,
        "numerator_contribution_pp": 19.227269939219443,
        "denominator_contribution_pp": -8.11615882810835,
    }
    assert decomposition_line(loss, "zh") == "同比 +11.1%:直接经济损失 +19.2 个百分点,GDP增长 −8.1 个百分点"
    assert decomposition_line({**row, "rate_change_pct": None}, "zh") is None
    assert (format_pp(-0.04), format_pp(0.05), format_pp(-7.45)) == ("0.0", "+0.1", "−7.5")


# ---------------------------------------------------------------------------------- workbook, brief


def carried_report() -> Any:
    """A 2021Q4 report of one region: 1–12月 (the year row) on the 2020 GDP, the quarter on its own."""
    from pipelines.exports.denominators import with_status
    from pipelines.exports.report_data import VALUE_COLUMNS, Indicator, QuarterReport, Region

    top = Region("450000", "广西壮族自治区", "province")
    ind = Indicator(
        "ps_deaths_per_100m_gdp", "亿元GDP生产安全事故死亡率", "rate", "人/亿元", "死亡人数÷GDP", 1
    )
    values: dict[tuple[str, str, str], dict[str, Any]] = {}
    for block, period_type, period, den_year in (
        ("quarter", "quarter", "2021Q4", 2021),
        ("ytd", "year", "2021", 2020),
    ):
        row: dict[str, Any] = dict.fromkeys(VALUE_COLUMNS)
        row.update(
            region_code=top.code,
            region_name_zh=top.name_zh,
            indicator_code=ind.code,
            period_type=period_type,
            period=period,
            value=0.061,
            completeness="complete",
            yoy_break=False,
            denominator_year=den_year,
            denominator_basis="published" if den_year == 2021 else "published_previous_year",
        )
        values[(top.code, ind.code, block)] = with_status(row)
    return QuarterReport(
        region=top,
        year=2021,
        quarter=4,
        rows=[top],
        headline=[ind],
        values=values,
        base_completeness={},
        plan=[],
        is_sample=True,
        published_at=None,
        serving_path="",
        all_indicators=[ind],
    )


def test_workbook_flags_the_closed_year_carried_denominator() -> None:
    from pipelines.exports.quarterly_workbook import SHEET_LONG, SHEET_MAIN, block_column, build_workbook

    content = build_workbook(carried_report(), generated_at=dt.datetime(2022, 1, 1, 8, 0))
    wb = openpyxl.load_workbook(io.BytesIO(content))
    long = list(wb[SHEET_LONG].iter_rows(values_only=True))
    header = long[0]
    assert {"denominator_year", "denominator_basis", "denominator_status"} <= set(header)
    by_period = {r[header.index("period")]: r for r in long[1:]}
    assert by_period["2021"][header.index("denominator_status")] == CLOSED_YEAR_CARRIED
    assert by_period["2021Q4"][header.index("denominator_status")] is None
    main = wb[SHEET_MAIN]
    notes = [str(c.value) for row in main.iter_rows() for c in row if c.value and "‡" in str(c.value)]
    assert any(
        "‡亿元GDP生产安全事故死亡率(1–12月累计)年度已结束但无当年分母,沿用2020年数" in n for n in notes
    ), notes
    ytd_cell = main.cell(row=8, column=block_column(0, "ytd", 0) + 1)  # FIRST_DATA_ROW 7, 0-based
    assert ytd_cell.comment is not None and "沿用2020年数" in ytd_cell.comment.text
    assert main.cell(row=8, column=block_column(0, "quarter", 0) + 1).comment is None


def test_brief_marks_the_value_and_explains_the_denominator() -> None:
    from pipelines.exports.brief import render_html

    html = render_html(carried_report(), generated_at=dt.datetime(2022, 1, 1, 8, 0))
    assert "0.061‡" in html
    assert "分母说明:亿元GDP生产安全事故死亡率(1–12月累计):年度已结束但无当年分母,沿用2020年数" in html


# ------------------------------------------------------------------------- indicator notes (item 10)


def test_every_indicator_has_one_complete_bilingual_note() -> None:
    with (SEEDS / "indicators.csv").open(encoding="utf-8", newline="") as f:
        indicators = [r["indicator_code"] for r in csv.DictReader(f)]
    with (SEEDS / "indicator_notes.csv").open(encoding="utf-8", newline="") as f:
        notes = list(csv.DictReader(f))
    assert sorted(n["indicator_code"] for n in notes) == sorted(indicators)  # one each, no extras
    for note in notes:
        for section in SECTIONS:
            zh, en = note[f"{section}_zh"], note[f"{section}_en"]
            assert CJK.search(zh), (note["indicator_code"], section)
            assert en.strip() and (section == "source" or CJK.sub("", en).strip() != ""), note


def test_notes_name_the_registered_breaks_of_their_numerator() -> None:
    with (SEEDS / "indicators.csv").open(encoding="utf-8", newline="") as f:
        numerator = {r["indicator_code"]: r["numerator_measure"] for r in csv.DictReader(f)}
    with (SEEDS / "series_breaks.csv").open(encoding="utf-8", newline="") as f:
        breaks = list(csv.DictReader(f))
    notes = load_notes()
    for code, measure in numerator.items():
        mine = [b for b in breaks if b["measure_code"] == measure]
        for b in mine:
            assert b["note_zh"] in notes[code]["known_breaks_zh"], code
        if not mine:
            assert notes[code]["known_breaks_en"] == "No registered series break", code
    # fire_deaths: the 2021 re-scoping and the 2025 counting window
    assert notes["fire_deaths"]["known_breaks_zh"].count("起:") == 2


def test_note_markdown_and_the_data_dictionary_block() -> None:
    md = note_markdown("ps_deaths_per_100m_gdp", "zh")
    assert md.startswith("**定义**:亿元GDP生产安全事故死亡率") and "**区间含义**:" in md
    assert "**What the interval means**: " in note_markdown("ps_deaths", "en")
    assert note_markdown("no_such_indicator", "en") == t("note_missing", "en")
    # the dbt docs block shown in the data dictionary is the seed, regenerated
    assert NOTES_DOC.read_text(encoding="utf-8") == notes_markdown(), (
        "run `python -m pipelines.data_dictionary --notes`"
    )
