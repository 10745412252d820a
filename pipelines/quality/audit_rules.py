"""审核规则 The survey systems' own audit rules, run on a parsed file before it is submitted.

Row rules (`pipelines.lib.parse`) decide whether a cell can be read; these decide whether a
readable file is *consistent*, as the 生产安全事故统计调查制度 and the statistics systems' 审核
steps do. All are vectorised polars checks over the typed rows of `parse_frame` (`_row_number`
kept, so every problem names the spreadsheet row) and return rows of
`pipelines.lib.parse.REJECT_SCHEMA` plus a `severity` column (`error` refuses the file at the
upload gate, `warning` is shown and the file may go in). docs/check.md lists them.

- 事故等级 (accidents, fires): 《生产安全事故报告和调查处理条例》第三条 (the same steps as the
  火灾等级标准): 一般 < 3 deaths, < 10 serious injuries, < 1000万元 direct loss; 较大 3–9 or
  10–49 or 1000万–5000万元; 重大 10–29 or 50–99 or 5000万–1亿元; 特别重大 ≥ 30 or ≥ 100 or
  ≥ 1亿元. "以上" includes the number, "以下" excludes it (第三条第二款). The grade is the
  highest any criterion reaches; deaths count 失踪 (the accident statistics' 死亡(含失踪)).
  Money is in 万元 in the contract (a 元 header is converted by the reader).
- 重伤 ≤ 受伤 (受伤 counts 重伤 and 轻伤).
- dates within the report period of the file name (`report_period`), 报告时间 not before the event.
- 核销 only of an accident that exists (a non-核销 row in the file, or a known accident id).
- report tables: a region's figure ≥ the sum of its children in the file, and equal to it when
  every child is in the file; a 1–N月累计 or a year equal to the sum of its months when all are
  in the file (additive `count` measures only, in canonical units, the latest release of each).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import polars as pl

from pipelines.ingest.loader import file_period
from pipelines.lib.contracts import Source
from pipelines.lib.parse import REJECT_SCHEMA, measure_lookup, seed_rows, unit_lookup

AUDIT_SCHEMA = {**REJECT_SCHEMA, "severity": pl.Utf8}
ERROR, WARNING = "error", "warning"

GRADES = ("一般", "较大", "重大", "特别重大")
# 条例第三条: the lower bound of 较大, 重大, 特别重大 for each criterion ("以上" includes it)
DEATH_STEPS = (3, 10, 30)  # persons, deaths incl. missing
SERIOUS_STEPS = (10, 50, 100)  # persons, serious injuries incl. acute industrial poisoning
LOSS_STEPS_WAN = (1000.0, 5000.0, 10000.0)  # 万元: 1000万, 5000万, 1亿

_MONTH_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_ ]?M|年)(0?[1-9]|1[0-2])(?:月)?(?![\d-])")


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=AUDIT_SCHEMA)


def report_period(file_name: str) -> tuple[dt.date, dt.date, str] | None:
    """[start, end) and label of the report period a file name states.

    A month (`2023M07`, `2023-M07`, `2023年7月`) first: the loader's `file_period` knows
    quarters and years only and would read `2023M07` as the year 2023. Otherwise exactly the
    loader's `file_period` (quarters, years), so the check and the load read a name alike.
    """
    name = file_name.rsplit("/", 1)[-1]
    months = {m.groups() for m in _MONTH_NAME.finditer(name)}
    if len(months) == 1:
        y, m = (int(v) for v in months.pop())
        end = dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)
        return dt.date(y, m, 1), end, f"{y}M{m:02d}"
    return file_period(name)


def _rows(
    frame: pl.DataFrame,
    file: str,
    column: str,
    bad_value: pl.Expr,
    rule: str,
    zh: pl.Expr | str,
    en: pl.Expr | str,
    severity: str,
) -> pl.DataFrame:
    """Problem rows of `frame` (already filtered to the failing rows) in AUDIT_SCHEMA."""
    return frame.select(
        pl.lit(file).alias("file_path"),
        pl.col("_row_number").cast(pl.Int64).alias("row_number"),
        pl.lit(column).alias("column_name"),
        bad_value.cast(pl.Utf8).alias("bad_value"),
        pl.lit(rule).alias("rule"),
        (pl.lit(zh) if isinstance(zh, str) else zh).alias("message_zh"),
        (pl.lit(en) if isinstance(en, str) else en).alias("message_en"),
        pl.lit(severity).alias("severity"),
    ).cast(AUDIT_SCHEMA)  # type: ignore[arg-type]


def _level(value: pl.Expr, steps: Iterable[float]) -> pl.Expr:
    """0 一般 … 3 特别重大 reached by one criterion (null counts as not reached)."""
    return pl.sum_horizontal([(value >= s).fill_null(False).cast(pl.Int8) for s in steps])


def _num(value: pl.Expr) -> pl.Expr:
    """A number as written: 13 not 13.0, 12.5 as 12.5."""
    return (
        pl.when(value == value.round(0))
        .then(value.round(0).cast(pl.Int64).cast(pl.Utf8))
        .otherwise(value.round(4).cast(pl.Utf8))
    )


def _figure(value: pl.Expr, template: str, blank: str) -> pl.Expr:
    return pl.when(value.is_null()).then(pl.lit(blank)).otherwise(pl.format(template, value.cast(pl.Utf8)))


def grade_rules(df: pl.DataFrame, source: Source, file: str) -> list[pl.DataFrame]:
    """事故等级 / 火灾等级 against deaths (+missing), serious injuries and direct loss."""
    cols = set(df.columns)
    if "grade" not in cols or not df.height:
        return []
    label = "火灾等级" if source.name == "fires" else "事故等级"
    zero = pl.lit(0, dtype=pl.Int64)
    deaths = pl.col("deaths").fill_null(0) + (pl.col("missing").fill_null(0) if "missing" in cols else zero)
    serious = pl.col("serious_injuries") if "serious_injuries" in cols else pl.lit(None, dtype=pl.Int64)
    loss = pl.col("direct_loss") if "direct_loss" in cols else pl.lit(None, dtype=pl.Float64)
    g = df.with_columns(
        # 火灾等级 is written 一般火灾 … on fire records: the suffix is not part of the grade
        pl.col("grade").str.strip_chars().str.replace(r"(火灾|事故)$", "").alias("__stated"),
        deaths.alias("__deaths"),
        serious.alias("__serious"),
        loss.alias("__loss"),
    ).with_columns(
        pl.col("__stated")
        .replace_strict({k: i for i, k in enumerate(GRADES)}, default=None, return_dtype=pl.Int8)
        .alias("__stated_level"),
        pl.max_horizontal(
            _level(pl.col("__deaths"), DEATH_STEPS),
            _level(pl.col("__serious"), SERIOUS_STEPS),
            _level(pl.col("__loss"), LOSS_STEPS_WAN),
        ).alias("__level"),
        (pl.col("__serious").is_not_null() & pl.col("__loss").is_not_null()).alias("__all_known"),
    )
    g = g.with_columns(
        pl.col("__level").replace_strict(dict(enumerate(GRADES)), return_dtype=pl.Utf8).alias("__expected")
    )
    out = []
    unknown = g.filter(
        pl.col("__stated").is_not_null() & (pl.col("__stated") != "") & pl.col("__stated_level").is_null()
    )
    if unknown.height:
        out.append(
            _rows(
                unknown,
                file,
                "grade",
                pl.col("__stated"),
                "unknown_grade",
                f"{label}应为:{'/'.join(GRADES)}",
                f"The grade must be one of {', '.join(GRADES)} (general, larger, major, especially major)",
                ERROR,
            )
        )
    figures_zh = pl.concat_str(
        _figure(pl.col("__deaths"), "死亡(含失踪){}人", "死亡人数未填"),
        _figure(pl.col("__serious"), "重伤{}人", "重伤人数未填"),
        _figure(pl.col("__loss"), "直接经济损失{}万元", "直接经济损失未填"),
        separator="、",
    )
    figures_en = pl.concat_str(
        _figure(pl.col("__deaths"), "{} deaths incl. missing", "deaths blank"),
        _figure(pl.col("__serious"), "{} serious injuries", "serious injuries blank"),
        _figure(pl.col("__loss"), "direct loss {} 万元", "direct loss blank"),
        separator=", ",
    )
    stated = pl.col("__stated_level")
    # Figures prove a higher grade, or every criterion is filled in and none reaches the stated one.
    wrong = g.filter(
        stated.is_not_null()
        & ((pl.col("__level") > stated) | ((pl.col("__level") < stated) & pl.col("__all_known")))
    )
    if wrong.height:
        out.append(
            _rows(
                wrong,
                file,
                "grade",
                pl.col("__stated"),
                "grade_inconsistent",
                pl.format(
                    f"{label}“{{}}”与伤亡和损失不符:{{}},按《生产安全事故报告和调查处理条例》第三条应为“{{}}”"
                    "(较大:3–9人死亡或10–49人重伤或1000万–5000万元;重大:10–29人或50–99人或5000万–1亿元;"
                    "特别重大:30人以上或100人以上或1亿元以上;取各项中最高的等级)",
                    pl.col("__stated"),
                    figures_zh,
                    pl.col("__expected"),
                ),
                pl.format(
                    "Grade '{}' does not match the casualties and loss ({}): by Article 3 of the Regulation "
                    "on reporting and investigating production-safety accidents it is '{}' (the highest "
                    "grade any of deaths, serious injuries or direct loss reaches)",
                    pl.col("__stated"),
                    figures_en,
                    pl.col("__expected"),
                ),
                ERROR,
            )
        )
    unsure = g.filter(stated.is_not_null() & (pl.col("__level") < stated) & ~pl.col("__all_known"))
    if unsure.height:
        out.append(
            _rows(
                unsure,
                file,
                "grade",
                pl.col("__stated"),
                "grade_unconfirmed",
                pl.format(
                    f"提示:{label}“{{}}”高于已填数字所示的“{{}}”({{}});重伤人数或直接经济损失未填,无法核实,请补填",
                    pl.col("__stated"),
                    pl.col("__expected"),
                    figures_zh,
                ),
                pl.format(
                    "Warning: grade '{}' is above the '{}' the figures filled in show ({}); serious injuries or "
                    "direct loss is blank, so it cannot be confirmed: fill them in",
                    pl.col("__stated"),
                    pl.col("__expected"),
                    figures_en,
                ),
                WARNING,
            )
        )
    return out


def injury_rules(df: pl.DataFrame, file: str) -> list[pl.DataFrame]:
    """重伤 ≤ 受伤: injuries count serious and minor injuries."""
    if not {"serious_injuries", "injuries"} <= set(df.columns):
        return []
    bad = df.filter(pl.col("serious_injuries") > pl.col("injuries"))
    if not bad.height:
        return []
    return [
        _rows(
            bad,
            file,
            "serious_injuries",
            pl.col("serious_injuries"),
            "serious_exceeds_injuries",
            pl.format("重伤人数{}大于受伤人数{};受伤人数应包含重伤和轻伤", "serious_injuries", "injuries"),
            pl.format(
                "Serious injuries {} exceed injuries {}: injuries count serious and minor ones",
                "serious_injuries",
                "injuries",
            ),
            ERROR,
        )
    ]


def date_rules(df: pl.DataFrame, source: Source, file: str) -> list[pl.DataFrame]:
    """Dates within the file's report period; a report not before its event."""
    col = source.date_column
    if col is None or not df.height:
        return []
    out = []
    d = pl.col(col).cast(pl.Date)
    period = report_period(file)
    if period is not None:
        start, end, label = period
        after = df.filter(d >= end)
        if after.height:
            out.append(
                _rows(
                    after,
                    file,
                    col,
                    d,
                    "date_after_report_period",
                    pl.format(
                        f"日期{{}}晚于文件名所示报告期{label}(止于{end - dt.timedelta(days=1)}),请核对日期", d
                    ),
                    pl.format(
                        f"Date {{}} is after the report period {label} named in the file; check the date", d
                    ),
                    ERROR,
                )
            )
        if "report_kind" in df.columns:
            early = df.filter((d < start) & (pl.col("report_kind") == "initial"))
            if early.height:
                out.append(
                    _rows(
                        early,
                        file,
                        col,
                        d,
                        "initial_before_report_period",
                        pl.format(
                            f"提示:快报/初报的日期{{}}早于报告期{label},迟报的事件应按补报(续报)报送;请核对日期",
                            d,
                        ),
                        pl.format(
                            f"Warning: an initial report dated {{}}, before the report period {label}; a late "
                            "report is a 补报/续报. Check the date",
                            d,
                        ),
                        WARNING,
                    )
                )
    if "reported_at" in df.columns:
        early_report = df.filter(pl.col("reported_at").cast(pl.Date) < d)
        if early_report.height:
            out.append(
                _rows(
                    early_report,
                    file,
                    "reported_at",
                    pl.col("reported_at"),
                    "reported_before_event",
                    pl.format(
                        "报告时间{}早于事件发生日期{}", pl.col("reported_at").cast(pl.Utf8), d.cast(pl.Utf8)
                    ),
                    pl.format(
                        "Reported at {}, before the event's date {}",
                        pl.col("reported_at").cast(pl.Utf8),
                        d.cast(pl.Utf8),
                    ),
                    ERROR,
                )
            )
    return out


def write_off_rules(
    df: pl.DataFrame, source: Source, file: str, known_ids: Iterable[str] | None = None
) -> list[pl.DataFrame]:
    """A 核销 row must write off an accident reported in the file or already known."""
    if source.name != "accidents" or not df.height:
        return []
    is_wo = pl.col("report_kind") == "write_off"
    in_file = df.filter(~is_wo)["accident_id"].unique().to_list()
    known = set(in_file) | set(known_ids or ())
    bad = df.filter(is_wo & ~pl.col("accident_id").is_in(list(known)))
    if not bad.height:
        return []
    where_zh = "本文件和数据仓库中" if known_ids is not None else "本文件中(未连接数据仓库)"
    where_en = (
        "in this file or the warehouse" if known_ids is not None else "in this file (no warehouse checked)"
    )
    return [
        _rows(
            bad,
            file,
            "accident_id",
            pl.col("accident_id"),
            "write_off_unknown_accident",
            f"核销的事故在{where_zh}不存在(没有该事故编号的快报或补报),只能核销已报送的事故",
            f"The accident written off does not exist {where_en} (no 快报/补报 row with this id); only a "
            "reported accident can be written off",
            ERROR,
        )
    ]


def _period_end_year(period: pl.Expr) -> pl.Expr:
    return pl.date(period.str.slice(0, 4).cast(pl.Int32, strict=False), 12, 31)


def total_rules(df: pl.DataFrame, source: Source, file: str) -> list[pl.DataFrame]:
    """Report tables: regional totals and 1–N月累计/years against their parts in the same file."""
    if source.name != "reports" or not df.height:
        return []
    kinds = {r["measure_code"]: r["kind"] for r in seed_rows("measures")}
    additive = [m for m, k in kinds.items() if k == "count"]
    factors = {u: f for u, (_dim, f) in unit_lookup().items()}
    names = {code: zh for zh, (code, _dim) in measure_lookup().items() if zh != code}
    rows = (
        df.filter(pl.col("measure").is_in(additive) & pl.col("value").is_not_null())
        .with_columns(
            (
                pl.col("value")
                * pl.col("unit").replace_strict(factors, default=None, return_dtype=pl.Float64)
            ).alias("__v"),
            # rounding allowance: half a unit of the last decimal written, in canonical units
            (
                0.5
                * pl.col("unit").replace_strict(factors, default=1.0, return_dtype=pl.Float64)
                * pl.when(pl.col("value") == pl.col("value").round(0)).then(0.0).otherwise(0.1)
            ).alias("__half"),
        )
        .filter(pl.col("__v").is_not_null())
        .sort("released_on", "_row_number")
        .group_by("region_code", "period", "measure", maintain_order=True)
        .last()  # the latest release of each figure in the file
    )
    if not rows.height:
        return []
    out = []
    seed = pl.DataFrame(seed_rows("regions")).select(
        "region_code",
        pl.col("parent_code").alias("__parent"),
        pl.when(pl.col("valid_from") != "")
        .then(pl.col("valid_from"))
        .otherwise(pl.lit("1900-01-01"))
        .str.to_date()
        .alias("__from"),
        pl.when(pl.col("valid_to") != "")
        .then(pl.col("valid_to"))
        .otherwise(pl.lit("9999-12-31"))
        .str.to_date()
        .alias("__to"),
    )
    keyed = rows.with_columns(_period_end_year(pl.col("period")).alias("__on"))
    # every child valid on the period's year end (as check_regions dates a report row)
    children = (
        keyed.select("region_code", "period", "measure", "__on")
        .join(seed.rename({"region_code": "__child", "__parent": "region_code"}), on="region_code")
        .filter((pl.col("__from") <= pl.col("__on")) & (pl.col("__on") <= pl.col("__to")))
        .unique(["region_code", "period", "measure", "__child"])  # a code's history rows, once
        .join(
            keyed.select(
                pl.col("region_code").alias("__child"),
                "period",
                "measure",
                pl.col("__v").alias("__cv"),
                pl.col("__half").alias("__ch"),
            ),
            on=["__child", "period", "measure"],
            how="left",
        )
        .group_by("region_code", "period", "measure")
        .agg(
            pl.len().alias("__n_children"),
            pl.col("__cv").count().alias("__n_present"),
            pl.col("__cv").sum().alias("__sum"),
            pl.col("__ch").sum().alias("__allow"),
        )
        .filter(pl.col("__n_present") > 0)
    )
    checked = keyed.join(children, on=["region_code", "period", "measure"]).with_columns(
        (pl.col("__allow") + pl.col("__half") + 1e-9).alias("__tol"),
        pl.col("measure")
        .replace_strict(names, default=pl.col("measure"), return_dtype=pl.Utf8)
        .alias("__mz"),
    )
    complete = pl.col("__n_present") == pl.col("__n_children")
    bad = checked.filter(
        (complete & ((pl.col("__v") - pl.col("__sum")).abs() > pl.col("__tol")))
        | (~complete & (pl.col("__sum") > pl.col("__v") + pl.col("__tol")))
    )
    if bad.height:
        out.append(
            _rows(
                bad,
                file,
                "value",
                _num(pl.col("value")),
                "total_not_sum_of_regions",
                pl.format(
                    "{}“{}”{}的数值{}与下级地区之和{}不符(本文件含其{}个下级地区中的{}个;全部在列时应相等,否则不应小于其和)",
                    pl.col("region_code"),
                    pl.col("__mz"),
                    pl.col("period"),
                    _num(pl.col("__v")),
                    _num(pl.col("__sum")),
                    pl.col("__n_children"),
                    pl.col("__n_present"),
                ),
                pl.format(
                    "{} '{}' {}: the value {} does not match the sum of its sub-regions {} (the file holds "
                    "{} of its {} sub-regions; with all of them the total must equal their sum, otherwise "
                    "be at least their sum)",
                    pl.col("region_code"),
                    pl.col("measure"),
                    pl.col("period"),
                    _num(pl.col("__v")),
                    _num(pl.col("__sum")),
                    pl.col("__n_present"),
                    pl.col("__n_children"),
                ),
                ERROR,
            )
        )
    out += _month_sums(keyed, file, names)
    return out


def _month_sums(keyed: pl.DataFrame, file: str, names: dict[str, str]) -> list[pl.DataFrame]:
    """A 1–N月累计 (`2023M01-07`) or a year (`2023`) equal to the sum of its months in the file."""
    months = keyed.filter(pl.col("period").str.contains(r"^\d{4}M(0[1-9]|1[0-2])$")).select(
        "region_code",
        "measure",
        pl.col("period").str.slice(0, 4).alias("__year"),
        pl.col("period").str.slice(5, 2).cast(pl.Int32).alias("__m"),
        pl.col("__v").alias("__mv"),
        pl.col("__half").alias("__mh"),
    )
    totals = keyed.filter(pl.col("period").str.contains(r"^\d{4}(M01-(0[1-9]|1[0-2]))?$")).with_columns(
        pl.col("period").str.slice(0, 4).alias("__year"),
        pl.when(pl.col("period").str.len_chars() == 4)
        .then(12)
        .otherwise(pl.col("period").str.slice(8, 2).cast(pl.Int32, strict=False))
        .alias("__upto"),
    )
    if not months.height or not totals.height:
        return []
    joined = (
        totals.join(months, on=["region_code", "measure", "__year"])
        .filter(pl.col("__m") <= pl.col("__upto"))
        .group_by("_row_number")
        .agg(
            pl.col("__m").n_unique().alias("__n"),
            pl.col("__mv").sum().alias("__sum"),
            pl.col("__mh").sum().alias("__allow"),
            pl.first("__upto", "__v", "__half", "value", "region_code", "measure", "period"),
        )
        .filter(pl.col("__n") == pl.col("__upto"))
    )
    bad = joined.filter((pl.col("__v") - pl.col("__sum")).abs() > pl.col("__allow") + pl.col("__half") + 1e-9)
    if not bad.height:
        return []
    return [
        _rows(
            bad.with_columns(
                pl.col("measure")
                .replace_strict(names, default=pl.col("measure"), return_dtype=pl.Utf8)
                .alias("__mz")
            ),
            file,
            "value",
            _num(pl.col("value")),
            "cumulative_not_sum_of_months",
            pl.format(
                "{}“{}”{}的累计数{}与1–{}月各月之和{}不符",
                pl.col("region_code"),
                pl.col("__mz"),
                pl.col("period"),
                _num(pl.col("__v")),
                pl.col("__upto"),
                _num(pl.col("__sum")),
            ),
            pl.format(
                "{} '{}' {}: the cumulative value {} does not equal the sum {} of months 1-{}",
                pl.col("region_code"),
                pl.col("measure"),
                pl.col("period"),
                _num(pl.col("__v")),
                _num(pl.col("__sum")),
                pl.col("__upto"),
            ),
            ERROR,
        )
    ]


def audit(
    df: pl.DataFrame, source: Source, file: str, known_accident_ids: Iterable[str] | None = None
) -> pl.DataFrame:
    """Every audit problem of the typed rows `df` (`parse_frame(...).good`), in AUDIT_SCHEMA."""
    parts = [
        *grade_rules(df, source, file),
        *injury_rules(df, file),
        *date_rules(df, source, file),
        *write_off_rules(df, source, file, known_accident_ids),
        *total_rules(df, source, file),
    ]
    return pl.concat(parts, how="vertical_relaxed") if parts else empty()
