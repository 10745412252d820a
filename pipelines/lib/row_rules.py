"""The per-row rules of a load, in one place: the loader (`pipelines.ingest.loader._RowChecks`)
checks its batches with them and `safety-stats check` (`pipelines.check`) checks one file with
them, so a check reports what a load would reject.

In order: casts and row rules (`parse_frame`), region codes valid on the row's date
(`check_regions`), an official form's 合计 checks (read with the file, `RawFile.form_rejects`) and
the statistical date range. Duplicate keys are the next rule, on the good rows returned here:
`duplicate_rejects_sql` of the loader, over every file of the load (the checker: over its one file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from pipelines.lib.contracts import Source
from pipelines.lib.parse import REJECT_SCHEMA, check_regions, parse_frame


@dataclass
class RowOutcome:
    typed: pl.DataFrame  # every row `parse_frame` typed, before the region and range checks
    good: pl.DataFrame  # the rows that pass every per-row rule (duplicate keys not yet checked)
    rejects: pl.DataFrame  # REJECT_SCHEMA: one row per failed rule of a rejected row


def date_out_of_range(
    rows: pl.DataFrame, source: Source, date_range: tuple[dt.date, dt.date]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows dated within [start, end), rejects of the others): a record dated before the first
    quarter or in a quarter not yet complete is a wrong year or a future date. The rule's one
    message; its bad value is the row's date (2010-06-01, not the time of a datetime column)."""
    assert source.date_column is not None
    first, end = date_range
    d = pl.col(source.date_column).cast(pl.Date)
    out = rows.filter((d < first) | (d >= end))
    rejects = out.select(
        pl.col("_file_path").alias("file_path"),
        pl.col("_row_number").alias("row_number"),
        pl.lit(source.date_column).alias("column_name"),
        d.cast(pl.Utf8).alias("bad_value"),  # the date, as the file-period warning shows it
        pl.lit("date_out_of_range").alias("rule"),
        pl.lit(f"日期不在统计范围内({first} 至 {end} 之前),可能填错年份或为未来日期").alias("message_zh"),
        pl.lit(f"Date outside the statistical range [{first}, {end}): wrong year or a future date?").alias(
            "message_en"
        ),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return (rows.filter((d >= first) & (d < end)) if out.height else rows), rejects


def row_rules(
    stacked: pl.DataFrame,
    source: Source,
    scale: dict[str, float],
    date_range: tuple[dt.date, dt.date] | None,
    form_rejects: Iterable[tuple[str, pl.DataFrame]] = (),
) -> RowOutcome:
    """The per-row rules over `stacked`: the rows as read (text cells) of one or more files, each
    named in `_file_path` and numbered in `_row_number`, all read with the header unit factors
    `scale`. `date_range`: [start, end) of the statistical range (None: no range check, e.g. a
    reference source). `form_rejects`: (file, its official form's 合计 rejects) for the files
    whose checks are not reported yet; a reject naming no file is that file's."""
    parsed = parse_frame(stacked, source, "", scale)
    regions = check_regions(parsed.good, source, "")
    good = regions.good
    rejects = [parsed.rejects, regions.rejects]
    rejects += [part.with_columns(pl.col("file_path").fill_null(file)) for file, part in form_rejects]
    if source.date_column and date_range is not None:
        good, out = date_out_of_range(good, source, date_range)
        rejects.append(out)
    found = pl.concat(rejects, how="vertical_relaxed").cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return RowOutcome(typed=parsed.good, good=good, rejects=found)
