"""The daily call on Today (issue 16): recording from the worklist, actions, what changed,
filters and the call sheet, as the callbacks' plain functions (tests/dashboard/conftest.py's
ward, as of Mon 10 March 2025 12:00 GMT)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from dash import html
from sqlalchemy import func, select

from dashboard.callbacks import callsheet, today
from dashboard.callbacks.today import Filters, NewAction, Recording
from dashboard.data import Backend
from ledger.patients import patient_timeline
from models import ActionVersion, AuditEntry, Event
from store.database import Database
from tests.conftest import token_for
from tests.dashboard.conftest import AS_OF
from tests.dashboard.reading import text


def _timeline(ward: Database, patient: str) -> list[tuple[str, Any, Any, str]]:
    with ward.session() as session:
        found = patient_timeline(session, patient, None)
    assert found is not None
    return [
        (e["type"], e.get("pathway"), e.get("reason_code"), e["occurred_at"].isoformat())
        for e in found["events"]
    ]


def _count(ward: Database, model: Any) -> int:
    with ward.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _audit(ward: Database, action: str) -> list[dict[str, Any]]:
    with ward.session() as session:
        rows = session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
        return [json.loads(r) if r else {} for r in rows]


def _button_ids(component: Any) -> list[Any]:
    if isinstance(component, list | tuple):
        return [i for c in component for i in _button_ids(c)]
    if isinstance(component, html.Button):
        return [component.id]  # type: ignore[attr-defined]
    return _button_ids(getattr(component, "children", None) or [])


def test_each_of_the_four_is_an_event_on_the_persons_timeline(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    coordinator = tokens["coordinator"]
    asked = [
        # p4 (W1, not ready) marked ready from 9 March 10:00 (its DRD), planned pathway 2.
        Recording("discharge_ready", "p4", "2025-03-09", "10:00", pathway=2),
        # p1 (ready on P1): pathway 3 now, then reason H1 at 11:30.
        Recording("pathway_changed", "p1", pathway=3),
        Recording("delay_reason", "p1", "2025-03-10", "11.30", reason="H1"),
        # p2 is no longer ready.
        Recording("readiness_withdrawn", "p2"),
    ]
    for recording in asked:
        said, stored = today.record(backend, coordinator, recording, False, AS_OF)
        assert stored, text(said)
        assert text(said).startswith(f"Recorded for {recording.patient_id}")
    assert _timeline(ward, "p4")[-1] == ("discharge_ready", 2, None, "2025-03-09T10:00:00")
    assert _timeline(ward, "p1")[-2:] == [
        ("delay_reason", None, "H1", "2025-03-10T11:30:00"),
        ("pathway_changed", 3, None, "2025-03-10T12:00:00"),
    ]
    assert _timeline(ward, "p2")[-1][0] == "readiness_withdrawn"
    # The worklist shows it at once: p4 ready since the 9th; p2 gone; p1 on pathway 3.
    after = AS_OF + timedelta(minutes=1)
    rows, _note = today.long_waiters(backend, coordinator, after, after)
    assert [(r["patient_id"], r["pathway"], r["discharge_ready_date"]) for r in rows] == [
        ("p1", 3, "2025-03-05"),
        ("p4", 2, "2025-03-09"),
    ]
    # Audited as POST /api/v1/events is, with the event ids, and that it came from here.
    entries = _audit(ward, "events.ingest")
    assert len(entries) == 4 and all(e["via"] == "dashboard" for e in entries)
    assert all(len(e["event_ids"]) == 1 and e["accepted"] == 1 for e in entries)


@pytest.mark.parametrize(
    ("recording", "said"),
    [
        (Recording("readiness_withdrawn", "p4"), "Not recorded: "),  # p4 is not ready
        (Recording("pathway_changed", "p1"), "Choose the new planned pathway."),
        (Recording("delay_reason", "p1"), "Choose the delay reason."),
        (Recording("delay_reason", "p1", reason="ZZ9"), "Not recorded: reason_code"),
        (Recording("discharge_ready", ""), "Choose a person in the list"),
        (Recording(None, "p1"), "Choose what to record."),
        (Recording("discharge_ready", "nobody"), "Not recorded: "),
        (Recording("discharge_ready", "943 476 5919"), "Not recorded: patient_id"),
        (Recording("discharge_ready", "p4", "2025-03-11", "09:00"), "11 Mar 2025 is in the future"),
        (Recording("discharge_ready", "p4", "2025-03-10", "13:00"), "13:00 today has not come"),
        (Recording("discharge_ready", "p4", "2025-03-09"), "Give the time (HH:MM) as well"),
        (Recording("discharge_ready", "p4", "2025-03-09", "9.75"), "'9.75' is not a time"),
        # Before p4's admission (25 Feb 10:00).
        (Recording("discharge_ready", "p4", "2025-02-20", "10:00"), "Not recorded: "),
    ],
)
def test_a_refusal_says_why_and_stores_nothing(
    backend: Backend, ward: Database, tokens: dict[str, str], recording: Recording, said: str
) -> None:
    events = _count(ward, Event)
    answer, stored = today.record(backend, tokens["coordinator"], recording, False, AS_OF)
    assert not stored and text(answer).startswith(said), text(answer)
    assert "message-error" in answer.className
    assert _count(ward, Event) == events
    assert "9434765919" not in text(answer) and "943 476 5919" not in text(answer)


def test_only_the_coordinator_and_a_partner_for_its_own_stays_record(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    events = _count(ward, Event)
    withdraw = Recording("readiness_withdrawn", "p1")
    for role in ("board", "analyst", "admin", "display", "feed"):
        answer, stored = today.record(backend, tokens[role], withdraw, False, AS_OF)
        assert not stored and "needs a coordinator token" in text(answer), role
    answer, stored = today.record(backend, None, withdraw, False, AS_OF)
    assert not stored
    # CP1's partner: p1 is on Riverside's ward; answered as an unknown patient.
    answer, stored = today.record(backend, tokens["partner"], withdraw, False, AS_OF)
    assert not stored and text(answer) == "Not recorded: no such patient in the stays of CP1"
    # While replaying, nothing is recorded.
    answer, stored = today.record(backend, tokens["coordinator"], withdraw, True, AS_OF)
    assert not stored and "replayed moment" in text(answer)
    assert _count(ward, Event) == events
    # Riverside's partner records about its own ward.
    riverside = token_for(ward, "partner", "RX1")["Authorization"].removeprefix("Bearer ")
    answer, stored = today.record(backend, riverside, withdraw, False, AS_OF)
    assert stored, text(answer)
    assert _timeline(ward, "p1")[-1][0] == "readiness_withdrawn"


def test_actions_are_made_escalated_and_closed_and_replayed(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    coordinator = tokens["coordinator"]
    made = NewAction("p1", "CP1", "Start package of care", "2025-03-10", None)
    answer, stored = today.create_action(backend, coordinator, made, False, AS_OF)
    assert stored and text(answer) == "Action 1 made: Start package of care.", text(answer)
    rows, due, note = today.actions_view(backend, coordinator, AS_OF, AS_OF)
    assert [(r["id"], r["status"], r["owner"], r["patient_id"]) for r in rows] == [
        (1, "open", "Community Partnership", "p1")
    ]
    assert "Community Partnership (1)" in text(due) and "Due today Start package" in text(due)
    assert note.startswith("1 actions as they stood at 12:00 Mon 10 Mar 2025; 1 not done")
    waiters, _ = today.long_waiters(backend, coordinator, AS_OF, AS_OF)
    assert waiters[0]["open_actions"] == "Start package of care (open, due 10 Mar)"

    later = AS_OF + timedelta(minutes=5)
    answer, stored = today.change_action(backend, coordinator, rows, "escalated", False, later)
    assert stored and text(answer) == "Action 1 escalated."
    rows, _due, _note = today.actions_view(backend, coordinator, later, later)
    assert rows[0]["status"] == "escalated"
    tomorrow = AS_OF + timedelta(days=1)
    _rows, due, _note = today.actions_view(backend, coordinator, tomorrow, tomorrow)
    assert "OVERDUE Start package of care (escalated, due 10 Mar)" in text(due)
    closed = AS_OF + timedelta(minutes=10)
    answer, stored = today.change_action(backend, coordinator, rows, "done", False, closed)
    assert stored and text(answer) == "Action 1 closed (done)."
    _rows, due, _note = today.actions_view(backend, coordinator, closed, closed)
    assert "No actions due" in text(due)
    # As they stood: escalated at +5, open at 12:00, not there at all a minute before.
    assert today.actions_view(backend, coordinator, later, closed)[0][0]["status"] == "escalated"
    before, due, note = today.actions_view(
        backend, coordinator, AS_OF - timedelta(minutes=1), closed
    )
    assert before == [] and note.startswith("0 actions")
    assert _count(ward, ActionVersion) == 3
    assert [e["via"] for e in _audit(ward, "action.change")] == ["dashboard", "dashboard"]


@pytest.mark.parametrize(
    ("made", "said"),
    [
        (NewAction(None, "CP1", "Call 943 476 5919 back", None, None), "Not made: title"),
        (NewAction(None, "CP1", "   ", None, None), "Not made: title"),
        (NewAction(None, None, "Chase", None, None), "Choose the organisation"),
        (NewAction(None, "XX9", "Chase", None, None), "Not made: organisation_code"),
        (NewAction("nobody", "CP1", "Chase", None, None), "Not made: patient_id: no such patient"),
        (NewAction(None, "CP1", "Chase", "1999-01-01", None), "Not made: due"),
    ],
)
def test_an_action_refused_says_why_and_is_not_made(
    backend: Backend, ward: Database, tokens: dict[str, str], made: NewAction, said: str
) -> None:
    answer, stored = today.create_action(backend, tokens["coordinator"], made, False, AS_OF)
    assert not stored and text(answer).startswith(said), text(answer)
    assert "943 476 5919" not in text(answer)
    assert _count(ward, ActionVersion) == 0


def test_a_partner_makes_only_its_own_actions(backend: Backend, tokens: dict[str, str]) -> None:
    partner = tokens["partner"]  # CP1
    other = NewAction(None, "RX1", "Chase", None, None)
    answer, stored = today.create_action(backend, partner, other, False, AS_OF)
    assert not stored and "may create only actions it owns" in text(answer)
    own = NewAction("p3", "CP1", "Review reablement", None, None)
    answer, stored = today.create_action(backend, partner, own, False, AS_OF)
    assert stored, text(answer)
    for role in ("board", "analyst", "display"):
        answer, stored = today.create_action(backend, tokens[role], own, False, AS_OF)
        assert not stored and "needs a coordinator or partner token" in text(answer)
        rows, _due, note = today.actions_view(backend, tokens[role], AS_OF, AS_OF)
        assert rows == [] and "need a coordinator or partner token" in note


def test_what_changed_in_the_24_hours_before(backend: Backend, tokens: dict[str, str]) -> None:
    coordinator = tokens["coordinator"]
    reason = Recording("delay_reason", "p1", "2025-03-10", "11:00", reason="H1")
    assert today.record(backend, coordinator, reason, False, AS_OF)[1]
    shown = today.changes_view(backend, coordinator, AS_OF, AS_OF)
    said = text(shown)
    # p2 ready at 08:00 on the 10th; p1's reason from C1 to H1 at 11:00.
    assert said.startswith("2 changes in the 24 hours before 12:00 Mon 10 Mar 2025: ")
    assert "Newly ready: 1, Reason changed: 1." in said
    assert "p2Newly readyready, planned pathway 208:00 Mon 10 Mar 2025" in said
    assert "p1Reason changedC1 → H111:00 Mon 10 Mar 2025" in said
    # Each person is a button that opens their timeline.
    assert {"type": "timeline-open", "index": "p2"} in _button_ids(shown)
    # Another site's: nothing.
    none = today.changes_view(backend, tokens["coordinator"], AS_OF, AS_OF, Filters("RX9"))
    assert text(none).startswith("No changes in the 24 hours before")
    for role in ("board", "analyst"):
        said = text(today.changes_view(backend, tokens[role], AS_OF, AS_OF))
        assert "needs a coordinator or partner token" in said and "p2" not in said


def test_the_page_filters_by_site_and_local_authority(
    backend: Backend, tokens: dict[str, str]
) -> None:
    coordinator = tokens["coordinator"]
    rows, _ = today.long_waiters(backend, coordinator, AS_OF, AS_OF, Filters("RX1"))
    assert [r["patient_id"] for r in rows] == ["p1", "p2"]
    rows, _ = today.long_waiters(backend, coordinator, AS_OF, AS_OF, Filters("CP1"))
    assert rows == []
    rows, _ = today.long_waiters(backend, coordinator, AS_OF, AS_OF, Filters(None, "LA1"))
    assert [r["patient_id"] for r in rows] == ["p1", "p2"]
    rows, _ = today.long_waiters(backend, coordinator, AS_OF, AS_OF, Filters(None, "LA9"))
    assert rows == []
    view = today.position(backend, coordinator, AS_OF, AS_OF, Filters("CP1"))
    [site_now, _] = view.pathway.data
    assert list(site_now.y) == [0, 0, 0, 0]  # nobody ready in CP1's (community) beds
    assert "Community Partnership only" in text(view.status)
    assert len(view.services.data) == 3  # demand against capacity stays the system's
    everyone = today.position(backend, coordinator, AS_OF, AS_OF, Filters())
    shire = today.position(backend, coordinator, AS_OF, AS_OF, Filters(None, "LA1"))
    nobody = today.position(backend, coordinator, AS_OF, AS_OF, Filters(None, "LA9"))
    # Both people ready are LA1's residents: its charts are everyone's; LA9 has nobody.
    assert list(shire.pathway.data[0].y) == list(everyone.pathway.data[0].y)
    assert sum(everyone.pathway.data[0].y) > 0 and sum(nobody.pathway.data[0].y) == 0
    assert "residents" in text(nobody.status) and len(nobody.services.data) == 3


def test_a_partner_lands_on_its_own_organisation(backend: Backend, ward: Database) -> None:
    riverside = token_for(ward, "partner", "RX1")["Authorization"].removeprefix("Bearer ")
    sites, las, owners, site, la = today.filter_options(backend, riverside, AS_OF)
    assert [s["value"] for s in sites] == ["RX1"] and site == "RX1" and la is None
    assert {"label": "Shire Council", "value": "LA1"} in las and len(owners) >= 4
    shire = token_for(ward, "partner", "LA1")["Authorization"].removeprefix("Bearer ")
    assert today.filter_options(backend, shire, AS_OF)[3:] == (None, "LA1")
    coordinator = token_for(ward, "coordinator")["Authorization"].removeprefix("Bearer ")
    assert today.filter_options(backend, coordinator, AS_OF)[3:] == (None, None)
    assert today.filter_options(backend, None, AS_OF) == ([], [], [], None, None)


def test_the_call_sheet_downloads_for_patient_level_roles(
    backend: Backend, tokens: dict[str, str]
) -> None:
    sent, said = today.callsheet_file(backend, tokens["coordinator"], "2025-03-10", "11:00", AS_OF)
    assert sent is not None and sent["filename"].endswith(".xlsx") and sent["base64"]
    assert "downloaded" in text(said)
    for role in ("board", "analyst", "display"):
        sent, said = today.callsheet_file(backend, tokens[role], None, None, AS_OF)
        assert sent is None and "needs a coordinator or partner token" in text(said)
    sent, said = today.callsheet_file(backend, tokens["coordinator"], "2025-03-11", None, AS_OF)
    assert sent is None and "in the future" in text(said)


def test_a_replayed_day_is_shown_clearly(backend: Backend, tokens: dict[str, str]) -> None:
    view = today.position_asked(backend, tokens["board"], "2025-03-09", "8.30", AS_OF)
    assert text(view.replay) == (
        "Replay: you are looking at the position at 08:30 Sun 9 Mar 2025, not now. "
        "Press Now to return to the present."
    )
    assert "(replayed)" in text(view.status)
    assert today.as_of("2025-03-09", "8.30", AS_OF) == datetime(2025, 3, 9, 8, 30)


def test_a_changed_person_opens_their_timeline(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    shown = today.timeline_view(backend, tokens["coordinator"], "p1", AS_OF)
    said = text(shown)
    assert said.startswith("Timeline of p13 events, oldest first")
    assert "10:00 Sat 1 Mar 2025Admittedunit code W1, local authority LA1" in said
    assert "09:00 Wed 5 Mar 2025Ready to leavepathway 1" in said
    assert "Delay reasonreason code C1" in said
    assert _audit(ward, "patient.timeline")[-1]["patient_ids"] == ["p1"]
    # CP1's partner does not see Riverside's p1; the board sees no patient at all.
    assert text(today.timeline_view(backend, tokens["partner"], "p1", AS_OF)) == (
        "No such patient: p1."
    )
    assert _audit(ward, "patient.timeline.refused")[-1]["status"] == 404
    assert "needs a coordinator" in text(today.timeline_view(backend, tokens["board"], "p1", AS_OF))


def test_the_printable_call_sheet_has_the_figures_of_the_page(
    backend: Backend, tokens: dict[str, str]
) -> None:
    now = AS_OF + timedelta(minutes=30)
    shown = callsheet.sheet_view(backend, tokens["coordinator"], "?date=2025-03-10&time=12:00", now)
    said = text(shown)
    assert said.startswith("Position at 12:00 Mon 10 Mar 2025 (replayed)")
    view = today.position(backend, tokens["coordinator"], AS_OF, now)
    ready_now = view.headlines[0].children[1].children
    assert f"Ready to leave (acute){ready_now}1" in said  # now, then 24 hours before
    assert "Waiting for D2A against free places: system level unknown" in said
    assert "Long waiters: ready 7+ days (0)" in said
    for role in ("board", "analyst", "display"):
        said = text(callsheet.sheet_view(backend, tokens[role], "", now))
        assert "needs a coordinator or partner token" in said
    said = text(callsheet.sheet_view(backend, tokens["coordinator"], "?time=8.75", now))
    assert said == "'8.75' is not a time: write it as HH:MM, for example 08:30."
    assert today.callsheet_href("2025-03-10", "8.30") == "/callsheet?date=2025-03-10&time=8.30"
    assert today.callsheet_href(None, "") == "/callsheet"


def test_roles_without_the_worklist_get_notes_not_empty_grids(
    backend: Backend, tokens: dict[str, str]
) -> None:
    assert today.sections_hidden(backend, tokens["coordinator"], AS_OF) == (False, False, False)
    assert today.sections_hidden(backend, tokens["partner"], AS_OF) == (False, False, False)
    for role in ("board", "analyst"):
        assert today.sections_hidden(backend, tokens[role], AS_OF) == (True, True, True)
    assert today.sections_hidden(backend, None, AS_OF) == (True, True, True)
