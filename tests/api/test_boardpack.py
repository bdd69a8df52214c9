"""The board pack: the headline summary and monthly charts as a printable page and XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.chart_notes import AnnotationIn, put_annotation
from metrics import board
from metrics.catalogue import HEADLINES
from store.database import Database
from tests.api.test_returns import march  # noqa: F401  (a fixture: the hand-worked March)
from tests.conftest import token_for

URL = "/api/v1/boardpack"


def test_the_window_is_whole_periods_after_the_data_begins() -> None:
    # Data from 2 Feb 2025: the first whole month is March.
    assert board.window("month", date(2025, 4, 30), date(2025, 2, 2)) == (
        date(2025, 3, 1),
        date(2025, 4, 30),
    )
    assert board.window("month", date(2025, 4, 30), None) == (date(2023, 5, 1), date(2025, 4, 30))
    assert board.window("week", date(2025, 3, 12), date(2025, 3, 11)) is None
    assert board.rebase_periods(
        [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
        [date(2024, 12, 5), date(2025, 1, 15), date(2025, 6, 1)],
    ) == (date(2025, 2, 1),)


def test_the_printable_page_and_the_workbook(client: TestClient, march: Database) -> None:  # noqa: F811
    with march.session(write=True) as session:
        body = AnnotationIn(day=date(2025, 2, 20), text="Discharge hub opened", rebase=True)
        put_annotation(session, "home_first_rate", body, datetime(2025, 4, 1), None)
    page = client.get(URL, params={"month": "2025-03"}, headers=token_for(march, "board"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Board pack: March 2025" in page.text
    assert page.text.count('<tr><th scope="row">') == len(HEADLINES)
    assert "Discharge hub opened" in page.text and "(rebase)" in page.text
    analyst = token_for(march, "analyst")
    book = client.get(URL, params={"month": "2025-03", "format": "xlsx"}, headers=analyst)
    sheets = load_workbook(io.BytesIO(book.content))
    summary = [list(r) for r in sheets["summary"].iter_rows(values_only=True)]
    assert summary[1][:4] == ["metric", "title", "unit", "period"]
    assert [r[0] for r in summary[2:]] == list(HEADLINES)
    # RX1's data starts on 1 Jan 2024 (its data_from), RX2's on its first stay, 1 March 2025
    # (no data_from): system-wide figures start at the latest start (metrics.data_start), so
    # March is the one monthly point, and February, when only RX1 had data, is not drawn.
    home_first = [list(r) for r in sheets["home_first_rate"].iter_rows(values_only=True)]
    assert [r[0].date() for r in home_first[1:]] == [date(2025, 3, 1)]


def test_refusals(client: TestClient, march: Database) -> None:  # noqa: F811
    board_token = token_for(march, "board")
    xlsx = client.get(URL, params={"month": "2025-03", "format": "xlsx"}, headers=board_token)
    assert xlsx.status_code == 403 and xlsx.json()["errors"][0]["field"] == "format"
    for month in ("2025-13", "2023-06"):  # no month; a month before any data start
        answer = client.get(URL, params={"month": month}, headers=board_token)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "month"
    unknown = client.get(
        URL, params={"month": "2025-03", "organisation": "ZZ9"}, headers=board_token
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "organisation"
