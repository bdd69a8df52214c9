"""The Explore page's callbacks: the API's rows, its URL and its files."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from dashboard.callbacks import explore
from dashboard.callbacks.explore import Question
from dashboard.data import Backend
from metrics import CATALOGUE

NOW = datetime(2025, 3, 10, 12, 0)
ASKED = Question("ready_to_leave", "2025-02-17", "2025-03-09", "week", "pathway", None)


def test_the_api_url_asks_the_same_question() -> None:
    assert ASKED.api_url() == (
        "/api/v1/metrics/ready_to_leave?start=2025-02-17&end=2025-03-09&interval=week"
        "&group_by=pathway"
    )


def test_options_follow_the_metric() -> None:
    intervals, groups = explore.metric_options("home_first_rate")
    assert [i["value"] for i in intervals] == list(CATALOGUE["home_first_rate"].intervals)
    assert [g["value"] for g in groups] == list(CATALOGUE["home_first_rate"].group_bys)
    assert explore.metric_options(None) == ([], [])


def test_the_table_and_chart_are_the_api_rows(
    backend: Backend, tokens: dict[str, str], client: TestClient
) -> None:
    status, about, figure, rows, columns, url = explore.view(backend, tokens["analyst"], ASKED, NOW)
    api = client.get(url, headers={"Authorization": f"Bearer {tokens['analyst']}"}).json()
    assert rows == api["rows"]
    assert [c["field"] for c in columns][:6] == [
        "period",
        "group",
        "label",
        "value",
        "numerator",
        "denominator",
    ]
    by_group = {t.name: list(t.y) for t in figure.data}
    for group, values in by_group.items():
        assert values == [r["value"] for r in api["rows"] if r["label"] == group]
    assert CATALOGUE["ready_to_leave"].definition in str(about)
    assert f"{len(rows)} rows" in str(status)


def test_a_refused_question_says_why(backend: Backend, tokens: dict[str, str]) -> None:
    bad = Question("home_first_rate", "2025-02-17", "2025-03-09", "week", "reason", None)
    status, _about, figure, rows, _columns, _url = explore.view(backend, tokens["board"], bad, NOW)
    assert rows == [] and "cannot be broken down by 'reason'" in str(status)
    assert figure.data == ()


OUTSIDE = "dates from 2000-01-01 to 2100-12-31 are accepted"


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        # Years 1 and 9999 used to raise OverflowError in the callback.
        ("0001-01-01", "0001-01-07", f"The first day is before 2000-01-01: {OUTSIDE}."),
        ("1999-12-27", "2000-01-02", "The first day is before 2000-01-01"),
        ("2100-12-27", "2101-01-02", f"The last day is after 2100-12-31: {OUTSIDE}."),
        ("9999-12-25", "9999-12-31", "The first day is after 2100-12-31"),
        ("2025-02-30", "2025-03-09", "The first day, '2025-02-30', is not a date"),
        ("2025-03-03", "soon", "The last day, 'soon', is not a date"),
    ],
)
def test_a_period_outside_the_calendar_says_so_on_the_page(
    backend: Backend, tokens: dict[str, str], start: str, end: str, said: str
) -> None:
    asked = Question("ready_to_leave", start, end, "week", None, None)
    status, about, figure, rows, _columns, url = explore.view(
        backend, tokens["analyst"], asked, NOW
    )
    assert status.children.startswith(said) and "message-error" in status.className
    assert rows == [] and figure.data == ()
    assert CATALOGUE["ready_to_leave"].definition in str(about)
    assert explore.download(backend, tokens["analyst"], asked, "csv") is None


def test_the_first_and_last_weeks_of_the_calendar_are_drawn(
    backend: Backend, tokens: dict[str, str]
) -> None:
    # The first week of 2000 is before the data start (no figure); p1 and p2 (ready since March
    # 2025, never discharged) are both still counted ready in the last week of 2100.
    for start, end, ready in (("2000-01-01", "2000-01-07", None), ("2100-12-25", "2100-12-31", 2)):
        asked = Question("ready_to_leave", start, end, "day", None, None)
        _status, _about, _figure, rows, _c, _u = explore.view(
            backend, tokens["analyst"], asked, NOW
        )
        assert [r["value"] for r in rows] == [ready] * 7


def test_downloads_are_the_api_files(
    backend: Backend, tokens: dict[str, str], client: TestClient
) -> None:
    headers = {"Authorization": f"Bearer {tokens['analyst']}"}
    for fmt in ("csv", "xlsx"):
        sent = explore.download(backend, tokens["analyst"], ASKED, fmt)
        api = client.get(ASKED.api_url() + f"&format={fmt}", headers=headers)
        assert sent["filename"].endswith(f".{fmt}")
        if fmt == "csv":
            assert base64.b64decode(sent["content"]) == api.content
    assert explore.download(backend, tokens["display"], ASKED, "csv") is None
    assert explore.download(backend, None, ASKED, "csv") is None


def test_weeks_are_ticked_on_mondays_and_groups_named(
    backend: Backend, tokens: dict[str, str]
) -> None:
    _status, _about, figure, _rows, _columns, _url = explore.view(
        backend, tokens["analyst"], ASKED, NOW
    )
    xaxis = figure.layout.xaxis
    assert xaxis.tick0 == "2000-01-03" and xaxis.dtick == 7 * 86_400_000  # 2000-01-03: a Monday
    assert [t.name for t in figure.data] == ["Pathway 0", "Pathway 1", "Pathway 2", "Pathway 3"]
    coded = Question(**(ASKED.__dict__ | {"codes": ["codes"]}))
    assert [t.name for t in explore.view(backend, tokens["analyst"], coded, NOW)[2].data] == [
        "0",
        "1",
        "2",
        "3",
    ]
    colours = {t.line.color for t in figure.data}
    assert len(colours) == 4


def test_bed_days_saved_takes_the_baseline_picked(backend: Backend, tokens: dict[str, str]) -> None:
    asked = Question(
        "bed_days_saved", "2025-03-03", "2025-03-09", "week", None, None, "2025-03-03", "2025-03-09"
    )
    status, _about, _figure, rows, _columns, url = explore.view(
        backend, tokens["analyst"], asked, NOW
    )
    assert "baseline_start=2025-03-03&baseline_end=2025-03-09" in url
    assert "Baseline 03 Mar 2025 to 09 Mar 2025." in str(status)
    assert rows[0]["value"] == 0 and rows[0]["note"] is None
