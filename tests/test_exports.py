"""Official-layout exports: the 综合报表 workbook and the quarterly brief, built by the real CLI from
the sample's published serving copy (session fixture `sample_warehouse`), read back with openpyxl
and pypdfium2 and compared with marts.fct_indicator_values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from pipelines.exports import brief as brief_module
from pipelines.exports.report_data import load_from_file
from tests.conftest import run_cli

HEADLINE_SQL = "SELECT indicator_code, name_zh, unit_zh FROM marts.dim_indicators WHERE headline"


@pytest.fixture(scope="module")
def serving(sample_warehouse: Path) -> Path:
    return sample_warehouse.with_name("serving.duckdb")


@pytest.fixture(scope="module")
def con(serving: Path) -> Any:
    c = duckdb.connect(str(serving), read_only=True)
    yield c
    c.close()


def mart_row(con: Any, region: str, indicator: str, period_type: str, period: str) -> dict[str, Any] | None:
    cur = con.cursor()
    rows = cur.execute(
        "SELECT * FROM marts.fct_indicator_values WHERE region_code = ? AND indicator_code = ? "
        "AND period_type = ? AND period = ?",
        [region, indicator, period_type, period],
    ).fetchall()
    names = [d[0] for d in cur.description]
    assert len(rows) <= 1
    return dict(zip(names, rows[0], strict=True)) if rows else None


def export(sample_warehouse: Path, out: Path, period: str, region: str) -> openpyxl.Workbook:
    run_cli(
        "export",
        "--warehouse",
        str(sample_warehouse),
        "--period",
        period,
        "--region",
        region,
        "--out",
        str(out),
    )
    return openpyxl.load_workbook(out)


class Sheet:
    """The 综合报表 sheet located by its header texts (not by the writer's constants)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "地区代码")
        self.columns: dict[tuple[str, str, str], int] = {}
        indicator = block = ""
        for c in range(3, ws.max_column + 1):
            indicator = ws.cell(self.header, c).value or indicator  # merged cells: forward-fill
            block = ws.cell(self.header + 1, c).value or block
            field = ws.cell(self.header + 2, c).value
            if field:
                self.columns[(indicator, block, field)] = c
        self.note_col = next(
            c for c in range(1, ws.max_column + 1) if ws.cell(self.header, c).value == "备注"
        )
        self.rows: dict[str, int] = {}
        r = self.header + 3
        while ws.cell(r, 1).value:
            self.rows[str(ws.cell(r, 1).value)] = r
            r += 1

    def cell(self, region: str, indicator: str, block: str, field: str) -> Any:
        return self.ws.cell(self.rows[region], self.columns[(indicator, block, field)])

    def note(self, region: str) -> str:
        return str(self.ws.cell(self.rows[region], self.note_col).value or "")

    def texts(self) -> list[str]:
        return [str(c.value) for row in self.ws.iter_rows() for c in row if isinstance(c.value, str)]


def same(cell_value: Any, mart_value: Any) -> bool:
    if mart_value is None or (isinstance(mart_value, float) and math.isnan(mart_value)):
        return cell_value is None
    return isinstance(cell_value, int | float) and math.isclose(
        cell_value, mart_value, rel_tol=1e-12, abs_tol=1e-12
    )


def test_workbook_guangxi_2021q4_hand_computed_cells(
    sample_warehouse: Path, con: Any, tmp_path: Path
) -> None:
    wb = export(sample_warehouse, tmp_path / "report.xlsx", "2021Q4", "450000")
    assert wb.sheetnames == ["综合报表", "明细"]
    s = Sheet(wb["综合报表"])
    assert s.ws["A1"].value == "广西壮族自治区 2021年第4季度 安全生产统计综合报表"
    texts = s.texts()
    assert any(t.startswith("填报单位:广西壮族自治区应急管理局") for t in texts)
    assert any("报告期:2021年第4季度(10–12月)及1–12月累计" in t for t in texts)
    assert any(t.startswith("计量单位") for t in texts)
    # rows: the region itself (合计) first, then its 14 cities in code order
    codes = list(s.rows)
    assert codes[0] == "450000" and s.ws.cell(s.rows["450000"], 2).value == "广西壮族自治区(合计)"
    assert codes[1:] == sorted(codes[1:]) and len(codes) == 15 and codes[1] == "450100"

    deaths, rate = "生产安全事故死亡人数(人)", "亿元GDP生产安全事故死亡率(人/亿元)"
    q, ytd = "本季度(10–12月)", "1–12月累计"
    # Hand computation from the sample's numerators (serving copy, ps_deaths incl. missing):
    #   2021Q4 deaths 392, 2020Q4 deaths 509: 同比 = (392 − 509) ÷ 509 × 100 = −22.99 → −23.0
    #   2021 deaths 1526, 2020 deaths 1859: 同比 = (1526 − 1859) ÷ 1859 × 100 = −17.91 → −17.9
    #   2021 GDP 249 948 500 万元 = 24 994.85 亿元: rate = 1526 ÷ 24 994.85 = 0.06105 人/亿元
    #   2020 GDP 222 199 400 万元 = 22 219.94 亿元: rate = 1859 ÷ 22 219.94 = 0.08366; 同比 −27.0
    assert s.cell("450000", deaths, q, "本期").value == 392
    assert s.cell("450000", deaths, q, "上年同期").value == 509
    assert round(s.cell("450000", deaths, q, "同比增减(%)").value, 1) == -23.0
    assert s.cell("450000", deaths, ytd, "本期").value == 1526
    assert s.cell("450000", deaths, ytd, "上年同期").value == 1859
    assert round(s.cell("450000", deaths, ytd, "同比增减(%)").value, 1) == -17.9
    assert round(s.cell("450000", rate, ytd, "本期").value, 5) == 0.06105
    assert round(s.cell("450000", rate, ytd, "上年同期").value, 5) == 0.08366
    assert round(s.cell("450000", rate, ytd, "同比增减(%)").value, 1) == -27.0
    # ... and those hand figures are the serving copy's numerators and denominators
    year = mart_row(con, "450000", "ps_deaths_per_100m_gdp", "year", "2021")
    assert year is not None and (year["numerator"], year["denominator"]) == (1526, 249948500)
    assert s.cell("450000", rate, ytd, "本期").value == pytest.approx(1526 / (249948500 / 1e4), rel=1e-12)
    # numbers are numbers, shown at published precision: counts whole, this rate 3 decimals, 同比 1
    assert s.cell("450000", deaths, ytd, "本期").number_format == "#,##0"
    assert s.cell("450000", rate, ytd, "本期").number_format == "#,##0.000"
    assert s.cell("450000", deaths, ytd, "同比增减(%)").number_format == "#,##0.0"
    # footnotes: definitions, source and vintage, generation time, synthetic label
    assert any(t.startswith("4. 指标定义:") and "亿元GDP生产安全事故死亡率(人/亿元)=" in t for t in texts)
    released = con.execute(
        "SELECT max(released_on) FROM marts.fct_indicator_values WHERE (region_code = '450000' OR region_code IN "
        "(SELECT region_code FROM marts.dim_regions WHERE parent_code = '450000')) AND headline AND "
        "((period_type = 'quarter' AND period = '2021Q4') OR (period_type = 'year' AND period = '2021'))"
    ).fetchone()[0]
    assert any(f"数据版本:截至 {released.isoformat()} 发布" in t for t in texts)
    assert any(t.startswith("6. 生成时间:") for t in texts)
    assert any("样例数据为合成数据 / synthetic sample" in t for t in texts)


@pytest.mark.parametrize(
    ("region", "period", "ytd_type", "ytd_period"),
    [("450000", "2021Q4", "year", "2021"), ("330000", "2022Q2", "ytd", "2022Q2")],
)
def test_workbook_every_cell_equals_fct_indicator_values(
    sample_warehouse: Path, con: Any, tmp_path: Path, region: str, period: str, ytd_type: str, ytd_period: str
) -> None:
    """Every 本期 / 上年同期 / 同比 cell of every row and headline indicator is the mart's value
    (1–N月累计 is the ytd row; at Q4, 1–12月 is the year row), and the long sheet holds those rows."""
    wb = export(sample_warehouse, tmp_path / "report.xlsx", period, region)
    s = Sheet(wb["综合报表"])
    q_label = next(b for (_, b, _) in s.columns if b.startswith("本季度"))
    ytd_label = next(b for (_, b, _) in s.columns if b.endswith("累计"))
    headline = con.execute(HEADLINE_SQL).fetchall()
    assert len({i for (i, _, _) in s.columns}) == len(headline)
    checked = 0
    for code in s.rows:
        for ind, name, unit in headline:
            for label, pt, p in ((q_label, "quarter", period), (ytd_label, ytd_type, ytd_period)):
                row = mart_row(con, code, ind, pt, p) or {}
                for field, column in (
                    ("本期", "value"),
                    ("上年同期", "yoy_base_value"),
                    ("同比增减(%)", "yoy_pct"),
                ):
                    cell = s.cell(code, f"{name}({unit})", label, field)
                    assert same(cell.value, row.get(column)), (
                        code,
                        ind,
                        pt,
                        field,
                        cell.value,
                        row.get(column),
                    )
                    checked += 1
                    partial = row.get("completeness") == "partial"
                    if field == "本期" and cell.value is not None:
                        assert cell.number_format.endswith('"*"') == partial, (code, ind, pt)
    assert checked == len(s.rows) * len(headline) * 6
    # the analysts' long sheet: exactly the mart rows behind the main sheet, all indicators
    long = list(wb["明细"].iter_rows(values_only=True))
    header, body = long[0], long[1:]
    expected = con.execute(
        "SELECT count(*) FROM marts.fct_indicator_values WHERE region_code IN (SELECT unnest(?)) "
        "AND ((period_type = 'quarter' AND period = ?) OR (period_type = ? AND period = ?))",
        [list(s.rows), period, ytd_type, ytd_period],
    ).fetchone()[0]
    assert len(body) == expected
    col = {h: i for i, h in enumerate(header)}
    for rec in body[:: max(1, len(body) // 40)]:
        row = mart_row(
            con,
            rec[col["region_code"]],
            rec[col["indicator_code"]],
            rec[col["period_type"]],
            rec[col["period"]],
        )
        assert row is not None and same(rec[col["value"]], row["value"])
        assert rec[col["completeness"]] == row["completeness"]


def test_workbook_marks_partial_values_breaks_and_regions_without_data(
    sample_warehouse: Path, con: Any, tmp_path: Path
) -> None:
    """浙江 2021Q4: the province is partial (1 of 11 cities covered), 温州's fire death rate crosses
    the 2021 fire re-scoping, and cities without any reporting unit have no data."""
    s = Sheet(export(sample_warehouse, tmp_path / "zj.xlsx", "2021Q4", "330000")["综合报表"])
    accidents = "生产安全事故起数(起)"
    cell = s.cell("330000", accidents, "1–12月累计", "本期")
    row = mart_row(con, "330000", "ps_accidents", "year", "2021")
    assert row is not None and row["completeness"] == "partial"
    assert (row["coverage_k"], row["coverage_n"]) == (1, 11)
    assert cell.value == row["value"] and cell.number_format == '#,##0"*"'
    assert "部分(1/11)" in s.note("330000")
    # a rate on a partial numerator is not computed: blank
    assert s.cell("330000", "亿元GDP生产安全事故死亡率(人/亿元)", "1–12月累计", "本期").value is None
    # the break: comparison blank, cell comment and note say why
    fire = mart_row(con, "330300", "fire_deaths_per_100k_pop", "quarter", "2021Q4")
    assert fire is not None and fire["yoy_break"] and fire["value"] is not None
    pct = s.cell("330300", "火灾十万人口死亡率(人/10万人口)", "本季度(10–12月)", "同比增减(%)")
    base = s.cell("330300", "火灾十万人口死亡率(人/10万人口)", "本季度(10–12月)", "上年同期")
    assert pct.value is None and base.value is None
    assert pct.comment is not None and "同比不可比" in pct.comment.text
    assert "火灾十万人口死亡率同比不可比(2021年起火灾统计口径调整)" in s.note("330300")
    # 杭州 has no reporting unit in the sample: listed, blank, marked
    assert "330100" in s.rows and s.note("330100") == "无数据"
    assert s.cell("330100", accidents, "1–12月累计", "本期").value is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--period", "2021Q5", "--region", "450000"], "2021Q4"),
        (["--period", "2031Q4", "--region", "450000"], "2031Q4"),
        (["--period", "2021Q4", "--region", "999999"], "999999"),
    ],
)
def test_export_and_brief_refuse_unknown_period_or_region(
    sample_warehouse: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    for command, name in (("export", "x.xlsx"), ("brief", "x.html")):
        out = tmp_path / name
        proc = run_cli(command, "--warehouse", str(sample_warehouse), *args, "--out", str(out), check=False)
        assert proc.returncode == 2, proc.stderr
        assert needle in proc.stderr
        assert "服务库" in proc.stderr or "报告期" in proc.stderr
        assert "/ " in proc.stderr and ("serving copy" in proc.stderr or "period must" in proc.stderr)
        assert not out.exists()


def test_largest_changes_rule(serving: Path, con: Any) -> None:
    """The three child regions with the largest absolute change in 1–12月 deaths (complete, comparable)."""
    report = load_from_file(serving, "2021Q4", "450000")
    changes, rule = brief_module.largest_changes(report)
    expected = con.execute(
        "SELECT region_name_zh FROM marts.fct_indicator_values WHERE region_code IN "
        "(SELECT region_code FROM marts.dim_regions WHERE parent_code = '450000') AND indicator_code = 'ps_deaths' "
        "AND period_type = 'year' AND period = '2021' AND completeness = 'complete' AND yoy_abs IS NOT NULL "
        "ORDER BY abs(yoy_abs) DESC, region_code LIMIT 3"
    ).fetchall()
    assert [c.subject for c in changes] == [r[0] for r in expected]
    assert "下级地区" in rule
    # a county has no children: its own indicators with the largest |同比| instead
    county, county_rule = brief_module.largest_changes(load_from_file(serving, "2021Q4", "331102"))
    assert len(county) == 3 and {c.subject for c in county} == {"莲都区"} and "本地区" in county_rule
    # each change carries the warehouse's noise verdict; significant changes rank first
    signals = dict(
        con.execute(
            "SELECT region_name_zh, yoy_signal FROM marts.fct_indicator_values WHERE region_code IN "
            "(SELECT region_code FROM marts.dim_regions WHERE parent_code = '450000') "
            "AND indicator_code = 'ps_deaths' AND period_type = 'year' AND period = '2021'"
        ).fetchall()
    )
    assert [c.signal for c in changes] == [
        brief_module.SIGNAL_TEXT.get(signals[c.subject], "") for c in changes
    ]
    ranks = [c.signal != brief_module.SIGNAL_TEXT["significant"] for c in county]
    assert ranks == sorted(ranks)


@pytest.mark.skipif(
    brief_module.find_chromium() is None, reason="no Chromium to print the PDF (make system-deps)"
)
def test_brief_pdf_is_one_page_renders_and_carries_the_figures(
    sample_warehouse: Path, con: Any, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium

    out = tmp_path / "brief.pdf"
    run_cli(
        "brief",
        "--warehouse",
        str(sample_warehouse),
        "--period",
        "2021Q4",
        "--region",
        "450000",
        "--out",
        str(out),
    )
    pdf = pdfium.PdfDocument(str(out))
    assert len(pdf) == 1
    page = pdf[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    image = page.render(scale=1).to_pil().convert("L")
    image.save(tmp_path / "brief.png")
    dark = sum(image.histogram()[:200]) / (image.width * image.height)
    assert 0.01 < dark < 0.5, dark  # ink on the page, not a blank or black sheet
    text = page.get_textpage().get_text_range()
    compact = "".join(text.split())
    for needle in (
        "广西壮族自治区安全生产形势季度简报",
        "2021年第4季度",
        "一、主要指标",
        "二、规划目标进展",
        "三、变化最大的三项",
        "生产安全事故死亡人数",
        "样例数据为合成数据",
    ):
        assert needle in compact, needle
    # the figures: 1–12月 deaths and their 同比, the quarter, the largest change
    deaths = mart_row(con, "450000", "ps_deaths", "year", "2021")
    quarter = mart_row(con, "450000", "ps_deaths", "quarter", "2021Q4")
    assert deaths is not None and quarter is not None
    assert f"{deaths['value']:,.0f}" == "1,526" and "1,526" in compact
    assert "−17.9%" in compact and f"{quarter['value']:.0f}" == "392" and "392" in compact
    nanning = mart_row(con, "450100", "ps_deaths", "year", "2021")
    assert nanning is not None
    assert f"南宁市生产安全事故死亡人数(人):1–12月累计{nanning['value']:,.0f}" in compact
    plan = con.execute(
        "SELECT count(*) FROM marts.fct_plan_progress WHERE region_code = '450000'"
    ).fetchone()[0]
    assert f"登记目标{plan}项" in compact


def test_brief_without_chromium_writes_html_and_says_so(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(brief_module, "find_chromium", lambda: None)
    report = load_from_file(serving, "2021Q4", "450000")
    with caplog.at_level("WARNING"):
        out = brief_module.write_brief(report, tmp_path / "brief.pdf")
    assert out == tmp_path / "brief.html" and not (tmp_path / "brief.pdf").exists()
    assert "Chromium" in caplog.text and "HTML" in caplog.text
    html = out.read_text(encoding="utf-8")
    assert "<h1>广西壮族自治区安全生产形势季度简报</h1>" in html
    assert "Noto Sans CJK SC" in html and "http" not in html.replace("http-equiv", "")  # self-contained
