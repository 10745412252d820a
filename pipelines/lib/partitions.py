"""The quarterly partition set of the record sources (1 Jan, 1 Apr, 1 Jul, 1 Oct) and the run
tags that make one Dagster run cover a range of it."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.settings import FIRST_QUARTER_START

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    start=FIRST_QUARTER_START,
    cron_schedule="0 0 1 1,4,7,10 *",
    fmt="%Y-%m-%d",
)

# A run over a partition range (single-run backfill policy) carries these two tags; Dagster
# exports no public constant for them (dagster._core.storage.tags), so they are spelled here.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags of one run over the partitions first..last (partition keys, inclusive)."""
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}


def statistical_range() -> tuple[dt.date, dt.date]:
    """[first partition start, last complete partition end): record dates outside are rejected."""
    last = quarterly_partitions.get_last_partition_window()
    end = last.end.date() if last else dt.date.fromisoformat(FIRST_QUARTER_START)
    return dt.date.fromisoformat(FIRST_QUARTER_START), end
