"""The quality and methodology note of each indicator (seeds/indicator_notes.csv: definition,
source, known breaks, reliability, what the interval means), read from the seed file as the
domain pages read theirs, for the indicator page's expander."""

from __future__ import annotations

import csv
from functools import cache

from dashboards.i18n import t
from pipelines.settings import DBT_PROJECT_DIR

NOTES_CSV = DBT_PROJECT_DIR / "seeds" / "indicator_notes.csv"
SECTIONS = ("definition", "source", "known_breaks", "reliability", "interval")


@cache
def load_notes() -> dict[str, dict[str, str]]:
    """{indicator_code: note row} of the seed."""
    with NOTES_CSV.open(encoding="utf-8", newline="") as f:
        return {r["indicator_code"]: r for r in csv.DictReader(f)}


def note_markdown(code: str, lang: str) -> str:
    """The note of indicator `code` as Markdown: one bold heading and text per section."""
    note = load_notes().get(code)
    if note is None:
        return t("note_missing", lang)
    sfx = "en" if lang == "en" else "zh"
    sep = ": " if lang == "en" else ":"
    return "\n\n".join(f"**{t(f'note_{s}', lang)}**{sep}{note[f'{s}_{sfx}']}" for s in SECTIONS)
