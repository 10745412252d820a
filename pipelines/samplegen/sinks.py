"""Streaming file writers (CSV in UTF-8 / UTF-8 with BOM / GBK, and XLSX) with byte-stable output.

Rows arrive in chunks (polars DataFrames with canonical column names); a sink renames them to the
file's headers and appends. Nothing depends on the clock: XLSX metadata uses a fixed timestamp and
xlsxwriter stores zip members with a fixed date.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xlsxwriter

from . import spec
from .util import fmt_cents


class Sink:
    """Base class: ``columns`` are canonical names in file order, ``headers`` the names written."""

    def __init__(
        self,
        path: Path,
        fmt: spec.FileFormat,
        columns: Sequence[str],
        headers: Sequence[str],
        money_cols: Sequence[str] = (),
        decimal_cols: Sequence[str] = (),
        bool_cols: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.columns = list(columns)
        self.headers = list(headers)
        self.money_cols = set(money_cols)
        self.decimal_cols = set(decimal_cols)
        self.bool_cols = set(bool_cols)
        self.rows = 0

    def write(self, df: pl.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _strings_for_bools(self, df: pl.DataFrame) -> pl.DataFrame:
        exprs = [
            pl.when(pl.col(c))
            .then(pl.lit(self.fmt.bool_true))
            .otherwise(pl.lit(self.fmt.bool_false))
            .alias(c)
            for c in self.bool_cols
            if c in df.columns
        ]
        return df.with_columns(exprs) if exprs else df


class CsvSink(Sink):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        if self.fmt.encoding == "utf-8-sig":
            self._fh.write(b"\xef\xbb\xbf")
        header = ",".join(_quote(h) for h in self.headers) + self.fmt.line_terminator
        self._fh.write(self._encode(header))

    def _encode(self, text: str) -> bytes:
        return text.encode("gbk" if self.fmt.encoding == "gbk" else "utf-8")

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        df = self._strings_for_bools(df.select(self.columns))
        exprs: list[pl.Expr | pl.Series] = []
        for c in self.columns:
            if c in self.money_cols and self.fmt.money == "yuan":
                exprs.append((pl.col(c) * 100).alias(c))
            elif c in self.money_cols or c in self.decimal_cols:
                exprs.append(pl.Series(c, _cents_or_null(df[c]), dtype=pl.String).alias(c))
        if exprs:
            df = df.with_columns(exprs)
        buf = io.BytesIO()
        df.write_csv(
            buf,
            include_header=False,
            line_terminator=self.fmt.line_terminator,
            datetime_format=self.fmt.datetime_format,
            date_format=self.fmt.date_format,
        )
        self._fh.write(self._encode(buf.getvalue().decode("utf-8")))
        self.rows += df.height

    def close(self) -> None:
        self._fh.close()


class XlsxSink(Sink):
    fmt_streaming = False  # set by the generator when scale > 1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # constant_memory streams rows to disk (for large scales); in_memory keeps small sheets in
        # memory with shared strings (smaller files, no temp files). Each mode is byte-stable.
        options = {"constant_memory": True} if self.fmt_streaming else {"in_memory": True}
        self._wb = xlsxwriter.Workbook(str(self.path), options)
        self._wb.set_properties(
            {
                "title": self.path.stem,
                "author": "SYNTHETIC sample generator",
                "company": "safety-stats",
                "comments": "SYNTHETIC sample data (see raw/sample/README.md); not official statistics",
                "created": spec.XLSX_CREATED,
            }
        )
        self._ws = self._wb.add_worksheet("Sheet1")
        self._dt = self._wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._d = self._wb.add_format({"num_format": "yyyy-mm-dd"})
        bold = self._wb.add_format({"bold": True})
        for i, h in enumerate(self.headers):
            self._ws.set_column(i, i, max(10, 2 * len(h) + 2))
            self._ws.write_string(0, i, h, bold)
        self._row = 1

    def write(self, df: pl.DataFrame) -> None:
        if df.height == 0:
            return
        df = self._strings_for_bools(df.select(self.columns))
        writers: list[Callable[[int, int, Any], object]] = []
        ws = self._ws
        for c in self.columns:
            dtype = df.schema[c]
            if c in self.money_cols and self.fmt.money == "yuan":
                writers.append(lambda r, i, v: ws.write_number(r, i, v * 100))
            elif c in self.money_cols or c in self.decimal_cols:
                writers.append(lambda r, i, v: ws.write_number(r, i, v / 100))
            elif dtype == pl.Datetime:
                writers.append(lambda r, i, v: ws.write_datetime(r, i, v, self._dt))
            elif dtype == pl.Date:
                writers.append(lambda r, i, v: ws.write_datetime(r, i, v, self._d))
            elif dtype.is_numeric():
                writers.append(lambda r, i, v: ws.write_number(r, i, v))
            else:
                writers.append(lambda r, i, v: ws.write_string(r, i, str(v)))
        for row in df.iter_rows():
            r = self._row
            for i, v in enumerate(row):
                if v is not None and v != "":
                    writers[i](r, i, v)
            self._row += 1
        self.rows += df.height

    def close(self) -> None:
        self._wb.close()


def _quote(text: str) -> str:
    return f'"{text}"' if any(ch in text for ch in ',"\n') else text


def _cents_or_null(series: pl.Series) -> list[str | None]:
    values = series.to_list()
    present = [v for v in values if v is not None]
    formatted = iter(fmt_cents(np.asarray(present, dtype=np.int64))) if present else iter(())
    return [next(formatted) if v is not None else None for v in values]


def open_sink(path: Path, fmt: spec.FileFormat, columns, headers, **kwargs) -> Sink:
    cls = XlsxSink if fmt.ext == "xlsx" else CsvSink
    return cls(path, fmt, columns, headers, **kwargs)


class Router:
    """Writes month chunks of one submitting unit and source into per-period files.

    Each row carries ``_file`` (the period of the file it belongs to). Chunks come in chronological
    order; rows for a later file (late reports, write-offs, 续报/核报) wait in ``pending`` and are
    written first when that file opens - their event dates precede the new period, so every file
    stays sorted by its event date.
    """

    def __init__(self, make_sink: Callable[[str], Sink], sort_by: Sequence[str]) -> None:
        self.make_sink = make_sink
        self.sort_by = list(sort_by)
        self.current: str | None = None
        self.sink: Sink | None = None
        self.pending: dict[str, list[pl.DataFrame]] = {}
        self.written: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def open(self, period: str) -> None:
        if self.current == period:
            return
        self._close_current()
        self.current = period
        self.sink = self.make_sink(period)
        self.paths[period] = self.sink.path
        waiting = self.pending.pop(period, [])
        if waiting:
            self.sink.write(pl.concat(waiting, how="vertical").sort(self.sort_by))

    def write(self, period: str, df: pl.DataFrame) -> None:
        self.open(period)
        assert self.sink is not None
        if df.height == 0:
            return
        own_mask = df["_file"] == period
        if own_mask.all():
            self.sink.write(df.sort(self.sort_by))
            return
        later = df.filter(~own_mask)
        if later.height:
            for key, part in later.partition_by("_file", as_dict=True).items():
                target = key[0] if isinstance(key, tuple) else key
                if _period_key(str(target)) < _period_key(period):
                    raise AssertionError(f"row routed to past file {target} while writing {period}")
                self.pending.setdefault(str(target), []).append(part)
        self.sink.write(df.filter(own_mask).sort(self.sort_by))

    def close(self) -> None:
        self._close_current()
        if self.pending:
            raise AssertionError(f"rows left for files never opened: {sorted(self.pending)}")

    def _close_current(self) -> None:
        if self.sink is not None and self.current is not None:
            self.sink.close()
            self.written[self.current] = self.sink.rows
        self.sink = None


def _period_key(period: str) -> tuple[int, int]:
    if "Q" in period:
        y, q = period.split("Q")
        return int(y), int(q)
    return int(period), 0
