"""Build the region registry (dbt seed ``regions``) from the GB/T 2260 revisions.

    python -m pipelines.lib.gb2260            # rewrite dbt_project/seeds/regions.csv
    python -m pipelines.lib.gb2260 --check    # exit 1 if the committed seed differs

Inputs (docs/regions.md): the Ministry of Civil Affairs lists 1980-12 … 2019-04 in
``../shared/reference/gb2260/mca/`` (one TSV per revision), the post-2019 changes vendored from a
maintained package in ``regions_data/post2019.csv``, and the hand-researched rows of
``regions_data/curated.csv`` (official approval dates, English names, notes), which win over
the derived values for the codes they list.

One row per code (``region_code`` is unique in dim_regions): the latest name, former names in
the note, valid_from/valid_to the earliest/latest day the revisions allow, and the revision
each date came from in the note.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "gb2260"
DATA = Path(__file__).resolve().parent / "regions_data"
SEED = ROOT / "dbt_project" / "seeds" / "regions.csv"
COLUMNS = ("region_code", "name_zh", "name_en", "level", "parent_code", "valid_from", "valid_to", "note")
NATIONAL = "000000"
# Outside the statistics scope of the Ministry of Emergency Management (see the 000000 note).
OUT_OF_SCOPE = ("71", "81", "82")
PLACEHOLDER = "2000-01-01"
_PLACEHOLDER_NOTE = re.compile(
    r"\.?\s*valid_from 2000-01-01 is a placeholder: in force before the 2011 data start "
    r"\(valid_to, when set, is the last valid day, inclusive\)"
)


def revision_date(revision: str) -> dt.date:
    """'201612' -> 2016-12-31: a list states the divisions in force at the end of its month."""
    y, m = int(revision[:4]), int(revision[4:6])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def read_revisions(root: Path = REFERENCE) -> dict[str, dict[str, str]]:
    """MCA revisions, oldest first: revision -> {code: name} (county level and above)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((root / "mca").glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.DictReader(f, delimiter="\t")
            out[path.stem] = {r["Code"]: r["Name"] for r in rows if not r["Code"].startswith(OUT_OF_SCOPE)}
    return out


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def level_of(code: str) -> str:
    if code == NATIONAL:
        return "national"
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


@dataclass
class Code:
    code: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, last revision listing it)
    first: str = ""  # first revision listing the code
    last: str = ""  # last revision listing the code
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    src_from: str = ""
    src_to: str = ""
    gaps: list[str] = field(default_factory=list)  # revisions inside [first, last] not listing it

    @property
    def name(self) -> str:
        return self.names[-1][0]


def from_revisions(revisions: dict[str, dict[str, str]]) -> dict[str, Code]:
    """Every code with its names and validity as the revisions state it.

    valid_from: the day after the last revision before the first one listing the code (the
    earliest day it can have been in force; 1980-12-31 for the first list); valid_to: the day
    before the first revision after the last one listing it (the latest such day), or open.
    """
    order = list(revisions)
    codes: dict[str, Code] = {}
    for i, rev in enumerate(order):
        for code, name in revisions[rev].items():
            c = codes.setdefault(code, Code(code, first=rev))
            if c.last and c.last != order[i - 1]:
                c.gaps += [r for r in order[order.index(c.last) + 1 : i]]
            c.last = rev
            if c.names and c.names[-1][0] == name:
                c.names[-1] = (name, rev)
            else:
                c.names.append((name, rev))
    for c in codes.values():
        i = order.index(c.first)
        c.valid_from = (
            revision_date(order[0]) if i == 0 else revision_date(order[i - 1]) + dt.timedelta(days=1)
        )
        c.src_from = f"mca/{c.first}" if i == 0 else f"mca/{c.first} (absent from mca/{order[i - 1]})"
        j = order.index(c.last)
        if j < len(order) - 1:
            c.valid_to = revision_date(order[j + 1]) - dt.timedelta(days=1)
            c.src_to = f"mca/{c.last} (absent from mca/{order[j + 1]})"
    return codes


def apply_post2019(codes: dict[str, Code], changes: list[dict[str, str]], snapshot: str) -> None:
    """Changes after the last MCA list, from the vendored package snapshot (post2019.csv).

    added: in force from 1 January of the change year, not before the day after the last MCA
    list; removed: in force to 31 December of the change year (the package dates changes by
    year only), or to the day before the snapshot when it gives no year; renamed: new name.
    """
    last_list = max(c.last for c in codes.values())
    after = revision_date(last_list) + dt.timedelta(days=1)
    taken = dt.date.fromisoformat(snapshot)
    for ch in changes:
        year = int(ch["year"]) if ch["year"] else None
        cite = f"{ch['source']}" + (
            f" ({ch['year']} {ch['event']} {ch['doc_no']})".replace(" )", ")") if year else ""
        )
        if ch["change"] == "added":
            if ch["region_code"] in codes:  # one row per code cannot hold a reused code's gap
                raise ValueError(f"{ch['region_code']} is reused after a gap: add a curated.csv row")
            c = codes[ch["region_code"]] = Code(ch["region_code"], first="post2019")
            c.names.append((ch["name_zh"], "post2019"))
            c.valid_from = max(after, dt.date(year, 1, 1)) if year else after
            c.src_from, c.valid_to, c.src_to = cite, None, ""
        elif ch["change"] == "removed":
            c = codes[ch["region_code"]]
            c.valid_to = dt.date(year, 12, 31) if year else taken - dt.timedelta(days=1)
            c.src_to = f"mca/{c.last}; absent from {cite}"
        elif ch["change"] == "renamed":
            c = codes[ch["region_code"]]
            c.names.append((ch["name_zh"], "post2019"))
            c.src_from += f"; renamed {cite}"


def parent_of(code: str, on: dt.date | None, codes: dict[str, Code]) -> str:
    """Parent by code structure: county -> its city XXXX00 when that code is in force on `on`
    (the county's last day, or today when open), else the province XX0000."""
    level = level_of(code)
    if level == "province":
        return NATIONAL
    province = code[:2] + "0000"
    if level == "city":
        return province
    city = codes.get(code[:4] + "00")
    if city is not None and _valid_on(city, on):
        return city.code
    return province


def _valid_on(c: Code, on: dt.date | None) -> bool:
    assert c.valid_from is not None
    if on is None:
        return c.valid_to is None
    return c.valid_from <= on and (c.valid_to is None or on <= c.valid_to)


def _note(c: Code) -> str:
    parts = [f"GB/T 2260: from {c.src_from}"]
    if c.valid_to is not None:
        parts.append(f"to {c.src_to}")
    former = [f"{name} (to mca/{rev})" for name, rev in c.names[:-1]]  # its last listing
    if former:
        parts.append("former names " + ", ".join(former))
    if c.gaps:
        parts.append(f"not listed in {len(c.gaps)} revisions (mca/{c.gaps[0]}–mca/{c.gaps[-1]})")
    return "; ".join(parts)


def build(reference: Path = REFERENCE, data: Path = DATA) -> list[dict[str, str]]:
    codes = from_revisions(read_revisions(reference))
    meta = {r["key"]: r["value"] for r in _read_csv(data / "post2019_source.csv")}
    apply_post2019(codes, _read_csv(data / "post2019.csv"), meta["snapshot_date"])
    curated = {r["region_code"]: r for r in _read_csv(data / "curated.csv")}
    out: dict[str, dict[str, str]] = {}
    for code, c in codes.items():
        assert c.valid_from is not None
        out[code] = {
            "region_code": code,
            "name_zh": c.name,
            "name_en": "",
            "level": level_of(code),
            "parent_code": parent_of(code, c.valid_to, codes),
            "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat() if c.valid_to else "",
            "note": _note(c),
        }
    for code, cur in curated.items():
        derived = out.get(code)
        if code == NATIONAL or derived is None:
            out[code] = dict(cur)  # the nation, and anything the revisions do not list, verbatim
            continue
        row = dict(cur)
        own = _PLACEHOLDER_NOTE.sub("", cur["note"]).strip()
        dates = []
        if cur["valid_from"] == PLACEHOLDER:
            row["valid_from"] = derived["valid_from"]
        else:
            dates.append("valid_from")
        if cur["valid_to"]:
            dates.append("valid_to")
        else:
            row["valid_to"] = ""
        told = f"{'/'.join(dates)} from the approval cited here, not the revisions. " if dates else ""
        row["note"] = (
            (f"{own}{'' if own.endswith('.') or not own else '.'} " if own else "") + told + derived["note"]
        )
        out[code] = row
    return [out[k] for k in sorted(out)]


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed seed, write nothing")
    ap.add_argument("--reference", type=Path, default=REFERENCE, help="folder of the GB/T 2260 revisions")
    args = ap.parse_args(argv)
    text = render(build(args.reference))
    if args.check:
        same = SEED.read_text(encoding="utf-8") == text
        print("regions.csv is up to date" if same else "regions.csv differs from the build")
        return 0 if same else 1
    SEED.write_text(text, encoding="utf-8")
    print(f"wrote {SEED.relative_to(ROOT)}: {text.count(chr(10)) - 1} regions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
