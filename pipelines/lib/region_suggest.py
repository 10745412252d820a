"""The nearest valid region code for a code that is not valid on a row's date (docs/regions.md).

Nearest: the successor (for a code used after its last day) or predecessor (before its first
day) with the same name root under the same parent - 梁平县 500228 -> 梁平区 500155, 开县 ->
开州区 - that took over within two years of the change; else the code's parent, or the nearest
ancestor, valid on that date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

SEED_NAME = "dbt_project/seeds/regions.csv"
_SUFFIX = re.compile(r"(林区|特区|新区|地区|县|区|市|旗|盟|州)$")
_WINDOW = dt.timedelta(days=731)  # successor must start within two years of the change


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Registry(dict[str, Region]):
    """Regions by code, with each parent's children (a suggestion looks at siblings only)."""

    @cached_property
    def children(self) -> dict[str, list[Region]]:
        out: dict[str, list[Region]] = {}
        for r in self.values():
            out.setdefault(r.parent, []).append(r)
        return out


def regions_from_rows(rows: Iterable[Mapping[str, str]]) -> Registry:
    return Registry(
        (
            r["region_code"],
            Region(
                r["region_code"],
                r["name_zh"],
                r["parent_code"],
                dt.date.fromisoformat(r["valid_from"] or "1900-01-01"),
                dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            ),
        )
        for r in rows
    )


def name_root(name: str) -> str:
    """'梁平县' -> '梁平', '开州区' -> '开州', '石柱土家族自治县' -> '石柱' (an autonomous
    county's root: its first two characters, as the 族 names that follow have no fixed length)."""
    if "自治" in name:
        return name[:2]
    return _SUFFIX.sub("", name) or name


def _same_root(a: str, b: str) -> bool:
    ra, rb = name_root(a), name_root(b)
    return ra.startswith(rb) or rb.startswith(ra)


def takeover(code: str, on: dt.date, regions: Registry) -> Region | None:
    """The same-name successor or predecessor of `code` under the same parent, valid on `on`."""
    r = regions[code]
    siblings = regions.children.get(r.parent, [])
    if r.valid_to is not None and on > r.valid_to:
        change = r.valid_to + dt.timedelta(days=1)
        near = [s for s in siblings if abs(s.valid_from - change) <= _WINDOW]
    elif on < r.valid_from:
        change = r.valid_from - dt.timedelta(days=1)
        near = [s for s in siblings if s.valid_to is not None and abs(s.valid_to - change) <= _WINDOW]
    else:
        return None
    hits = [s for s in near if s.code != code and s.valid_on(on) and _same_root(s.name, r.name)]
    exact = [s for s in hits if name_root(s.name) == name_root(r.name)]
    return min(exact or hits, key=lambda s: s.code, default=None)


def ancestor_on(code: str, on: dt.date, regions: Mapping[str, Region]) -> Region | None:
    """The nearest ancestor valid on `on` (by the seed's parents, or the code's structure)."""
    r = regions.get(code)
    parent = r.parent if r else (code[:4] + "00" if not code.endswith("00") else code[:2] + "0000")
    seen = {code}
    while parent and parent not in seen:
        seen.add(parent)
        p = regions.get(parent)
        if p is None:
            parent = parent[:2] + "0000" if parent != parent[:2] + "0000" else ""
            continue
        if p.valid_on(on):
            return p
        parent = p.parent
    return None


def messages(code: str, on: dt.date | None, regions: Registry) -> tuple[str, str]:
    """(message_zh, message_en) for `code` rejected on date `on`."""
    r = regions.get(code)
    label = f"{code} {r.name}" if r else code
    if on is None:
        return (
            f"{label} 无法核对有效期:缺少日期(见 {SEED_NAME})",
            f"{label} cannot be checked: the row has no date (see {SEED_NAME})",
        )
    if r is None:
        zh, en = f"{label} 不在行政区划代码表中", f"{label} is not in the region registry"
    elif r.valid_to is not None and on > r.valid_to:
        zh = f"{label} 在 {on} 无效,已撤销或改码(最后有效日 {r.valid_to})"
        en = f"{label} is not valid on {on}: abolished or recoded (last valid day {r.valid_to})"
    else:
        zh = f"{label} 在 {on} 无效,{r.valid_from} 起才启用"
        en = f"{label} is not valid on {on}: in force only from {r.valid_from}"
    near = takeover(code, on, regions) if r else None
    if r is not None and near is not None:
        later = on > r.valid_from
        kind_zh, kind_en = (
            ("同名/继任代码", "same-name successor") if later else ("当时的代码", "code in force then")
        )
        zh += f";{kind_zh}:{near.code} {near.name}"
        en += f"; {kind_en}: {near.code} {near.name}"
    elif (up := ancestor_on(code, on, regions)) is not None:
        zh += f";当日有效的上级代码:{up.code} {up.name}"
        en += f"; parent code valid on that date: {up.code} {up.name}"
    return f"{zh}(见 {SEED_NAME})", f"{en} (see {SEED_NAME})"
