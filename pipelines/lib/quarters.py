"""Quarter arithmetic shared by every layer (pure, standard library only).

A quarter is named two ways: its partition key, the ISO date of its first day ('2021-07-01'),
and its label ('2021Q3').
"""

from __future__ import annotations

import datetime as dt


def quarter_start(d: dt.date) -> str:
    """The partition key of the quarter `d` falls in: 2021-08-20 -> '2021-07-01'."""
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1).isoformat()


def next_quarter_start(d: dt.date) -> dt.date:
    """First day of the quarter after the one starting on `d` (a quarter's first day)."""
    return dt.date(d.year + (d.month == 10), (d.month + 3 - 1) % 12 + 1, 1)


def quarter_label(partition_key: str) -> str:
    """'2021-07-01' -> '2021Q3'."""
    d = dt.date.fromisoformat(partition_key)
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def partition_key_for(label: str) -> str:
    """'2021Q3' -> '2021-07-01'."""
    year, q = int(label[:4]), int(label[-1])
    return dt.date(year, 3 * q - 2, 1).isoformat()


def last_complete_quarter(today: dt.date) -> str:
    """The partition key of the last quarter that ended before `today`'s quarter."""
    this_quarter = dt.date.fromisoformat(quarter_start(today))
    return quarter_start(this_quarter - dt.timedelta(days=1))
