"""A readiness list's rows checked, every problem of every row at once (SPEC §9): the columns,
each person's local id, ready date, pathway and reason. No message repeats a local id, nor any
value that could be an NHS number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.utils import get_column_letter

from feeds.readiness.sheet import Cell, Sheet
from ledger.nhs_number import identifier_is_nhs_number

ID, READY_DATE, PATHWAY, REASON = "local_patient_id", "ready_date", "pathway", "reason_code"
COLUMNS = (ID, READY_DATE, PATHWAY, REASON)
REQUIRED = (ID, READY_DATE, PATHWAY)
MAX_ID_LENGTH = 64  # as any patient id of SPEC §3
EARLIEST = date(2000, 1, 1)
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
PATHWAY_TEXT = re.compile(r"[Pp]?([0-3])")  # 2, or P2 as hubs often write it
SHOWABLE = re.compile(r"[A-Za-z0-9 _.:/()&+-]{1,24}")
DATE_FORMS = "write YYYY-MM-DD or DD/MM/YYYY, or use a date cell"


@dataclass(frozen=True)
class Listed:
    """One person on the list, as checked."""

    row: int
    local_id: str
    ready_date: date
    pathway: int
    reason_code: str | None


def problem(row: int | None, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def check_list(
    sheet: Sheet, *, as_of_day: date, reasons: frozenset[str]
) -> tuple[list[Listed], list[dict[str, Any]]]:
    """The people listed, and every problem of the list (empty when it can be used). `as_of_day`
    is the local date of as_of: no one is ready after it."""
    where, errors = _columns(sheet.header)
    width = len(_trimmed(sheet.header))
    listed: list[Listed] = []
    first_row: dict[str, int] = {}
    for number, cells in sheet.rows:
        found: list[dict[str, Any]] = []

        def cell(name: str, cells: list[Cell] = cells) -> Cell:
            index = where.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        # A missing column is row 1's problem, not every row's.
        local_id = _local_id(cell(ID), number, first_row, found) if ID in where else None
        ready = (
            _ready_date(cell(READY_DATE), as_of_day, number, found) if READY_DATE in where else None
        )
        pathway = _pathway(cell(PATHWAY), number, found) if PATHWAY in where else None
        reason = _reason(cell(REASON), reasons, number, found)
        for index in range(width, len(cells)):
            if not _blank(cells[index]):
                letter = get_column_letter(index + 1)
                found.append(problem(number, None, f"column {letter} has a value but no header"))
                break
        errors += found
        if not found and local_id is not None and ready is not None and pathway is not None:
            listed.append(Listed(number, local_id, ready, pathway, reason))
    return listed, errors


def _columns(header: list[Cell]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Where each known column is; row 1's problems: a missing, doubled, unknown or unnamed
    column (an unknown one could hold names or NHS numbers, so it is refused, not ignored)."""
    where: dict[str, int] = {}
    errors = []
    for index, value in enumerate(_trimmed(header)):
        name = _text(value)
        if name is None:
            letter = get_column_letter(index + 1)
            errors.append(problem(1, None, f"column {letter} has no header: name it or remove it"))
        elif name.casefold() in COLUMNS and name.casefold() in where:
            errors.append(problem(1, name.casefold(), "appears twice"))
        elif name.casefold() in COLUMNS:
            where[name.casefold()] = index
        else:
            shown = name if _showable(name) else None
            message = (
                "is not a column of a readiness list: remove it (a list holds "
                f"{', '.join(COLUMNS)} only, never names or other details)"
            )
            errors.append(problem(1, shown, message if shown else f"a column {message}"))
    for name in REQUIRED:
        if name not in where:
            errors.append(problem(1, name, "is missing: every list has this column"))
    return where, errors


def _local_id(
    value: Cell, row: int, first_row: dict[str, int], found: list[dict[str, Any]]
) -> str | None:
    text = _text(value)
    message = None
    if text is None:
        message = "is empty: give the hospital's own patient id (its MRN)"
    elif isinstance(value, date | bool):
        message = "is not a patient id"
    elif len(text) > MAX_ID_LENGTH:
        message = f"is longer than {MAX_ID_LENGTH} characters"
    elif identifier_is_nhs_number(text):
        message = "looks like an NHS number: give the hospital's own patient id (its MRN)"
    elif text in first_row:
        message = f"lists the same person again (first on row {first_row[text]})"
    else:
        first_row[text] = row
        return text
    found.append(problem(row, ID, message))
    return None


def _ready_date(value: Cell, as_of_day: date, row: int, found: list[dict[str, Any]]) -> date | None:
    day, message = _date(value)
    if day is not None and day > as_of_day:
        message = f"{day.isoformat()} is after {as_of_day.isoformat()}, the local date of as_of"
    elif day is not None and day < EARLIEST:
        message = f"{day.isoformat()} is before {EARLIEST.isoformat()}"
    if message is None:
        return day
    found.append(problem(row, READY_DATE, message))
    return None


def _date(value: Cell) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):  # an Excel date cell
        return value.date(), None
    if isinstance(value, date):
        return value, None
    text = _text(value)
    if text is None:
        return None, "is empty: give the discharge ready date"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None, f"is a number, not a date: {DATE_FORMS}"
    iso, uk = ISO_DATE.fullmatch(text), UK_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3])), None
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1])), None
    except ValueError:
        pass
    return None, f"{_shown(text)} is not a date: {DATE_FORMS}"


def _pathway(value: Cell, row: int, found: list[dict[str, Any]]) -> int | None:
    text = _text(value)
    if text is None:
        found.append(problem(row, PATHWAY, "is empty: give the pathway, 0, 1, 2 or 3"))
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1, 2, 3):
        return int(value)
    matched = PATHWAY_TEXT.fullmatch(text) if isinstance(value, str) else None
    if matched:
        return int(matched[1])
    found.append(problem(row, PATHWAY, f"{_shown(text)} is not a pathway: give 0, 1, 2 or 3"))
    return None


def _reason(
    value: Cell, reasons: frozenset[str], row: int, found: list[dict[str, Any]]
) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() in reasons:
        return text.upper()
    message = f"{_shown(text)} is not a national delay reason code (H1–H7, T1–T3, I1–I12, …)"
    found.append(problem(row, REASON, message))
    return None


def _text(value: Cell) -> str | None:
    """A cell as text, None when blank; a whole number from a number cell without its '.0'."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trimmed(header: list[Cell]) -> list[Cell]:
    """The header without its empty cells at the end."""
    end = len(header)
    while end and _blank(header[end - 1]):
        end -= 1
    return header[:end]


def _showable(text: str) -> bool:
    """Whether a value may be repeated in a message: short, plain, and with fewer than ten
    digits (so never an NHS number, however it is written)."""
    return SHOWABLE.fullmatch(text) is not None and sum(c.isdigit() for c in text) < 10


def _shown(text: str) -> str:
    return f"'{text}'" if _showable(text) else "the value"
