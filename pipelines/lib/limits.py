"""Ingest limits 导入上限: declared once here, checked before a file's data is materialised.

A raw file's memory cost is not its size on disk: a 184 KB CSV whose header has 100,000 columns,
a 5 KB workbook with one cell at GR50000 (calamine reads the dense rectangle A1:GR50000) or a
6 MB workbook holding 170 MB of sheet XML each cost hundreds of MB to GBs. So every dimension
that drives memory has a limit, checked as early as the format allows:

- CSV: each physical line is read with a bounded ``readline`` (``MAX_LINE_CHARS``), so no line
  is ever held whole; the header rows' width (``MAX_COLUMNS``) is checked before any data row is
  read; cells are counted as rows stream in (``MAX_CELLS``), so a file is refused before the
  limit's worth of cells is exceeded; every cell's length is checked (``MAX_FIELD_CHARS``).
- XLSX (read whole by calamine, so checked before it is opened): the zip's central directory
  (``MAX_XLSX_PARTS`` entries), the sum of the entries' uncompressed sizes
  (``MAX_XLSX_UNCOMPRESSED_MB``), the sheet's declared ``<dimension>``, and then, because a
  dimension can lie, one streaming pass of the sheet XML (expat, under the uncompressed cap)
  that finds the real last row and column: the rectangle calamine will allocate is bounded by
  ``MAX_XLSX_CELLS`` and ``MAX_COLUMNS``; inline text by ``MAX_FIELD_CHARS``.
- Parquet: columns and rows × columns from the footer, before reading.

A file over a limit is rejected whole (bilingual message naming the limit, its value and the
file); nothing of it is loaded and the rows of its previous version stay. Each limit can be
changed with the environment variable ``SAFETY_<NAME>`` (e.g. ``SAFETY_MAX_COLUMNS=2000``).

Sizing (measured figures in ``benchmarks/hostile_ingest.md``): the widest contract has 16
columns; the largest scale-benchmark file (10M records, one file per province × source ×
quarter) is a few MB and about 40k rows × 14 columns; the 200 MB test CSV (tests/
test_bad_inputs.py) is 2.2M rows × 11 columns = 24M cells and must load. The bound that
follows: one ingest process peaks at about 2.9 GiB for the largest CSV the limits accept
(32M cells, 279 MB) and about 0.65 GiB for the largest workbook (4M cells); every hostile file
of the corpus is refused at about 0.22 GiB (the process's own baseline).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    name: str
    default: float
    zh: str  # what is limited, in Chinese
    en: str
    why: str

    @property
    def value(self) -> int:
        """The limit in force (``SAFETY_<NAME>`` overrides the default)."""
        return int(float(os.environ.get(f"SAFETY_{self.name}", self.default)))

    def label(self) -> tuple[str, str]:
        """(zh, en) naming the limit and its value, for messages."""
        v = f"{self.value:,}"
        return f"{self.zh}上限{v}({self.name})", f"the {self.en} limit of {v} ({self.name})"


MAX_FILE_MB = Limit(
    "MAX_FILE_MB",
    500,
    "文件大小(MB)",
    "file size (MB)",
    "checked on the size on disk before anything is read (kept for SAFETY_MAX_FILE_MB)",
)
MAX_COLUMNS = Limit(
    "MAX_COLUMNS",
    1_000,
    "列数",
    "columns",
    "the widest contract has 16 columns; forms add a few remark columns. Excel allows 16,384.",
)
MAX_FIELD_CHARS = Limit(
    "MAX_FIELD_CHARS",
    32_767,
    "单元格字符数",
    "characters per cell",
    "Excel's own limit for one cell: a longer cell cannot come from a spreadsheet.",
)
MAX_LINE_CHARS = Limit(
    "MAX_LINE_CHARS",
    1_048_576,
    "每行字符数",
    "characters per line",
    "bounds what csv.reader holds for one row; a real record row is a few hundred characters.",
)
MAX_CELLS = Limit(
    "MAX_CELLS",
    32_000_000,
    "单元格总数(行数×列数)",
    "cells (rows × columns)",
    "the 200 MB test CSV (24M cells) loads; a read costs about 95 bytes a cell at peak.",
)
MAX_XLSX_UNCOMPRESSED_MB = Limit(
    "MAX_XLSX_UNCOMPRESSED_MB",
    200,
    "Excel解压后大小(MB)",
    "uncompressed workbook size (MB)",
    "sheet XML is ~30-60 bytes a cell: 200 MB holds more than MAX_XLSX_CELLS of real data.",
)
MAX_XLSX_CELLS = Limit(
    "MAX_XLSX_CELLS",
    4_000_000,
    "Excel工作表单元格总数(最末行×最末列)",
    "worksheet cells (last row × last column)",
    "calamine allocates the dense rectangle up to the last cell: 250k rows × 16 columns.",
)
MAX_XLSX_PARTS = Limit(
    "MAX_XLSX_PARTS",
    10_000,
    "Excel压缩包内文件数",
    "parts in the workbook's zip",
    "a workbook has tens of parts; the zip directory is read whole by zipfile.",
)

ALL_LIMITS = (
    MAX_FILE_MB,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    MAX_CELLS,
    MAX_XLSX_UNCOMPRESSED_MB,
    MAX_XLSX_CELLS,
    MAX_XLSX_PARTS,
)

# Characters that never belong in a cell: C0 controls except tab, LF and CR; DEL; C1 controls.
# A row holding one is quarantined (rule ``control_character``), see pipelines/lib/parse.py.
CONTROL_CHARS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
CONTROL_CHAR_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
