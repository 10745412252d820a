"""Safe spreadsheet cells: the one place where the product writes CSV and XLSX (issue 14).

Free text from the raw drops (a fire's `place_type`, a rejected row's `bad_value`, a query alias in
the SQL workbench) reaches the downloads. A spreadsheet program treats a cell that begins with
`=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`), so every writer of
a CSV or XLSX file goes through this module (a structural test keeps it so,
`tests/test_safe_downloads.py`). The rule (OWASP "CSV injection"):

- A **text** cell is *formula-like* when it begins with `=`, `+`, `-`, `@`, a tab or a carriage
  return, or with one of their full-width forms `＝＋－＠` (Chinese and Japanese input methods
  type these, and spreadsheet programs in those locales may read them as the ASCII signs), also
  after leading spaces (ASCII, ideographic `\\u3000`) or line feeds.
  Exception: text that is a plain signed number (`-12`, `+3.5`, `-1,234.5`, `-7.2%`, `-1e-3`)
  is not formula-like: opened as a formula it is that same number, so it stays as written.
- CSV: a formula-like text cell gets a single quote `'` in front (`=1+1` → `'=1+1`).
- XLSX: every text cell is a string cell (xlsxwriter with `strings_to_formulas`, `strings_to_urls`
  and `strings_to_numbers` off); a formula-like one keeps its text and gets the quote-prefix
  cell format (`quotePrefix="1"`, what Excel does when you type `'=1+1`), so it shows `=1+1`,
  stays text when the cell is edited, and the sheet has no `<f>` element.
- Numbers (int, float, Decimal, numpy numbers; booleans) stay numbers, never strings; dates and
  times stay dates and times; nulls (None, NaN, NaT, pd.NA) stay empty cells. Column names are
  text cells like any other.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# the characters that make a spreadsheet read a cell as a formula
TRIGGERS = frozenset("=+-@\t\r") | frozenset("＝＋－＠")
# skipped before looking for a trigger (a tab or carriage return is itself a trigger)
LEADING_SPACE = " \u3000\n"
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")

# xlsxwriter options: text is always written as text
SAFE_XLSX_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula? (see the module docstring)"""
    if not text:
        return False
    if text[0] in "\t\r":
        return True
    body = text.lstrip(LEADING_SPACE)
    if not body or body[0] not in TRIGGERS:
        return False
    return _PLAIN_NUMBER.fullmatch(body) is None


def neutralise(text: str) -> str:
    """CSV form of a text cell: a formula-like text gets a leading single quote."""
    return QUOTE + text if is_formula_like(text) else text


def is_null(value: Any) -> bool:
    """None, NaN, NaT and pd.NA; a list, an array or a dict is a value, not a null."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    if isinstance(value, float | decimal.Decimal):
        return value != value
    import pandas as pd

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _is_number(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not _is_bool(value)) or isinstance(value, decimal.Decimal)


def _is_bool(value: Any) -> bool:
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))


def csv_cell(value: Any) -> Any:
    """A value for `csv.writer`: empty for nulls, numbers, booleans and dates unchanged, anything
    else as neutralised text."""
    if is_null(value):
        return ""
    if _is_bool(value) or _is_number(value) or isinstance(value, dt.date | dt.time):
        return value
    return neutralise(value if isinstance(value, str) else str(value))


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `csv_cell` (the header too)."""

    def __init__(self, stream: IO[str], **kwargs: Any) -> None:
        kwargs.setdefault("lineterminator", "\n")
        self._w = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_csv_rows(
    stream: IO[str], columns: Sequence[Any], rows: Iterable[Sequence[Any]], **kwargs: Any
) -> None:
    """A header and rows of Python values as CSV text on `stream` (the CLI's `--format csv`)."""
    w = SafeCsvWriter(stream, **kwargs)
    w.writerow(columns)
    w.writerows(rows)


# ------------------------------------------------------------------ data frames


def _is_polars(df: Any) -> bool:
    return type(df).__module__.split(".", 1)[0] == "polars"


def _csv_value(value: Any) -> Any:
    """One cell of a text (object) column: numbers and nulls kept, text neutralised."""
    if isinstance(value, str):
        return neutralise(value)
    if is_null(value):
        return None
    if _is_bool(value) or _is_number(value) or isinstance(value, dt.date | dt.time):
        return value
    return neutralise(str(value))


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A pandas frame whose column names and text cells are neutralised; numeric, boolean and
    date columns are the same objects as in `df`."""
    import pandas as pd

    out = {}
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype):
            col = col.astype(object).map(_csv_value)
        elif pd.api.types.is_string_dtype(dtype):
            col = col.map(_csv_value, na_action="ignore")
        out[i] = col
    frame = pd.DataFrame(out, index=df.index)
    frame.columns = [neutralise(str(c)) for c in df.columns]
    return frame


def csv_bytes(df: pd.DataFrame | pl.DataFrame, *, bom: bool = True) -> bytes:
    """A pandas or polars frame as CSV bytes, UTF-8 (with a BOM by default, so that Excel opens
    Chinese text correctly), no index, nulls empty, text cells neutralised."""
    encoding = "utf-8-sig" if bom else "utf-8"
    if _is_polars(df):
        import polars as pl

        assert isinstance(df, pl.DataFrame)
        text_types = (pl.String, pl.Categorical, pl.Enum)
        exprs = [
            (
                pl.col(name).cast(pl.String).map_elements(neutralise, return_dtype=pl.String)
                if isinstance(dtype, text_types) or dtype in text_types
                else pl.col(name)
            ).alias(neutralise(name))
            for name, dtype in df.schema.items()
        ]
        return df.select(exprs).write_csv().encode(encoding)
    return safe_frame(df).to_csv(index=False).encode(encoding)  # type: ignore[arg-type]


def _frame_rows(df: pd.DataFrame | pl.DataFrame) -> tuple[list[str], Iterable[Sequence[Any]]]:
    if _is_polars(df):
        return [str(c) for c in df.columns], df.iter_rows()  # type: ignore[union-attr]
    return [str(c) for c in df.columns], df.itertuples(index=False, name=None)  # type: ignore[union-attr]


# ------------------------------------------------------------------ XLSX


def sheet_name(name: str) -> str:
    """A valid worksheet name: no []:*?/\\, at most 31 characters, not empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31]
    return cleaned or "data"


class SafeWorkbook:
    """An xlsxwriter workbook that writes text only as text. Make formats with `add_format` so
    that a formula-like text can get the quote-prefixed twin of its format."""

    def __init__(self, target: Any, options: dict[str, Any] | None = None) -> None:
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(target, {**(options or {}), **SAFE_XLSX_OPTIONS})
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Format] = {}
        self._formats: list[Format] = []  # keeps the ids in _props alive and unique
        self._date: Format | None = None
        self._datetime: Format | None = None
        self._time: Format | None = None

    def add_format(self, props: dict[str, Any] | None = None) -> Format:
        fmt = self.wb.add_format(dict(props or {}))
        self._props[id(fmt)] = dict(props or {})
        self._formats.append(fmt)
        return fmt

    def add_worksheet(self, name: str | None = None) -> Worksheet:
        return self.wb.add_worksheet(sheet_name(name) if name else None)

    def quoted(self, fmt: Format | None) -> Format:
        """The quote-prefixed twin of a format made by `add_format` (or of the default format)."""
        key = 0 if fmt is None else id(fmt)
        if key not in self._quoted:
            if fmt is not None and key not in self._props:
                raise ValueError("format not made by SafeWorkbook.add_format")
            props = self._props[key] if fmt is not None else {}
            self._quoted[key] = self.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def text_format(self, text: str, fmt: Format | None) -> Format | None:
        return self.quoted(fmt) if is_formula_like(text) else fmt

    def write_text(self, ws: Worksheet, row: int, col: int, text: Any, fmt: Format | None = None) -> None:
        s = text if isinstance(text, str) else str(text)
        if s == "":
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
            return
        ws.write_string(row, col, s, self.text_format(s, fmt))

    def merge_text(
        self,
        ws: Worksheet,
        first_row: int,
        first_col: int,
        last_row: int,
        last_col: int,
        text: str,
        fmt: Format,
    ) -> None:
        ws.merge_range(first_row, first_col, last_row, last_col, text, self.text_format(text, fmt))

    def _date_formats(self) -> tuple[Format, Format, Format]:
        if self._date is None or self._datetime is None or self._time is None:
            self._date = self.add_format({"num_format": "yyyy-mm-dd"})
            self._datetime = self.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            self._time = self.add_format({"num_format": "hh:mm:ss"})
        return self._date, self._datetime, self._time

    def write_value(
        self,
        ws: Worksheet,
        row: int,
        col: int,
        value: Any,
        fmt: Format | None = None,
        date_fmt: Format | None = None,
    ) -> None:
        """One typed cell: nothing for a null, a number, a boolean, a date or time (time zone
        dropped, wall-clock time kept: Excel has no time zones), or text."""
        if is_null(value):
            return
        if _is_bool(value):
            ws.write_boolean(row, col, bool(value), fmt)
        elif _is_number(value):
            f = float(value)
            if math.isfinite(f):
                ws.write_number(row, col, f, fmt)
            else:
                self.write_text(ws, row, col, str(f), fmt)  # "inf" / "-inf" (quote-prefixed)
        elif isinstance(value, dt.datetime):
            naive = value.replace(tzinfo=None)
            if hasattr(naive, "to_pydatetime"):  # pd.Timestamp
                naive = naive.to_pydatetime()
            ws.write_datetime(row, col, naive, date_fmt or self._date_formats()[1])
        elif isinstance(value, dt.date):
            ws.write_datetime(
                row, col, dt.datetime(value.year, value.month, value.day), date_fmt or self._date_formats()[0]
            )
        elif isinstance(value, dt.time):
            ws.write_datetime(row, col, value.replace(tzinfo=None), date_fmt or self._date_formats()[2])
        else:
            self.write_text(ws, row, col, value, fmt)

    def write_table(
        self,
        ws: Worksheet,
        columns: Sequence[Any],
        rows: Iterable[Sequence[Any]],
        header: Format | None = None,
    ) -> int:
        """A header row and typed rows from the top left; returns the number of data rows."""
        for c, name in enumerate(columns):
            self.write_text(ws, 0, c, str(name), header)
        n = 0
        for n, values in enumerate(rows, start=1):
            for c, v in enumerate(values):
                self.write_value(ws, n, c, v)
        return n

    def close(self) -> None:
        self.wb.close()


def new_workbook(target: Any, options: dict[str, Any] | None = None) -> SafeWorkbook:
    """A `SafeWorkbook` on a path or a BytesIO (in memory)."""
    opts = dict(options or {})
    if isinstance(target, io.BytesIO):
        opts.setdefault("in_memory", True)
    return SafeWorkbook(target, opts)


def xlsx_bytes(df: pd.DataFrame | pl.DataFrame, sheet: str = "data") -> bytes:
    """A pandas or polars frame as an XLSX file with one sheet: a bold header row (frozen),
    numbers as numbers, dates as dates, nulls empty, text as (quote-prefixed when formula-like)
    strings."""
    buf = io.BytesIO()
    book = new_workbook(buf)
    ws = book.add_worksheet(sheet)
    columns, rows = _frame_rows(df)
    book.write_table(ws, columns, rows, header=book.add_format({"bold": True}))
    ws.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()
