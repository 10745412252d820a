"""Quarterly partitions of the record sources (1 Jan, 1 Apr, 1 Jul, 1 Oct)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.settings import FIRST_QUARTER_START

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    start=FIRST_QUARTER_START,
    cron_schedule="0 0 1 1,4,7,10 *",
    fmt="%Y-%m-%d",
)


def quarter_label(partition_key: str) -> str:
    """'2021-07-01' -> '2021Q3'."""
    d = dt.date.fromisoformat(partition_key)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def partition_key_for(label: str) -> str:
    """'2021Q3' -> '2021-07-01'."""
    year, q = int(label[:4]), int(label[-1])
    return dt.date(year, 3 * q - 2, 1).isoformat()


def statistical_range() -> tuple[dt.date, dt.date]:
    """[first partition start, last complete partition end): record dates outside are rejected."""
    last = quarterly_partitions.get_last_partition_window()
    end = last.end.date() if last else dt.date.fromisoformat(FIRST_QUARTER_START)
    return dt.date.fromisoformat(FIRST_QUARTER_START), end
