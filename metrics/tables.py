"""Figures as files: one table as CSV, or as an XLSX workbook of the table and a sheet of what
it is (the metric answers and the returns write through these two)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook


def csv_bytes(columns: Sequence[str], records: Iterable[dict[str, Any]]) -> bytes:
    """A header of `columns`, then a line per record, UTF-8."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(
    title: str,
    columns: Sequence[str],
    records: Iterable[dict[str, Any]],
    about_title: str,
    about: Iterable[Sequence[Any]],
) -> bytes:
    """A workbook: sheet `title` with a header of `columns` and a row per record, then sheet
    `about_title` with the rows of `about` (name, value)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(columns))
    for record in records:
        sheet.append([record[c] for c in columns])
    described = book.create_sheet(about_title)
    for row in about:
        described.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
