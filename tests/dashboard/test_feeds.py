"""The Feeds page's callbacks as plain functions: the feeds' health and refusals against the
hand-worked feeds of tests/dashboard/conftest.py, the silent-feed warnings of Today and the
wall, and the readiness upload, whose dry run and store take the API's own path."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from dash import html
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.callbacks import feeds
from dashboard.data import Backend
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.registry import put_feed
from models import AuditEntry, Event, FeedMessage
from models.clock import utc_now
from store.database import Database
from store.settings import Settings
from tests.conftest import token_for
from tests.dashboard.conftest import AS_OF
from tests.dashboard.reading import caption, cells, tables, text
from tests.metrics.scenario import Patient, forget_events, load

LATER = AS_OF + timedelta(minutes=16)  # RXPAS's last message 61 minutes before


# The feeds and their health -------------------------------------------------------------------


def test_the_table_gives_each_feed_its_counts_and_silence(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    status, table, options = feeds.overview(backend, tokens["coordinator"], AS_OF)
    [found] = tables(table)
    assert cells(found) == [
        ["Community PAS CPPAS", "Community Partnership", "never",
         "Silent: nothing received yet (limit 30 min)", "0", "0", "0", "0"],
        ["Riverside hub list RXLIST", "Riverside Hospital", "07:00 Mon 10 Mar 2025",
         "Silent: nothing for 5 h (limit 4 h)", "1", "0", "0", "0"],
        ["Riverside PAS RXPAS", "Riverside Hospital", "11:15 Mon 10 Mar 2025",
         "Receiving (silent after 1 h)", "2", "1", "1", "2"],
    ]  # fmt: skip
    assert [row.className for row in found.children[2].children] == ["feed-silent"] * 2 + [""]
    headers = [text(th) for th in found.children[1].children.children]
    assert headers[2:] == [
        "Last message",
        "State",
        "Accepted today",
        "Duplicate today",
        "Ignored today",
        "Refused today",
    ]
    assert text(status) == (
        "3 feeds; 2 silent for longer than their limit. Today's counts are of messages since "
        "midnight, UK time. Updated 12:00 Mon 10 Mar 2025."
    )
    assert [o["value"] for o in options] == ["CPPAS", "RXLIST", "RXPAS"]

    # 16 minutes later, RXPAS has sent nothing for 61 minutes: over its 60.
    _status, table, _options = feeds.overview(backend, tokens["admin"], LATER)
    [found] = tables(table)
    assert cells(found)[2][3] == "Silent: nothing for 1 h 1 min (limit 1 h)"


def test_today_counts_start_at_the_uk_midnight(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    """In summer time the day starts at 23:00 UTC: at 23:50 UTC on 9 July (00:50 on 10 July
    in the UK), a message at 23:30 UTC is of today; one at 22:59 UTC is of 9 July."""
    with with_feeds.session(write=True) as session:
        for at in (datetime(2025, 7, 9, 22, 59), datetime(2025, 7, 9, 23, 30)):
            message = {"feed_code": "CPPAS", "received_at": at, "kind": "hl7v2"}
            session.add(FeedMessage(**message, outcome="ignored"))
    _status, table, _options = feeds.overview(
        backend, tokens["coordinator"], datetime(2025, 7, 9, 23, 50)
    )
    [found] = tables(table)
    assert cells(found)[0][2:] == [
        "00:30 Thu 10 Jul 2025",
        "Receiving (silent after 30 min)",
        "0",
        "0",
        "1",
        "0",
    ]


def test_the_last_refusals_of_the_chosen_feed(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    shown = feeds.last_refusals(backend, tokens["coordinator"], "RXPAS", AS_OF)
    [found] = tables(shown)
    assert caption(found) == "The last 3 refusals of Riverside PAS, latest first"
    assert cells(found) == [
        ["11:15 Mon 10 Mar 2025", "hl7v2", "M2", "PID-3", "no identifier of authority RX1"],
        ["10:00 Mon 10 Mar 2025", "hl7v2", "M1", "PV1-3", "unknown location 'WARD9'"],
        ["15:00 Sun 9 Mar 2025", "hl7v2", "M0", "PV1-37",
         "unknown discharge destination code '99'"],
    ]  # fmt: skip
    nothing = feeds.last_refusals(backend, tokens["coordinator"], "RXLIST", AS_OF)
    assert text(nothing) == "Riverside hub list has refused nothing."
    assert "Choose a feed" in text(feeds.last_refusals(backend, tokens["admin"], None, AS_OF))
    assert "no feed NOPE" in text(feeds.last_refusals(backend, tokens["admin"], "NOPE", AS_OF))


def test_twenty_refusals_at_most_are_listed(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    with with_feeds.session(write=True) as session:
        for n in range(25):
            at = AS_OF - timedelta(hours=2, minutes=n)
            session.add(
                FeedMessage(
                    feed_code="CPPAS",
                    received_at=at,
                    kind="hl7v2",
                    message_id=f"R{n}",
                    outcome="refused",
                    field="PV1-3",
                    reason="unknown location",
                )
            )
    [found] = tables(feeds.last_refusals(backend, tokens["coordinator"], "CPPAS", AS_OF))
    assert [row[2] for row in cells(found)] == [f"R{n}" for n in range(20)]


def test_without_feeds_the_page_says_how_to_register_one(
    backend: Backend, tokens: dict[str, str]
) -> None:
    status, table, options = feeds.overview(backend, tokens["admin"], AS_OF)
    assert "No feed is registered yet" in text(status) and table is None and options == []


# The readiness upload --------------------------------------------------------------------------

# Mon 10 March 2025, GMT. Riverside (RX1) has, before the list:
#   MRN   ward  admitted     ready (pathway)   list row (date, pathway, reason)
#   A1    W1    03-01 10:00  no                2: 2025-03-08, 1, C1
#   A2    W1    03-02 10:00  03-05 10:00 (1)   3: 05/03/2025, 2, -
#   A3    W2    03-03 10:00  03-06 10:00 (3)   not listed
#   A4    -     never                          4: 2025-03-09, 1, -
# As at 12:00: A1 newly ready (discharge_ready at the DRD's midnight, 8 Mar 00:00, pathway 1;
# delay_reason C1), A2 pathway 1 → 2, A3 withdrawn (from its DRD 2025-03-06), A4 a warning
# (no open stay). Counts: one of each kind; four events.
LIST = (
    "local_patient_id,ready_date,pathway,reason_code\r\n"
    "A1,2025-03-08,1,C1\r\n"
    "A2,05/03/2025,2,\r\n"
    "A4,2025-03-09,1,\r\n"
)
FORM = feeds.Upload("RXPAS", None, "list.csv", "2025-03-10", "12:00")
COUNTS = {"discharge_ready": 1, "pathway_changed": 1, "delay_reason": 1, "readiness_withdrawn": 1}


def data_url(body: str | bytes, media: str = "text/csv") -> str:
    raw = body.encode() if isinstance(body, str) else body
    return f"data:{media};base64,{base64.b64encode(raw).decode()}"


def pid(database: Database, mrn: str) -> str:
    with database.session(write=True) as session:
        return pseudonym(pseudonym_key(session, ""), "RXPAS", mrn)


def record(database: Database) -> None:
    a1, a2, a3 = (Patient(pid(database, mrn)) for mrn in ("A1", "A2", "A3"))
    a1.admitted("2025-03-01T10:00:00+00:00")
    a2.admitted("2025-03-02T10:00:00+00:00")
    a2.ready("2025-03-05T10:00:00+00:00", pathway=1)
    a3.admitted("2025-03-03T10:00:00+00:00", "W2")
    a3.ready("2025-03-06T10:00:00+00:00", pathway=3)
    load(database, a1.events + a2.events + a3.events, now=datetime(2025, 3, 10, 11, 0))


@pytest.fixture
def hub(system: Database) -> Database:
    """The `system` of tests/conftest.py, Riverside's feed, and the record of the table."""
    with system.session(write=True) as session:
        fields: dict[str, Any] = {"name": "Riverside PAS", "organisation_code": "RX1"}
        fields |= {"patient_id_authority": "RX1", "locations": {"WARD1": "W1"}}
        assert put_feed(session, "RXPAS", fields, AS_OF).problems == []
    record(system)
    return system


@pytest.fixture
def hub_backend(hub: Database) -> Backend:
    return Backend(lambda: hub, Settings(database_url=hub.url))


def test_a_dry_run_shows_the_changes_and_stores_nothing(
    hub: Database, hub_backend: Backend, client: TestClient
) -> None:
    coordinator = token_for(hub, "coordinator")
    token = coordinator["Authorization"].removeprefix("Bearer ")
    before = events_of(hub)
    form = replace(FORM, contents=data_url(LIST))
    step = feeds.dry_run(hub_backend, token, form, utc_now())
    assert step.store_hidden is False
    assert step.checked is not None
    assert step.checked["as_of"] == "2025-03-10T12:00:00+00:00" and step.checked["feed"] == "RXPAS"
    assert events_of(hub) == before and messages_of(hub) == []

    counts, changes, warnings = tables(step.result)
    assert cells(counts) == [
        ["Newly ready", "1"],
        ["Pathway changed", "1"],
        ["Delay reason", "1"],
        ["Readiness withdrawn", "1"],
    ]
    p = {mrn: pid(hub, mrn) for mrn in ("A1", "A2", "A3")}
    assert cells(changes) == [
        ["2", p["A1"], "Newly ready", "–", "2025-03-08"],
        ["2", p["A1"], "Delay reason", "–", "C1"],
        ["3", p["A2"], "Pathway changed", "1", "2"],
        ["–", p["A3"], "Readiness withdrawn", "2025-03-06", "–"],
    ]
    no_stay = "no open acute stay in RX1's units at as_of: nothing recorded"
    assert cells(warnings) == [["4", no_stay]]
    said = text(step.result)
    assert said.startswith(
        "Dry run: 4 changes would be stored from 3 listed, as at 12:00 Mon 10 Mar 2025 "
        "(2025-03-10T12:00:00+00:00). Nothing has been stored yet."
    )

    # The API's dry run of the same file at the same instant says the same.
    answer = client.post(
        "/api/v1/feeds/RXPAS/readiness",
        content=LIST,
        params={"as_of": "2025-03-10T12:00:00+00:00", "dry_run": "true"},
        headers={"content-type": "text/csv"} | coordinator,
    )
    assert answer.status_code == 200, answer.text
    api = answer.json()
    assert api["counts"] == COUNTS
    assert api["changes"] == [
        {"row": 2, "patient_id": p["A1"], "change": "discharge_ready", "from": None,
         "to": "2025-03-08"},
        {"row": 2, "patient_id": p["A1"], "change": "delay_reason", "from": None, "to": "C1"},
        {"row": 3, "patient_id": p["A2"], "change": "pathway_changed", "from": 1, "to": 2},
        {"row": None, "patient_id": p["A3"], "change": "readiness_withdrawn",
         "from": "2025-03-06", "to": None},
    ]  # fmt: skip
    assert api["warnings"] == [{"row": 4, "message": no_stay}]
    # Both audited alike, the dashboard's "via dashboard".
    with hub.session() as session:
        audited = session.scalars(
            select(AuditEntry.detail)
            .where(AuditEntry.action == "feed.readiness")
            .order_by(AuditEntry.id)
        ).all()
    dashboard, through_api = (json.loads(d or "{}") for d in audited)
    assert dashboard.pop("via") == "dashboard" and "via" not in through_api
    assert dashboard == through_api


def test_storing_the_checked_list_stores_what_the_api_stores(
    hub: Database, hub_backend: Backend, client: TestClient
) -> None:
    """The same file through the API, then (the events forgotten, the record loaded again)
    through the dashboard: the same events, ids and all."""
    coordinator = token_for(hub, "coordinator")
    token = coordinator["Authorization"].removeprefix("Bearer ")
    record_ids = {e["event_id"] for e in events_of(hub)}
    answer = client.post(
        "/api/v1/feeds/RXPAS/readiness",
        content=LIST,
        params={"as_of": "2025-03-10T12:00:00+00:00"},
        headers={"content-type": "text/csv"} | coordinator,
    )
    assert answer.status_code == 200, answer.text
    through_api = [e for e in events_of(hub) if e["event_id"] not in record_ids]
    assert len(through_api) == 4

    forget_events(hub)
    record(hub)
    form = replace(FORM, contents=data_url(LIST))
    checked = feeds.dry_run(hub_backend, token, form, utc_now())
    assert checked.checked is not None
    step = feeds.store(hub_backend, token, form, checked.checked, utc_now())
    assert step.store_hidden is True and step.checked is None and step.stored is not None
    assert text(step.result).startswith(
        "Stored 4 changes from 3 listed, as at 12:00 Mon 10 Mar 2025 (2025-03-10T12:00:00+00:00)."
    )
    through_dashboard = [e for e in events_of(hub) if e["event_id"] not in record_ids]
    assert through_dashboard == through_api
    types = sorted(e["type"] for e in through_dashboard)
    assert types == ["delay_reason", "discharge_ready", "pathway_changed", "readiness_withdrawn"]
    # Both uploads were kept as the feed's messages, with their counts and no id.
    reasons = [m["reason"] for m in messages_of(hub)]
    counted = "discharge_ready 1, pathway_changed 1, delay_reason 1, readiness_withdrawn 1"
    assert reasons == [f"3 listed; {counted}; 1 warnings"] * 2


def events_of(database: Database) -> list[dict[str, Any]]:
    """Every stored event, by id, but for its place in the log and when it arrived."""
    with database.session() as session:
        rows = session.execute(select(Event.__table__).order_by(Event.event_id))
        return [
            {k: v for k, v in r._mapping.items() if k not in ("seq", "received_at")} for r in rows
        ]


def messages_of(database: Database) -> list[dict[str, Any]]:
    with database.session() as session:
        rows = session.execute(select(FeedMessage.__table__).order_by(FeedMessage.id))
        return [dict(r._mapping) for r in rows]


def test_bad_rows_are_all_listed_and_no_store_button(
    hub: Database, hub_backend: Backend, tokens_for_hub: dict[str, str]
) -> None:
    body = "local_patient_id,ready_date,pathway\nA1,2025-03-11,1\n943 476 5919,2025-03-08,4\n"
    form = replace(FORM, contents=data_url(body))
    before = events_of(hub)
    step = feeds.dry_run(hub_backend, tokens_for_hub["coordinator"], form, utc_now())
    assert step.store_hidden is True and step.checked is None
    [problems] = tables(step.result)
    assert cells(problems) == [
        ["2", "ready_date", "2025-03-11 is after 2025-03-10, the local date of as_of"],
        ["3", "local_patient_id",
         "looks like an NHS number: give the hospital's own patient id (its MRN)"],
        ["3", "pathway", "'4' is not a pathway: give 0, 1, 2 or 3"],
    ]  # fmt: skip
    assert text(step.result).startswith("The list was refused with 3 problems")
    assert "943" not in str(step.result)
    assert events_of(hub) == before


@pytest.fixture
def tokens_for_hub(hub: Database) -> dict[str, str]:
    return {
        role: token_for(hub, role, scope)["Authorization"].removeprefix("Bearer ")
        for role, scope in (("coordinator", None), ("admin", None), ("feed", "CP1"))
    }


def test_an_xlsx_list_is_read_by_its_name(
    hub: Database, hub_backend: Backend, tokens_for_hub: dict[str, str]
) -> None:
    """An XLSX file whatever type the browser gave it (Windows often says none)."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["local_patient_id", "ready_date", "pathway"], ["A1", datetime(2025, 3, 8), 1]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    contents = data_url(out.getvalue(), "application/octet-stream")
    form = feeds.Upload("RXPAS", contents, "List.XLSX", "2025-03-10", "12:00")
    step = feeds.dry_run(hub_backend, tokens_for_hub["coordinator"], form, utc_now())
    assert step.checked is not None, text(step.result)
    counts = tables(step.result).__next__()
    assert [row[1] for row in cells(counts)] == ["1", "0", "0", "2"]  # A2 and A3 withdrawn


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"feed": None}, "Choose the feed the list is for."),
        ({"contents": None}, "Choose the list's file (CSV or XLSX)."),
        ({"contents": "data:text/csv;base64,%%%"}, "The file could not be read: choose it again."),
        ({"day": None}, "Choose the date the list is as at."),
        ({"day": "2025-02-30"}, "'2025-02-30' is not a date: choose one from the calendar."),
        ({"day": "1999-12-31"}, "The list cannot be as at 1999-12-31: it is before 2000-01-01"),
        ({"clock": "9.30"}, "'9.30' is not a time: write it as HH:MM, e.g. 09:30."),
        ({"day": "2099-01-01"}, "00:00 Thu 1 Jan 2099 (2099-01-01T00:00:00+00:00) is in the"),
        ({"feed": "NOPE"}, "no feed 'NOPE'."),
    ],
)
def test_a_form_that_cannot_be_sent_says_why(
    hub: Database,
    hub_backend: Backend,
    tokens_for_hub: dict[str, str],
    changes: dict[str, Any],
    said: str,
) -> None:
    form = replace(FORM, **({"contents": data_url(LIST), "clock": "00:00"} | changes))
    step = feeds.dry_run(hub_backend, tokens_for_hub["coordinator"], form, NOW)
    assert step.checked is None and step.store_hidden is True
    assert isinstance(step.result, html.P) and step.result.children.startswith(said)
    assert "message-error" in getattr(step.result, "className", "")


NOW = datetime(2025, 3, 10, 12, 0)


def test_as_at_is_uk_local_time_with_its_offset() -> None:
    summer = feeds.as_of("2025-07-10", "09:00", datetime(2025, 7, 10, 8, 4))
    assert summer.isoformat() == "2025-07-10T09:00:00+01:00"
    winter = feeds.as_of("2025-12-02", "9:41", datetime(2025, 12, 2, 10, 0))
    assert winter.isoformat() == "2025-12-02T09:41:00+00:00"
    # Up to five minutes ahead is allowed, as the API allows it (clocks differ a little).
    assert feeds.as_of("2025-07-10", "09:05", datetime(2025, 7, 10, 8, 0)).hour == 9
    with pytest.raises(feeds.Unusable, match="is in the future"):
        feeds.as_of("2025-07-10", "09:06", datetime(2025, 7, 10, 8, 0))


def test_the_store_stores_only_the_file_and_feed_that_were_checked(
    hub: Database, hub_backend: Backend, tokens_for_hub: dict[str, str]
) -> None:
    token = tokens_for_hub["coordinator"]
    form = replace(FORM, contents=data_url(LIST))
    checked = feeds.dry_run(hub_backend, token, form, utc_now()).checked
    assert checked is not None
    before = events_of(hub)
    other = replace(form, contents=data_url(LIST + "A3,2025-03-06,3,\r\n"))
    step = feeds.store(hub_backend, token, other, checked, utc_now())
    assert "changed since the check" in text(step.result) and events_of(hub) == before
    step = feeds.store(hub_backend, token, form, None, utc_now())
    assert "Check the list (dry run) before storing it." in text(step.result)
    # The as_of is the checked one, whatever the form says by then.
    later = replace(form, clock="12:30")
    step = feeds.store(hub_backend, token, later, checked, utc_now())
    assert "as at 12:00 Mon 10 Mar 2025" in text(step.result)
    assert len(events_of(hub)) == len(before) + 4


def test_changing_the_form_drops_the_check() -> None:
    step = feeds.changed(feeds.Upload("RXPAS", data_url(LIST), "list.csv", "2025-03-10", "12:00"))
    assert step.store_hidden is True and step.checked is None
    assert text(step.result) == "list.csv chosen: check it (dry run)."


def test_only_roles_that_send_events_get_the_form(
    hub: Database, hub_backend: Backend, tokens_for_hub: dict[str, str]
) -> None:
    options, hidden, note = feeds.upload_form(hub_backend, tokens_for_hub["coordinator"], NOW)
    assert (options, hidden, note) == (
        [{"label": "Riverside PAS (Riverside Hospital)", "value": "RXPAS"}],
        False,
        "",
    )
    options, hidden, note = feeds.upload_form(hub_backend, tokens_for_hub["admin"], NOW)
    assert (options, hidden) == ([], True)
    assert note == "The admin role does not send readiness lists: the coordinator role does."
    # A feed token of another organisation is offered none of Riverside's feeds, and refused.
    options, hidden, _note = feeds.upload_form(hub_backend, tokens_for_hub["feed"], NOW)
    assert (options, hidden) == ([], False)
    form = replace(FORM, contents=data_url(LIST))
    step = feeds.dry_run(hub_backend, tokens_for_hub["feed"], form, utc_now())
    assert text(step.result) == "a feed token of CP1 may not send for RXPAS."
    step = feeds.dry_run(hub_backend, tokens_for_hub["admin"], form, utc_now())
    assert "Sign in as a coordinator" in text(step.result)
