"""The README and docs/: every relative link and image resolves, and the README stays a short page
a newcomer reads in five minutes, with no dated or measured figures (those live in benchmarks/).

Pure file checks: no warehouse, no network. Links to http(s) and mailto are not followed.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted([README, *(ROOT / "docs").glob("*.md")])
MAX_README_LINES = 160

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target); the target ends at whitespace (an optional "title") or ")"
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_SRC = re.compile(r"""<(?:img|a)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto: …


def _prose_lines(text: str, blank_code: bool = True) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, inline code spans blanked unless asked."""
    out, fenced = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((n, _CODE_SPAN.sub("", line) if blank_code else line))
    return out


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every Markdown link, image and HTML src/href outside code."""
    found = []
    for n, line in _prose_lines(text):
        found += [(n, m.group(1)) for m in _LINK.finditer(line)]
        found += [(n, m.group(1)) for m in _HTML_SRC.finditer(line)]
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation and symbols removed
    (letters, digits, marks, '-', '_' and spaces kept, CJK included), spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links -> their text
    text = text.replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or c.isalnum() or unicodedata.category(c).startswith("M"))
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file (repeated headings get -1, -2 … as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    for _n, line in _prose_lines(path.read_text(encoding="utf-8"), blank_code=False):
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        k = seen.get(base, 0)
        seen[base] = k + 1
        out.add(base if k == 0 else f"{base}-{k}")
    return out


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """Relative links of `path` whose file (or heading anchor, for Markdown targets) is missing."""
    problems = []
    for n, target in links(path.read_text(encoding="utf-8")):
        if _EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(root)}:{n}: {target}"
        if root.resolve() not in (dest, *dest.parents):
            problems.append(f"{where} (outside the repository)")
        elif not dest.exists():
            problems.append(f"{where} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where} (no heading with that anchor in {dest.name})")
    return problems


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(path: Path) -> None:
    assert broken_links(path) == []


def test_checker_finds_broken_links(tmp_path: Path) -> None:
    """The checker itself: a missing file, a missing anchor and an escape from the root are
    reported; code is not read as links; good links, images and anchors pass."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "img.png").write_bytes(b"")
    (tmp_path / "docs" / "guide.md").write_text(
        "# 统计人员指南 · Guide (draft)\n\n## `make run` & more\n", encoding="utf-8"
    )
    page = tmp_path / "README.md"
    page.write_text(
        "![shot](docs/img.png) [ok](docs/guide.md#统计人员指南--guide-draft) [ok](docs/guide.md#make-run--more)\n"
        "[web](https://example.org/x) [self](#top)\n"
        "[gone](docs/missing.md) [bad anchor](docs/guide.md#nope) [out](../elsewhere.md)\n"
        "`[code](not/checked.md)`\n```\n[fenced](not/checked.md)\n```\n# Top\n",
        encoding="utf-8",
    )
    problems = broken_links(page, tmp_path)
    assert [p.split(": ", 1)[1].split(" (")[0] for p in problems] == [
        "docs/missing.md",
        "docs/guide.md#nope",
        "../elsewhere.md",
    ]


def test_readme_is_short() -> None:
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_README_LINES, (
        f"README.md has {n} lines; move detail into docs/ (limit {MAX_README_LINES})"
    )


# A calendar date (2026-11-30, 2026/11/30, 2026年11月30日) or a measured quantity: a duration, a
# size of memory or data, a rate, or a speed-up ratio (12.3 s, 3.8 GiB, 1.9×, 0.195 of …).
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}(?:[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])|年\d{1,2}月\d{1,2}日)(?!\d)"
)
_FIGURE = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)*\s?"
    r"(?:ms|s|sec|seconds?|min|minutes?|h|hours?|秒|毫秒|分钟|小时|KiB|MiB|GiB|KB|MB|GB|rows/s|×|x faster)"
    r"(?![\w/])"
)


def test_readme_has_no_dates_or_measured_figures() -> None:
    text = README.read_text(encoding="utf-8")
    dates = _DATE.findall(text)
    figures = [m.group(0) for m in _FIGURE.finditer(text)]
    assert not dates, f"README.md quotes dates {dates}: dated figures belong in benchmarks/*.md"
    assert not figures, f"README.md quotes measured figures {figures}: link benchmarks/*.md instead"


def test_figure_patterns() -> None:
    """The date and figure patterns catch what they are for and pass ordinary text."""
    for bad in ("measured 2026-11-23", "142.8 s", "3.8 GiB", "1.9×", "3,848 MiB", "用时 12 秒"):
        assert _DATE.search(bad) or _FIGURE.search(bad), bad
    for fine in (
        "Python 3.11",
        "GB/T 2260",
        "GB 6441",
        "1M and 10M-record drops",
        "http://127.0.0.1:8501",
        "2021Q4",
        "2016–2024",
    ):
        assert not (_DATE.search(fine) or _FIGURE.search(fine)), fine
