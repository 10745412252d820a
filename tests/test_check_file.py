"""`safety-stats check FILE` and the audit rules (pipelines/check.py, pipelines/quality/audit_rules.py):
each rule on a hand-made file with the row it must name, the grade steps of 条例第三条 at their
boundaries, and the CLI's text (file, row, rule; no absolute path) and exit codes. Fast: in-process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from pipelines.check import check_file
from pipelines.cli import main
from pipelines.lib.contracts import ACCIDENTS
from pipelines.quality.audit_rules import grade_rules, report_period

FIX = Path(__file__).parent / "fixtures" / "check"
GOOD = FIX / "good" / "accidents" / "331102_莲都_2026Q2.csv"
BAD = FIX / "bad" / "accidents" / "331102_莲都_2026Q2.csv"
REPORTS = FIX / "bad" / "reports" / "440000_广东_统计报表_2023.csv"
HEADER = (
    "accident_id,occurred_at,region_code,sector,industry_code,category,grade,deaths,missing,"
    "serious_injuries,injuries,direct_loss,special_equipment,report_kind,reported_at,write_off_reason\n"
)


def problems(path: Path, **kw: object) -> dict[tuple[int | None, str], dict]:
    result = check_file(path, **kw)  # type: ignore[arg-type]
    return {(p["row_number"], p["rule"]): p for p in result.problems}


def test_a_larger_accident_with_12_deaths_is_a_grade_inconsistency() -> None:
    found = problems(BAD)
    p = found[(2, "grade_inconsistent")]
    assert p["severity"] == "error" and p["column_name"] == "grade" and p["bad_value"] == "较大"
    assert p["file_path"] == "331102_莲都_2026Q2.csv"
    # 12 deaths: 10 ≤ 12 < 30 → 重大
    assert "死亡(含失踪)12人" in p["message_zh"] and "应为“重大”" in p["message_zh"]
    assert "'重大'" in p["message_en"]


def test_each_bad_row_is_named_with_its_rule() -> None:
    result = check_file(BAD)
    assert result.exit_code == 1
    found = {(p["row_number"], p["rule"]) for p in result.problems}
    assert found == {
        (2, "grade_inconsistent"),
        (3, "serious_exceeds_injuries"),  # 重伤 5 > 受伤 2
        (4, "date_after_report_period"),  # 2026-07-03 in a 2026Q2 file
        (5, "write_off_unknown_accident"),  # 核销 of CHK-…-0999, never reported
        (6, "bad_float"),  # a formula-like cell is data, and not a number
    }
    p = problems(BAD)[(4, "date_after_report_period")]
    assert p["bad_value"] == "2026-07-03" and "2026Q2" in p["message_zh"]
    p = problems(BAD)[(3, "serious_exceeds_injuries")]
    assert "重伤人数5大于受伤人数2" in p["message_zh"]


def test_a_write_off_of_an_accident_known_to_the_warehouse_passes() -> None:
    found = problems(BAD, known_ids={"CHK-331102-2026-0999"})
    assert (5, "write_off_unknown_accident") not in found


def test_known_accident_ids_from_a_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    from pipelines.check import known_accident_ids

    wh = tmp_path / "w.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.accidents (accident_id VARCHAR, report_kind VARCHAR)")
    con.execute("INSERT INTO raw.accidents VALUES ('CHK-331102-2026-0999', 'initial'), ('X-2', 'write_off')")
    con.close()
    assert known_accident_ids(wh) == {"CHK-331102-2026-0999"}
    assert known_accident_ids(tmp_path / "absent.duckdb") is None
    assert main(["check", str(BAD), "--warehouse", str(wh), "--format", "json"]) == 1
    rules = {(p["row_number"], p["rule"]) for p in json.loads(capsys.readouterr().out)["problems"]}
    assert (5, "write_off_unknown_accident") not in rules and (2, "grade_inconsistent") in rules


def test_a_clean_file_has_no_problem_and_exit_0() -> None:
    result = check_file(GOOD)
    assert result.problems == [] and result.exit_code == 0 and result.rows_read == 4
    assert result.source == "accidents"  # from its folder


def test_report_totals_and_cumulative_months() -> None:
    found = problems(REPORTS)
    # 440000's 2023 deaths 10 < its child 440100's 12 (one of its children in the file: ≥ sum)
    p = found[(6, "total_not_sum_of_regions")]
    assert p["bad_value"] == "10" and "下级地区之和12" in p["message_zh"]
    # 1–3月累计 13 ≠ 5 + 4 + 3 = 12
    p = found[(5, "cumulative_not_sum_of_months")]
    assert p["bad_value"] == "13" and "各月之和12" in p["message_zh"]
    assert set(found) == {(6, "total_not_sum_of_regions"), (5, "cumulative_not_sum_of_months")}


def test_a_total_equal_to_all_its_children_passes(tmp_path: Path) -> None:
    from pipelines.lib.parse import seed_rows

    kids = [
        r["region_code"]
        for r in seed_rows("regions")
        if r["parent_code"] == "440100"
        and (r["valid_from"] or "1900") <= "2023-12-31"
        and (not r["valid_to"] or r["valid_to"] >= "2023-12-31")
    ]
    lines = ["行政区划代码,时期,指标名称,数值,计量单位,发布日期,资料来源"]
    lines += [f"{k},2023,ps_deaths,1,人,2024-01-20,t" for k in kids]
    ok = tmp_path / "440100_广州_2023.csv"
    ok.write_text(
        "\n".join([*lines, f"440100,2023,ps_deaths,{len(kids)},人,2024-01-20,t"]) + "\n", encoding="utf-8"
    )
    assert problems(ok, source="reports") == {}
    off = tmp_path / "440100_广州_2023b.csv"
    off.write_text(
        "\n".join([*lines, f"440100,2023,ps_deaths,{len(kids) + 1},人,2024-01-20,t"]) + "\n", encoding="utf-8"
    )
    p = problems(off, source="reports")[(len(kids) + 2, "total_not_sum_of_regions")]
    assert f"下级地区之和{len(kids)}" in p["message_zh"]


def test_a_month_file_checks_dates_against_the_month(tmp_path: Path) -> None:
    assert report_period("440100_广州_2023M07.csv")[2] == "2023M07"  # type: ignore[index]
    assert report_period("330300_温州_2025Q2.xlsx")[2] == "2025Q2"  # type: ignore[index]
    f = tmp_path / "accidents" / "331102_莲都_2026M05.csv"
    f.parent.mkdir()
    f.write_text(
        HEADER
        + "M-1,2026-05-31 23:00:00,331102,工贸行业,,其它伤害,一般,1,0,0,0,1,否,快报,2026-05-31 23:30:00,\n"
        + "M-2,2026-06-01 08:00:00,331102,工贸行业,,其它伤害,一般,1,0,0,0,1,否,快报,2026-06-01 09:00:00,\n"
        + "M-3,2026-04-20 08:00:00,331102,工贸行业,,其它伤害,一般,1,0,0,0,1,否,快报,2026-04-19 09:00:00,\n",
        encoding="utf-8",
    )
    found = problems(f)
    assert set(found) == {
        (3, "date_after_report_period"),
        (4, "initial_before_report_period"),  # a 快报 of April in a May file: a warning
        (4, "reported_before_event"),
    }
    assert found[(4, "initial_before_report_period")]["severity"] == "warning"


# deaths, missing, serious injuries, direct loss (万元) → grade by 条例第三条 (以上 includes the bound)
GRADE_CASES = [
    (2, 0, 9, 999.99, "一般"),
    (2, 1, 0, 0.0, "较大"),  # missing persons count as deaths
    (0, 0, 10, 0.0, "较大"),
    (0, 0, 0, 1000.0, "较大"),
    (9, 0, 49, 4999.99, "较大"),
    (10, 0, 0, 0.0, "重大"),
    (0, 0, 50, 0.0, "重大"),
    (0, 0, 0, 5000.0, "重大"),
    (29, 0, 99, 9999.99, "重大"),
    (30, 0, 0, 0.0, "特别重大"),
    (0, 0, 100, 0.0, "特别重大"),
    (1, 0, 0, 10000.0, "特别重大"),
]


@pytest.mark.parametrize(("deaths", "missing", "serious", "loss", "grade"), GRADE_CASES)
def test_grade_steps(deaths: int, missing: int, serious: int, loss: float, grade: str) -> None:
    grades = ["一般", "较大", "重大", "特别重大"]
    df = pl.DataFrame(
        {
            "_row_number": [2, 3, 4, 5],
            "grade": grades,
            "deaths": [deaths] * 4,
            "missing": [missing] * 4,
            "serious_injuries": [serious] * 4,
            "injuries": [serious] * 4,
            "direct_loss": [loss] * 4,
        }
    )
    parts = grade_rules(df, ACCIDENTS, "f.csv")
    flagged = set(pl.concat(parts)["bad_value"]) if parts else set()
    assert flagged == set(grades) - {grade}


def test_a_higher_grade_with_blank_criteria_is_a_warning() -> None:
    df = pl.DataFrame(
        {
            "_row_number": [2],
            "grade": ["重大"],
            "deaths": [1],
            "missing": [0],
            "serious_injuries": pl.Series([None], dtype=pl.Int64),
            "injuries": [0],
            "direct_loss": pl.Series([None], dtype=pl.Float64),
        }
    )
    (out,) = grade_rules(df, ACCIDENTS, "f.csv")
    assert out["rule"].to_list() == ["grade_unconfirmed"] and out["severity"].to_list() == ["warning"]


def test_cli_text_names_file_row_and_rule_without_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["check", str(BAD.resolve()), "--no-warehouse"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "331102_莲都_2026Q2.csv:2: [grade_inconsistent]" in out
    assert "第2行" in out and "应为“重大”" in out
    assert str(FIX) not in out and str(Path(__file__).parents[1]) not in out
    assert "Traceback" not in out


def test_cli_json_and_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", str(GOOD), "--format", "json", "--no-warehouse"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "clean" and doc["file"] == GOOD.name and doc["problems"] == []
    broken = tmp_path / "accidents" / "331102_莲都_2026Q2.csv"
    broken.parent.mkdir()
    broken.write_text("a,b\n1,2\n", encoding="utf-8")  # no contract column: unreadable
    assert main(["check", str(broken), "--format", "json", "--no-warehouse"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "unreadable" and doc["problems"][0]["rule"] == "missing_columns"
    assert str(tmp_path) not in json.dumps(doc, ensure_ascii=False)
    odd = tmp_path / "notes.txt"
    shutil.copy(GOOD, odd)
    assert main(["check", str(odd), "--no-warehouse"]) == 2
    assert str(tmp_path) not in capsys.readouterr().out


# ------------------------------------------------------------------ submission (the upload page)


@pytest.mark.parametrize(
    ("uploaded", "safe"),
    [
        ("331102_莲都_2026Q2.csv", "331102_莲都_2026Q2.csv"),
        ("../../etc/331102_莲都_2026Q2.CSV", "331102_莲都_2026Q2.csv"),
        ("..\\..\\331102_x.xlsx", "331102_x.xlsx"),
        (".hidden.csv", "hidden.csv"),
        ("a;rm -rf $HOME.csv", "a_rm_-rf_HOME.csv"),
        ("report.exe", None),
        ("....csv", None),
        ("no_suffix", None),
    ],
)
def test_upload_names_are_sanitised(uploaded: str, safe: str | None) -> None:
    from pipelines.check import safe_file_name

    assert safe_file_name(uploaded) == safe


def test_place_in_drop_resubmits_and_keeps_the_previous_version(tmp_path: Path) -> None:
    from pipelines.check import SUPERSEDED, place_in_drop
    from pipelines.lib.readers import list_files

    drop = tmp_path / "drop"
    name = GOOD.name
    first = place_in_drop(GOOD, ACCIDENTS, drop, name)
    assert (first.status, first.relpath) == ("added", f"accidents/{name}")
    assert place_in_drop(GOOD, ACCIDENTS, drop, name).status == "unchanged"
    # a different file of the same name is a 重报: it takes the name, the old version is kept
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(
        GOOD.read_bytes() + GOOD.read_bytes().splitlines(keepends=True)[1].replace(b"0001", b"0009")
    )
    second = place_in_drop(fixed, ACCIDENTS, drop, name)
    assert (second.status, second.relpath) == ("resubmitted", f"accidents/{name}")
    assert "重报" in second.message_zh and "resubmission" in second.message_en
    assert (drop / "accidents" / name).read_bytes() == fixed.read_bytes()
    kept = list((drop / SUPERSEDED / "accidents").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == GOOD.read_bytes()
    assert kept[0].name.startswith(name.rsplit(".", 1)[0] + ".") and kept[0].suffix == ".csv"
    # the loader sees the new version only; the kept one is in no source folder
    assert list_files(drop, ACCIDENTS) == [drop / "accidents" / name]
    assert place_in_drop(fixed, ACCIDENTS, drop, name).status == "unchanged"
    assert sorted(p.name for p in (drop / "accidents").iterdir()) == [name]  # no temporary file left


def test_check_reports_exactly_what_a_load_into_a_warehouse_rejects(tmp_path: Path) -> None:
    """One file, checked and then loaded into a real DuckDB warehouse (`load_source`, the statistical
    range the ingest uses): the same rows are rejected for the same rules, values and messages. A
    row rejected for its region or its date is not kept for the duplicate-key rule, so the good
    row sharing its key is not called a duplicate (the checker once did: rows 3 and 5)."""
    import duckdb

    from pipelines.ingest.loader import load_source
    from pipelines.lib.partitions import statistical_range

    name = "331102_莲都_2025Q2.csv"
    f = tmp_path / "raw" / "accidents" / name
    f.parent.mkdir(parents=True)
    row = "{id},{at},{region},工贸行业,,其它伤害,一般,1,0,0,0,1,否,快报,{reported},\n"
    f.write_text(
        HEADER
        + row.format(id="D-1", at="2025-04-10 08:00:00", region="999999", reported="2025-04-10 09:00:00")
        + row.format(id="D-1", at="2025-04-10 08:00:00", region="331102", reported="2025-04-10 09:00:00")
        + row.format(id="D-2", at="2010-06-01 08:00:00", region="331102", reported="2025-05-02 09:00:00")
        + row.format(id="D-2", at="2025-05-02 08:00:00", region="331102", reported="2025-05-02 09:00:00")
        + row.format(id="D-3", at="2025-06-01 08:00:00", region="331102", reported="2025-06-01 09:00:00")
        + row.format(id="D-3", at="2025-06-01 08:00:00", region="331102", reported="2025-06-01 09:00:00"),
        encoding="utf-8",
    )
    checked = {
        (p["row_number"], p["column_name"], p["bad_value"], p["rule"], p["message_zh"], p["message_en"])
        for p in check_file(f, known_ids=set()).errors
    }

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        result = load_source(
            con, ACCIDENTS, tmp_path / "raw", "L1", date_range=statistical_range(), progress=lambda _m: None
        )
        rejected = con.execute(
            "SELECT row_number, column_name, bad_value, rule, message_zh, message_en FROM raw.rejects"
            " WHERE severity = 'error' AND file_path = ?",
            [f"accidents/{name}"],
        ).fetchall()
        loaded = con.execute("SELECT _row_number FROM raw.accidents ORDER BY 1").fetchall()
    finally:
        con.close()
    # the checker names the file without its folder (a clerk sees no path); the load, by its path
    in_load = {
        (r, c, v, rule, zh.replace(f"accidents/{name}", name), en.replace(f"accidents/{name}", name))
        for r, c, v, rule, zh, en in rejected
    }
    assert checked == in_load
    assert {(r[0], r[3]) for r in checked} == {
        (2, "unknown_region"),
        (4, "date_out_of_range"),
        (7, "duplicate_key"),  # of row 6, the one real duplicate
    }
    [(value,)] = [(r[2],) for r in checked if r[3] == "date_out_of_range"]
    assert value == "2010-06-01"  # the date of the datetime cell, as the file-period warning shows it
    assert loaded == [(3,), (5,), (6,)]
    assert result.files[0].rows_rejected == 3 and result.files[0].rows_accepted == 3
