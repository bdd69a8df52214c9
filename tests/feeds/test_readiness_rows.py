"""A readiness list read and checked, without a database: CSV and XLSX bodies, the columns, and
dates, pathways and reasons as hubs write them."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from feeds.readiness.rows import Listed, check_list
from feeds.readiness.sheet import Sheet, Unreadable, read_sheet

REASONS = frozenset({"H1", "T1"})


def check(*lines: str) -> tuple[list[Listed], list[dict[str, Any]]]:
    sheet = read_sheet("\n".join(lines).encode(), "text/csv")
    return check_list(sheet, as_of_day=date(2025, 7, 10), reasons=REASONS)


def test_dates_pathways_and_reasons_as_hubs_write_them() -> None:
    people, errors = check(
        "local_patient_id,ready_date,pathway,reason_code",
        "A,2025-07-08,0,h1",
        "B,8/7/2025,P2,",
        "C,08/07/2025, 3 , T1 ",
    )
    assert errors == []
    assert people == [
        Listed(2, "A", date(2025, 7, 8), 0, "H1"),
        Listed(3, "B", date(2025, 7, 8), 2, None),
        Listed(4, "C", date(2025, 7, 8), 3, "T1"),
    ]


@pytest.mark.parametrize("value", ["2025-7-8", "07/08/25", "2025/07/08", "8 July 2025", "45846"])
def test_other_date_forms_are_refused(value: str) -> None:
    _people, [error] = check("local_patient_id,ready_date,pathway", f"A,{value},1")
    assert (error["row"], error["column"]) == (2, "ready_date")


def test_an_empty_list_lists_no_one() -> None:
    assert check("local_patient_id,ready_date,pathway") == ([], [])


def test_a_list_without_a_header_misses_every_column() -> None:
    _people, errors = check("")
    assert [(e["row"], e["column"]) for e in errors] == [
        (1, "local_patient_id"),
        (1, "ready_date"),
        (1, "pathway"),
    ]


def test_csv_with_a_byte_order_mark_or_in_windows_1252() -> None:
    assert read_sheet(b"\xef\xbb\xbflocal_patient_id\r\nA\r\n", "text/csv").header == [
        "local_patient_id"
    ]
    sheet = read_sheet("local_patient_id,note\nA,£5\n".encode("cp1252"), "text/csv")
    assert sheet.rows == [(2, ["A", "£5"])]


def test_an_xlsx_workbook_is_read_from_its_first_sheet() -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first["A1"], first["A3"], first["B3"] = "local_patient_id", "RX1", datetime(2025, 7, 8)
    book.create_sheet("other")["A1"] = "never read"
    out = io.BytesIO()
    book.save(out)
    sheet = read_sheet(out.getvalue(), "application/octet-stream")
    assert sheet == Sheet(["local_patient_id", None], [(3, ["RX1", datetime(2025, 7, 8)])])


def test_too_many_rows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("feeds.readiness.sheet.MAX_ROWS", 2)
    with pytest.raises(Unreadable) as refused:
        read_sheet(b"local_patient_id\nA\nB\nC\n", "text/csv")
    assert refused.value.status == 413
