"""Official survey forms in (issue 17 part 3, docs/official_forms.md): each official layout reads
row for row like its canonical twin, 合计 rules quarantine with the original row numbers, units
stated in the title are converted, and a GBK CSV saved from a form reads like the XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.ingest.loader import load_source
from pipelines.ingest.replay import _canonical
from pipelines.lib.contracts import ACCIDENTS, REPORTS, SOURCES_BY_NAME
from pipelines.lib.official_forms import flatten, period_of
from pipelines.lib.parse import parse_frame
from pipelines.lib.readers import read_any, read_raw_file
from pipelines.samplegen.official import TWINS, write_twins

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw" / "sample"
COMMITTED = ROOT / "tests" / "fixtures" / "official_forms"
RANGE = (dt.date(2011, 1, 1), dt.date(2026, 10, 1))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("twins")
    write_twins(RAW, out)
    return out


def _parsed(path: Path, root: Path, source: str):
    src = SOURCES_BY_NAME[source]
    raw = read_raw_file(path, root, src)
    return raw, parse_frame(raw.frame, src, raw.relpath, raw.scale_factors)


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    data = frame.drop("_row_number")
    return data.sort(data.columns)


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: t.out)
def test_each_official_layout_loads_row_for_row_like_its_canonical_twin(twins: Path, twin) -> None:
    raw, form = _parsed(twins / twin.out, twins, twin.source)
    _craw, canon = _parsed(RAW / twin.canonical, RAW, twin.source)
    expected = canon.good if twin.period is None else canon.good.filter(pl.col("period") == twin.period)
    assert raw.form == twin.form
    assert form.rejects.height == 0 and canon.rejects.height == 0 and raw.form_rejects is None
    assert expected.height > 0
    assert _rows(form.good).equals(_rows(expected))
    assert "SYNTHETIC" in raw.notes[0][0]  # the title names the sample as synthetic


def test_committed_twins_equal_a_fresh_generation(twins: Path) -> None:
    manifest = json.loads((COMMITTED / "twins.json").read_text())
    assert set(manifest) == {t.out for t in TWINS}
    for rel in [*manifest, "twins.json"]:
        fresh, committed = (twins / rel).read_bytes(), (COMMITTED / rel).read_bytes()
        assert hashlib.sha256(fresh).digest() == hashlib.sha256(committed).digest(), rel


def test_gbk_csv_export_of_a_form_reads_with_original_row_numbers(twins: Path) -> None:
    path = twins / "accidents" / "371521_阳谷_2024.csv"
    lines = path.read_bytes().decode("gbk").splitlines()
    assert lines[0].startswith("2024年生产安全事故情况(合成样例数据 / SYNTHETIC)")
    raw = read_any(path, ACCIDENTS)
    assert raw.encoding == "gb18030" and raw.relpath == "371521_阳谷_2024.csv"
    # 4 title/box lines, 3 header rows (5-7), column numbers (8), 合计 (9): the first record is row 10
    assert raw.header_row == 7
    assert raw.frame["_row_number"].to_list() == list(range(10, 10 + raw.frame.height))
    assert raw.scale_factors["direct_loss"] == pytest.approx(1e-4)  # 金额单位:元 in the title
    assert any("栏次行(第8行)" in zh for zh, _en in raw.notes)


def _edit_csv(path: Path, edit) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
    edit(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))


def test_a_bad_cell_gives_the_same_reject_as_in_the_canonical_file(twins: Path, tmp_path: Path) -> None:
    canon = tmp_path / "canon" / "accidents" / "371521_阳谷_2024.csv"
    form = tmp_path / "form" / "accidents" / "371521_阳谷_2024.csv"
    canon.parent.mkdir(parents=True)
    form.parent.mkdir(parents=True)
    canon.write_bytes((RAW / "accidents" / "371521_阳谷_2024.csv").read_bytes())
    form.write_bytes((twins / "accidents" / "371521_阳谷_2024.csv").read_bytes())

    def bad_deaths(header_at: int, first_data: int):
        def edit(rows: list[list[str]]) -> None:
            col = next(j for j, h in enumerate(rows[header_at]) if h in ("死亡人数", "死亡"))
            rows[first_data + 1][col] = "两"  # the second record's deaths: not a number

        return edit

    _edit_csv(canon, bad_deaths(0, 1))
    _edit_csv(form, bad_deaths(6, 9))  # bottom header row is line 7; records start at line 10
    _c, pc = _parsed(canon, tmp_path / "canon", "accidents")
    rf, pf = _parsed(form, tmp_path / "form", "accidents")
    assert pc.rejects.select("column_name", "bad_value", "rule").rows() == [("deaths", "两", "bad_int")]
    assert pf.rejects.select("column_name", "bad_value", "rule").rows() == [("deaths", "两", "bad_int")]
    assert pc.rejects["row_number"].to_list() == [3]  # header 1, records from 2
    assert pf.rejects["row_number"].to_list() == [11]  # the form's own row of the same record
    assert _rows(pf.good).equals(_rows(pc.good))
    assert rf.form_rejects is None  # the total column skips a cell that is not a number


def test_total_row_mismatch_is_quarantined_naming_file_row_and_rule(twins: Path, tmp_path: Path) -> None:
    root = tmp_path / "drop"
    path = root / "accidents" / "371521_阳谷_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((twins / "accidents" / "371521_阳谷_2024.csv").read_bytes())

    def wrong_total(rows: list[list[str]]) -> None:
        assert rows[8][0] == "合计" and rows[8][8] == "6"  # deaths total (column 9) of the 7 records
        rows[8][8] = "7"

    _edit_csv(path, wrong_total)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    try:
        result = load_source(con, ACCIDENTS, root, "L1", date_range=RANGE, progress=lambda _m: None)
        rejects = con.execute(
            "SELECT file_path, row_number, column_name, bad_value, rule, message_zh, message_en, row_content "
            "FROM raw.rejects"
        ).fetchall()
        loaded = con.execute("SELECT count(*) FROM raw.accidents").fetchone()
    finally:
        con.close()
    assert len(rejects) == 1
    file_path, row, column, value, rule, zh, en, content = rejects[0]
    assert (file_path, row, column, value, rule) == (
        "accidents/371521_阳谷_2024.csv",
        9,
        "伤亡人数(人)/死亡失踪/死亡",
        "7",
        "form_total_mismatch",
    )
    assert (
        "accidents/371521_阳谷_2024.csv第9行" in zh and "各明细行之和为6" in zh and "合计等于各分项之和" in zh
    )
    assert "row 9" in en and "sum to 6" in en and "a total equals the sum of its parts" in en
    # the row's cells under contract names (元 as *_yuan), so the rejects export can replay it
    cells = json.loads(content)
    assert (
        cells["accident_id"] == "合计" and cells["deaths"] == "7" and cells["direct_loss_yuan"] == "1206000"
    )
    assert cells["伤亡人数(人)/死亡失踪/合计"] == "6"
    assert _canonical(ACCIDENTS, cells)["direct_loss"] == "120.6"  # 1,206,000 元 = 120.6 万元
    assert loaded == (7,)  # the records themselves load by their own rules
    assert result.files[0].status == "partial"


def test_row_total_column_mismatch_rejects_that_row(twins: Path, tmp_path: Path) -> None:
    path = tmp_path / "accidents" / "f.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((twins / "accidents" / "371521_阳谷_2024.csv").read_bytes())

    def wrong(rows: list[list[str]]) -> None:
        assert rows[9][7:10] == ["1", "1", "0"]  # 死亡失踪 合计, 死亡, 失踪 of the first record
        rows[9][7] = "2"
        rows[8][7] = "7"  # the 合计 row's 合计 column follows, so only the row rule fires

    _edit_csv(path, wrong)
    raw = read_raw_file(path, tmp_path, ACCIDENTS)
    assert raw.form_rejects is not None
    assert raw.form_rejects.select("row_number", "rule", "bad_value").rows() == [
        (10, "form_row_total_mismatch", "2")
    ]
    assert "死亡+失踪=1" in raw.form_rejects["message_zh"][0]
    assert 10 not in raw.frame["_row_number"].to_list() and raw.frame.height == 6


def _form_csv(path: Path, lines: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("gbk"))


def test_money_units_in_the_title_and_header_are_converted(tmp_path: Path) -> None:
    head = [
        "事故编号",
        "发生时间",
        "行政区划代码",
        "行业领域",
        "事故类别",
        "伤亡人数(人)",
        "",
        "",
        "",
        "直接经济损失",
        "报告类型",
        "报告时间",
    ]
    lines = [
        ["2024年生产安全事故情况", "", "", "", "", "", "", "", "", "", "表号:工矿商贸A1表"],
        ["填报单位:测试县应急管理局", "", "", "", "", "金额单位:元"],
        head,
        ["", "", "", "", "", "死亡失踪", "", "", "受伤", "", "", ""],
        ["", "", "", "", "", "合计", "死亡", "失踪", "合计", "", "", ""],
        [
            "X1",
            "2024-03-01 10:00",
            "371521",
            "建筑业",
            "坍塌",
            "1",
            "1",
            "0",
            "0",
            "1234500",
            "快报",
            "2024-03-01 12:00",
        ],
        [
            "X2",
            "2024-03-02 10:00",
            "371521",
            "建筑业",
            "坍塌",
            "0",
            "0",
            "0",
            "2",
            "80000",
            "快报",
            "2024-03-02 12:00",
        ],
        ["合计", "", "", "", "", "1", "1", "0", "2", "1314500"],
        ["单位负责人:", "", "统计负责人:", "", "填表人:", "", "报出日期:2025年1月15日"],
    ]
    _form_csv(tmp_path / "accidents" / "yuan.csv", lines)
    raw = read_raw_file(tmp_path / "accidents" / "yuan.csv", tmp_path, ACCIDENTS)
    good = parse_frame(raw.frame, ACCIDENTS, raw.relpath, raw.scale_factors).good
    # 1,234,500 元 = 123.45 万元; 80,000 元 = 8 万元 (hand-computed)
    assert good["direct_loss"].to_list() == [123.45, 8.0]
    assert good["deaths"].to_list() == [1, 0] and good["injuries"].to_list() == [0, 2]
    assert raw.form_rejects is None and raw.frame["_row_number"].to_list() == [6, 7]

    # A header naming its own unit wins over the title: 直接经济损失(亿元) 0.05 = 500 万元
    lines[2][9], lines[5][9], lines[6][9], lines[7][9] = "直接经济损失(亿元)", "0.05", "0.5", "0.55"
    _form_csv(tmp_path / "accidents" / "yi.csv", lines)
    raw = read_raw_file(tmp_path / "accidents" / "yi.csv", tmp_path, ACCIDENTS)
    good = parse_frame(raw.frame, ACCIDENTS, raw.relpath, raw.scale_factors).good
    assert good["direct_loss"].to_list() == [500.0, 5000.0]


def test_region_summary_form_becomes_report_rows_and_checks_its_total(tmp_path: Path) -> None:
    lines = [
        ["广西壮族自治区2025年1-7月地区生产安全事故综合情况", "", "", "", "", "", "", "", "表号:综合B2表"],
        ["填报单位:广西壮族自治区应急管理厅", "", "", "", "", "", "金额单位:元"],
        [
            "地区",
            "行政区划代码",
            "事故起数(起)",
            "",
            "",
            "",
            "死亡人数(含失踪)(人)",
            "受伤人数(人)",
            "直接经济损失",
        ],
        ["", "", "合计", "其中:较大", "其中:重大", "其中:特别重大", "", "", ""],
        ["甲", "乙", "1", "2", "3", "4", "5", "6", "7"],
        ["合计", "450000", "30", "1", "0", "0", "25", "12", "3000000"],
        ["南宁市", "450100", "18", "1", "0", "0", "14", "7", "1000000"],
        ["柳州市", "450200", "12", "0", "0", "0", "10", "5", "2000000"],
        ["单位负责人:", "", "统计负责人:", "", "填表人:", "", "报出日期:2025年8月10日"],
        ["资料来源:广西应急管理厅月报(测试)"],
    ]
    _form_csv(tmp_path / "reports" / "b2.csv", lines)
    raw = read_raw_file(tmp_path / "reports" / "b2.csv", tmp_path, REPORTS)
    parsed = parse_frame(raw.frame, REPORTS, raw.relpath, raw.scale_factors)
    good = parsed.good
    assert parsed.rejects.height == 0 and raw.form == "B2"
    assert set(good["period"]) == {"2025M01-07"} and set(good["released_on"]) == {dt.date(2025, 8, 10)}
    assert set(good["source"]) == {"广西应急管理厅月报(测试)"}
    # 3 regions × 6 measures (直接经济损失 has no measure code), less the total row's deaths:
    # 25 is 14 + 10 + 1, so that one figure is quarantined, not loaded
    assert good.height == 3 * 6 - 1
    got = {(r["region_code"], r["measure"]): r["value"] for r in good.iter_rows(named=True)}
    assert got[("450000", "ps_accidents")] == 30 and got[("450100", "ps_deaths")] == 14
    assert raw.form_rejects is not None
    assert raw.form_rejects.select("row_number", "column_name", "bad_value", "rule").rows() == [
        (6, "死亡人数(含失踪)(人)", "25", "form_total_mismatch")
    ]
    assert ("450000", "ps_deaths") not in got and ("450000", "ps_injuries") in got

    lines[5][6] = "24"
    lines[5][8] = "3000001"  # 直接经济损失: checked even though it is not loaded
    _form_csv(tmp_path / "reports" / "b2.csv", lines)
    raw = read_raw_file(tmp_path / "reports" / "b2.csv", tmp_path, REPORTS)
    assert raw.form_rejects is not None
    assert raw.form_rejects.select("row_number", "column_name", "rule").rows() == [
        (6, "直接经济损失", "form_total_mismatch")
    ]
    assert raw.frame.filter(pl.col("measure") == "ps_deaths").height == 3


def test_flatten_merged_headers() -> None:
    rows = [
        ["事故编号", "伤亡人数(人)", "", "", "直接经济损失"],
        ["", "死亡失踪", "", "受伤", ""],
        ["", "合计", "死亡", "", ""],
    ]
    assert flatten(rows) == [
        ("事故编号",),
        ("伤亡人数(人)", "死亡失踪", "合计"),
        ("伤亡人数(人)", "死亡失踪", "死亡"),
        ("伤亡人数(人)", "受伤"),
        ("直接经济损失",),
    ]


def test_period_of_titles() -> None:
    assert period_of("2024年道路交通事故情况") == "2024"
    assert period_of("广西2025年1-7月地区生产安全事故综合情况") == "2025M01-07"
    assert period_of("2025年7月火灾情况") == "2025M07"
    assert period_of("2025年第二季度") == "2025Q2"
    assert period_of("2025年3-7月") is None  # not a 1–N月累计: no contract period


def test_a_plain_file_is_not_read_as_a_form() -> None:
    raw = read_raw_file(RAW / "accidents" / "371521_阳谷_2024.csv", RAW, ACCIDENTS)
    assert raw.form is None and raw.form_rejects is None


def test_a_form_title_over_a_plain_header_falls_back_to_the_plain_reader(tmp_path: Path) -> None:
    lines = [
        ["2024年生产安全事故情况", "", "", "", "", "", "", "", "", "表号:工矿商贸A1表"],
        [
            "事故编号",
            "发生时间",
            "行政区划代码",
            "行业领域",
            "事故类别",
            "死亡人数",
            "失踪人数",
            "受伤人数",
            "报告类型",
            "报告时间",
        ],
        ["X1", "2024-03-01 10:00", "371521", "建筑业", "坍塌", "1", "0", "0", "快报", "2024-03-01 12:00"],
    ]
    _form_csv(tmp_path / "accidents" / "plain.csv", lines)
    raw = read_raw_file(tmp_path / "accidents" / "plain.csv", tmp_path, ACCIDENTS)
    assert raw.form is None and raw.header_row == 2 and raw.frame["_row_number"].to_list() == [3]


def test_category_summary_form_loads_its_total_for_the_stated_region(tmp_path: Path) -> None:
    lines = [
        ["2025年1-6月各类生产安全事故综合情况", "", "", "", "", "", "", "表号:综合B1表"],
        ["填报单位:莲都区应急管理局", "行政区划代码:331102", "", "", "", "", "金额单位:万元"],
        ["事故类别", "事故起数(起)", "", "", "", "死亡人数(含失踪)(人)", "受伤人数(人)", "直接经济损失"],
        ["", "合计", "其中:较大", "其中:重大", "其中:特别重大", "", "", ""],
        ["甲", "1", "2", "3", "4", "5", "6", "7"],
        ["合计", "3", "0", "0", "0", "2", "4", "150.5"],
        ["高处坠落", "2", "0", "0", "0", "1", "3", "100"],
        ["物体打击", "1", "0", "0", "0", "1", "1", "50.5"],
        ["单位负责人:", "", "统计负责人:", "", "填表人:", "", "报出日期:2025-07-12"],
    ]
    _form_csv(tmp_path / "reports" / "b1.csv", lines)
    raw = read_raw_file(tmp_path / "reports" / "b1.csv", tmp_path, REPORTS)
    parsed = parse_frame(raw.frame, REPORTS, raw.relpath, raw.scale_factors)
    assert raw.form == "B1" and raw.form_rejects is None and parsed.rejects.height == 0
    got = {r["measure"]: r["value"] for r in parsed.good.iter_rows(named=True)}
    assert got == {
        "ps_accidents": 3,
        "ps_accidents_larger": 0,
        "ps_accidents_major": 0,
        "ps_accidents_extraordinary": 0,
        "ps_deaths": 2,
        "ps_injuries": 4,
    }
    assert set(parsed.good["region_code"]) == {"331102"} and set(parsed.good["period"]) == {"2025M01-06"}
    assert set(parsed.good["_row_number"]) == {6}

    lines[5][1] = "4"  # 3 accidents by category, 4 in the total
    _form_csv(tmp_path / "reports" / "b1.csv", lines)
    raw = read_raw_file(tmp_path / "reports" / "b1.csv", tmp_path, REPORTS)
    assert raw.form_rejects is not None
    assert raw.form_rejects.select("row_number", "column_name", "rule").rows() == [
        (6, "事故起数(起)/合计", "form_total_mismatch")
    ]
    assert "ps_accidents" not in set(raw.frame["measure"]) and raw.frame.height == 5


def test_flatten_exports_that_repeat_merged_labels() -> None:
    # some exporters write a merged label into every cell it covers
    rows = [
        ["事故编号", "伤亡人数(人)", "伤亡人数(人)", "伤亡人数(人)"],
        ["事故编号", "死亡失踪", "死亡失踪", "受伤"],
        ["事故编号", "合计", "死亡", "受伤"],
    ]
    assert flatten(rows) == [
        ("事故编号",),
        ("伤亡人数(人)", "死亡失踪", "合计"),
        ("伤亡人数(人)", "死亡失踪", "死亡"),
        ("伤亡人数(人)", "受伤"),
    ]


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        (["金额单位:元"], "元"),
        (["金额单位\uff1a 元"], "元"),  # full-width colon and a space, as typed in Excel
        (["计量单位:人、万元"], "万元"),
        (["单位:亿元"], "亿元"),
        (["填报单位:元宝区应急管理局"], "万元"),  # a place name, not a unit: the default stays
    ],
)
def test_unit_lines(line: list[str], unit: str) -> None:
    from pipelines.lib.official_forms import read_meta
    from pipelines.lib.official_forms_specs import ACCIDENTS_A1

    assert read_meta([line], ACCIDENTS_A1).money_unit == unit


def test_meta_lines_with_full_width_colons() -> None:
    from pipelines.lib.official_forms import read_meta
    from pipelines.lib.official_forms_specs import REGIONS_B2

    meta = read_meta(
        [
            ["2025年7月地区生产安全事故综合情况", "表\u3000\u3000号\uff1a综合B2表"],
            ["填报单位\uff1a温州市应急管理局", "行政区划代码\uff1a330300"],
            ["报出日期\uff1a2025年8月5日"],
            ["资料来源\uff1a温州市应急管理局 月报"],
        ],
        REGIONS_B2,
    )
    assert (meta.period, meta.reporter, meta.region_code) == ("2025M07", "温州市应急管理局", "330300")
    assert (meta.released_on, meta.source_text) == ("2025-08-05", "温州市应急管理局 月报")
