"""A readiness list's body as rows of cells: CSV (UTF-8, with or without a byte order mark;
Windows-1252 when it is not UTF-8, as older Excel saves it) or an XLSX workbook (its first
sheet). Rows are numbered as the spreadsheet shows them, the header being row 1; rows with
nothing in them are left out (spreadsheets keep formatted empty rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import openpyxl

Cell = str | int | float | bool | date | datetime | time | timedelta | None

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Browsers label a .csv file text/csv, or (on Windows, with Excel installed) as Excel's.
CSV_MEDIA = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})
ZIP_SIGNATURE = b"PK\x03\x04"  # an XLSX workbook is a zip file
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # an old .xls workbook
MAX_ROWS = 20_000  # a system's whole list is a few thousand people


class Unreadable(Exception):
    """The body is not a list we can read: `status` 415 (not CSV or XLSX), 413 (too many rows)
    or 422 (a broken file)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Sheet:
    header: list[Cell]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)  # (row number, cells)


def read_sheet(body: bytes, media_type: str) -> Sheet:
    """The rows of a CSV or XLSX body; which it is, by its signature, else its media type."""
    media = media_type.split(";")[0].strip().lower()
    if body.startswith(ZIP_SIGNATURE):
        return _xlsx(body)
    if body.startswith(OLE_SIGNATURE):
        raise Unreadable(415, "this is an old .xls workbook: save it as .xlsx or CSV")
    if media == XLSX_MEDIA:
        raise Unreadable(422, "the body is not an XLSX workbook")
    if media in CSV_MEDIA or not media:
        return _csv(body)
    raise Unreadable(415, f"send the list as text/csv or as an XLSX workbook ({XLSX_MEDIA})")


def _csv(body: bytes) -> Sheet:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    try:
        return _sheet(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as error:
        raise Unreadable(422, f"the body is not a readable CSV file: {error}") from error


def _xlsx(body: bytes) -> Sheet:
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as error:  # any broken file is the sender's: never a 500
        raise Unreadable(422, "the body is not a readable XLSX workbook") from error
    try:
        if not book.worksheets:
            raise Unreadable(422, "the workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _sheet(enumerate(rows, start=1))
    except Unreadable:
        raise
    except Exception as error:
        raise Unreadable(422, "the workbook's first sheet could not be read") from error
    finally:
        book.close()


def _sheet(rows: Iterable[tuple[int, Iterable[Cell]]]) -> Sheet:
    """The header (row 1) and the rows after it that hold anything."""
    numbered = iter(rows)
    first = next(numbered, None)
    sheet = Sheet(list(first[1]) if first else [])
    for number, cells in numbered:
        values = list(cells)
        if all(_blank(v) for v in values):
            continue
        if len(sheet.rows) == MAX_ROWS:
            raise Unreadable(413, f"the list has more than {MAX_ROWS:,} rows")
        sheet.rows.append((number, values))
    return sheet


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
