"""Streaming writers: rows are written as they come, so memory stays flat whatever the size.

CSV: UTF-8 with a byte-order mark (Excel then reads "Educación" right), comma separated, one header
row. XLSX: openpyxl in write-only mode, a new sheet every 1,048,575 data rows (plus the header).
JSON: one array written element by element. JSON Lines: one object a line.

Formula injection: a text cell that starts with =, +, -, @, tab or carriage return gets a leading
apostrophe in CSV and XLSX, so a spreadsheet shows it as text and never evaluates it. Numbers stay
numbers. JSON keeps the text as it is (it is data for programs, not a spreadsheet).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

FORMATS = ("csv", "xlsx", "json", "jsonl")
TEXT_FORMATS = ("csv", "jsonl")  # may go to standard output
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included
BOM = "\ufeff"


def neutralise(value: str) -> str:
    """A text that a spreadsheet would run as a formula, made inert."""
    return "'" + value if value.startswith(DANGEROUS_FIRST) else value


def _time(value: Any) -> Any:
    """Times as 'AAAA-MM-DD HH:MM:SS' in UTC: SQLite gives the stored UTC text, PostgreSQL datetimes."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:19]


def normaliser(columns: Sequence[str]) -> Any:
    """A function that turns a database row into plain values: times formatted, Decimal as float."""
    times = [i for i, name in enumerate(columns) if name.endswith("_utc")]

    def normalise(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i in times:
            values[i] = _time(values[i])
        return values

    return normalise


class Writer(Protocol):
    def header(self, columns: Sequence[str]) -> None: ...
    def rows(self, rows: Iterable[Sequence[Any]]) -> None: ...
    def close(self) -> None: ...


class CsvWriter:
    def __init__(self, out: IO[str], bom: bool = True) -> None:
        self.out = out
        self.bom = bom
        self.writer = csv.writer(out, lineterminator="\r\n")
        # True when each row is one finished CSV line made by the database, times formatted and
        # formulas neutralised (storage.exports.ViewQuery(spreadsheet=True)): written as it is.
        self.prepared = False

    def header(self, columns: Sequence[str]) -> None:
        if self.bom:
            self.out.write(BOM)
        self.writer.writerow(columns)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        if self.prepared:  # finished lines (storage.exports.ViewQuery(spreadsheet=True))
            self.out.write("".join([row[0] + "\r\n" for row in rows]))
            return
        danger = DANGEROUS_FIRST
        self.writer.writerows(
            [("'" + v if v.__class__ is str and v.startswith(danger) else v) for v in row] for row in rows
        )

    def close(self) -> None:
        self.out.flush()


class XlsxWriter:
    def __init__(self, path: Any, max_rows: int = XLSX_MAX_ROWS) -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.max_data_rows = max_rows - 1
        self.columns: Sequence[str] = ()
        self.sheet: Any = None
        self.in_sheet = 0
        self.sheets = 0

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.book.create_sheet("datos" if self.sheets == 1 else f"datos{self.sheets}")
        self.sheet.append(list(self.columns))
        self.in_sheet = 0

    def header(self, columns: Sequence[str]) -> None:
        self.columns = columns
        self._new_sheet()

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        for row in rows:
            if self.in_sheet >= self.max_data_rows:
                self._new_sheet()
            cells = []
            for v in row:
                if v.__class__ is str:
                    v = neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))
                elif isinstance(v, Decimal):
                    v = float(v)
                cells.append(v)
            self.sheet.append(cells)
            self.in_sheet += 1

    def close(self) -> None:
        self.book.save(self.path)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class JsonWriter:
    def __init__(self, out: IO[str], lines: bool = False) -> None:
        self.out = out
        self.lines = lines
        self.columns: Sequence[str] = ()
        self.first = True

    def header(self, columns: Sequence[str]) -> None:
        self.columns = columns
        if not self.lines:
            self.out.write("[")

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        columns, dumps = self.columns, json.dumps
        parts = []
        for row in rows:
            text = dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=_json_default)
            if self.lines:
                parts.append(text + "\n")
            else:
                parts.append(("\n" if self.first else ",\n") + text)
                self.first = False
        self.out.write("".join(parts))

    def close(self) -> None:
        if not self.lines:
            self.out.write("\n]\n")
        self.out.flush()


def writer_for(fmt: str, out: Any) -> Writer:
    """A writer for `fmt` on `out`: a text stream (csv, json, jsonl) or a path or binary stream (xlsx)."""
    if fmt == "csv":
        return CsvWriter(out)
    if fmt == "xlsx":
        return XlsxWriter(out)
    if fmt in ("json", "jsonl"):
        return JsonWriter(out, lines=fmt == "jsonl")
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
