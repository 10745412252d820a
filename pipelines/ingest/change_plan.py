"""The one change planner: which quarters a drop's changes reload (CLI, file sensor, schedule).

`plan_reload` is pure: it decides from explicit inputs, reads no file and no database.

- previous: per file, the sha256 last seen and the quarters its loaded rows cover;
- current:  per file in the drop now, its sha256;
- quarters_of(file): the quarters of the rows of a file's *current* content (asked only for new
  and changed files: reading a file is the expensive part);
- forced: quarters reloaded whatever the files say (the quarterly schedule's quarter just ended).

Rules: an unchanged file (same sha256) reloads nothing; a new file reloads the quarters of its
rows; a changed file the quarters of its new rows *and* of its old rows (a corrected date moves a
row out of a quarter, which must then lose it); a removed file the quarters of its old rows. A
file whose quarters are unknown (no dated row, unreadable, or never recorded) falls back to the
period in its file name (`2025Q2`, `2021`).

Callers gather the inputs where they are recorded:
- `safety-stats refresh` (`pipelines.refresh`): previous = the warehouse's `raw.load_log` (sha256)
  and `raw.file_quarters` (quarters), under the writer lock;
- `raw_file_sensor` (`pipelines.automation`): previous = its cursor (sha256 and the quarters of the
  content it last saw) united with the published serving copy's `quality.file_quarters`, opened
  read-only: the sensor never opens the warehouse, so it neither waits for nor blocks a writer;
- `quarterly_check`: no file change, forced = the quarter just ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.lib.quarters import next_quarter_start, quarter_start

if TYPE_CHECKING:
    from pipelines.lib.contracts import Source


@dataclass(frozen=True)
class Seen:
    """What is known of a file from before: its sha256 and the quarters of its rows then."""

    sha256: str
    quarters: frozenset[str] = frozenset()


@dataclass
class Plan:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quarters: set[str] = field(default_factory=set)  # partition keys '2021-07-01'

    @property
    def files(self) -> list[str]:
        return sorted(self.new + self.changed + self.removed)


def name_quarters(relpath: str) -> set[str]:
    """Partition keys of the period in a file name (`…_2025Q2.xlsx`, `…_2021.csv`); empty if none."""
    from pipelines.ingest.loader import file_period

    period = file_period(relpath)
    if period is None:
        return set()
    start, end, _label = period
    keys, d = set(), start
    while d < end:
        keys.add(d.isoformat())
        d = next_quarter_start(d)
    return keys


def plan_reload(
    previous: Mapping[str, Seen],
    current: Mapping[str, str],
    quarters_of: Callable[[str], Iterable[str]],
    forced: Iterable[str] = (),
    fallback: Callable[[str], Iterable[str]] = name_quarters,
) -> Plan:
    """The files that differ between `previous` and `current` and the quarters they reload."""
    plan = Plan(quarters=set(forced))
    for rel in sorted(current):
        before = previous.get(rel)
        if before is not None and before.sha256 == current[rel]:
            continue
        (plan.changed if before is not None else plan.new).append(rel)
        new_q = set(quarters_of(rel)) or set(fallback(rel))
        old_q = (set(before.quarters) or set(fallback(rel))) if before is not None else set()
        plan.quarters |= new_q | old_q
    for rel in sorted(set(previous) - set(current)):
        plan.removed.append(rel)
        plan.quarters |= set(previous[rel].quarters) or set(fallback(rel))
    return plan


def file_quarters(path: Path, root: Path, source: Source) -> set[str]:
    """Partition keys ('2021-01-01', …) the rows of a record file's current content fall in.

    Decided as the loader decides it: by the parsed date of each valid row. Empty for a file
    that cannot be read (rejected whole) or has no valid dated row (`plan_reload` then falls
    back to its file-name period).
    """
    import polars as pl

    from pipelines.lib.parse import parse_frame
    from pipelines.lib.readers import FileRejected, read_raw_file

    try:
        raw = read_raw_file(path, root, source)
        good = parse_frame(raw.frame, source, raw.relpath, raw.scale_factors).good
        dates = good.get_column(source.date_column).cast(pl.Date).drop_nulls().unique()  # type: ignore[arg-type]
        return {quarter_start(d) for d in dates.to_list()}
    except (FileRejected, pl.exceptions.PolarsError):
        return set()


def contiguous_ranges(keys: Iterable[str]) -> list[tuple[str, str]]:
    """Valid partition keys grouped into [first, last] runs of consecutive quarters."""
    from pipelines.lib.partitions import quarterly_partitions  # imports dagster: only when asked

    valid = quarterly_partitions.get_partition_keys()
    index = {k: i for i, k in enumerate(valid)}
    positions = sorted({index[k] for k in keys if k in index})
    ranges: list[tuple[str, str]] = []
    for pos in positions:
        if ranges and index[ranges[-1][1]] == pos - 1:
            ranges[-1] = (ranges[-1][0], valid[pos])
        else:
            ranges.append((valid[pos], valid[pos]))
    return ranges
