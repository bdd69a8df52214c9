"""The Today page's callbacks as plain functions: who sees what, and the same figures as the
snapshot the API serves."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from dash import html

from dashboard.callbacks import today
from dashboard.data import Backend
from store.database import Database
from tests.dashboard.conftest import AS_OF
from tests.dashboard.reading import text

NOW = datetime(2025, 3, 10, 12, 0)


def test_as_of_reads_a_uk_local_date_and_time_as_utc() -> None:
    assert today.as_of(None, None, NOW) == NOW
    assert today.as_of("2025-03-08", "14:30", NOW) == datetime(2025, 3, 8, 14, 30)
    # British Summer Time: 14:30 local is 13:30 UTC.
    later = datetime(2025, 7, 1)
    assert today.as_of("2025-06-30", "14:30", later) == datetime(2025, 6, 30, 13, 30)
    # A date alone is the end of that day; today alone is now.
    assert today.as_of("2025-03-08", "", NOW) == datetime(2025, 3, 8, 23, 59)
    assert today.as_of("2025-03-10", None, NOW) == NOW
    # The ways a time is typed on the call.
    for typed in ("8.30", "08:30", "8:30", "0830", "830", " 08.30 "):
        assert today.as_of("2025-03-08", typed, NOW) == datetime(2025, 3, 8, 8, 30), typed
    assert today.as_of("2025-03-08", "8", NOW) == datetime(2025, 3, 8, 8, 0)
    assert today.as_of(None, "8.30", NOW) == datetime(2025, 3, 10, 8, 30)  # today's


@pytest.mark.parametrize(
    ("day", "clock", "said"),
    [
        ("2025-03-08", "nonsense", "'nonsense' is not a time: write it as HH:MM"),
        ("2025-03-08", "25:00", "'25:00' is not a time"),
        ("2025-03-08", "8.75", "'8.75' is not a time"),
        ("2025-03-11", "09:00", "Cannot replay 11 Mar 2025: it is in the future."),
        ("2025-03-11", None, "Cannot replay 11 Mar 2025: it is in the future."),
        ("2025-03-10", "12:30", "Cannot replay 12:30 today: that time has not come yet."),
        (None, "12:30", "Cannot replay 12:30 today: that time has not come yet."),
    ],
)
def test_a_time_or_date_that_cannot_be_replayed_is_refused_in_words(
    backend: Backend, tokens: dict[str, str], day: str | None, clock: str, said: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(said)):
        today.as_of(day, clock, NOW)
    view = today.position_asked(backend, tokens["coordinator"], day, clock, NOW)
    assert text(view.status).startswith(said) and view.headlines == []


def test_the_position_draws_the_snapshot_figures(backend: Backend, tokens: dict[str, str]) -> None:
    view = today.position(backend, tokens["coordinator"], AS_OF, AS_OF)
    [now, before] = view.pathway.data
    assert list(now.x) == ["Pathway 0", "Pathway 1", "Pathway 2", "Pathway 3"]
    assert (list(now.y), list(before.y)) == ([0, 1, 1, 0], [0, 1, 0, 0])
    [site_now, _] = view.site.data
    assert (list(site_now.x), list(site_now.y)) == (["Riverside Hospital"], [2])
    # Each pathway on its own axis: waiting, free, capacity (P1: H1 10 slots, p3 in one).
    p1, p2, p3 = view.services.data
    assert [list(p.y) for p in (p1, p2, p3)] == [[1, 9, 10], [1, 4, 4], [0, 2, 2]]
    assert [(p.xaxis, p.yaxis) for p in (p1, p2, p3)] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert "Position at 12:00 Mon 10 Mar 2025 (now)" in str(view.status)
    assert view.replay is None
    # The system's level, each pathway in words, and each service's places one click away.
    said = text(view.capacity)
    assert said.startswith("System levelUNKNOWNPathway 1: unknown1 waiting9 free of 10")
    assert "Home reablementPathway 11019" in said  # H1: capacity 10, 1 occupied, 9 free


def test_headlines_give_the_change_in_words(backend: Backend, tokens: dict[str, str]) -> None:
    view = today.position(backend, tokens["board"], AS_OF, AS_OF)
    ready = view.headlines[0]
    texts = [child.children for child in ready.children]
    assert texts == ["Ready to leave", "2", "up 1 in 24 hours"]
    # Acute inpatients is a neutral figure: its change is never coloured good or bad.
    acute = view.headlines[1]
    assert acute.children[0].children == "Acute inpatients"
    assert acute.children[2].className == "headline-change same"
    # No sum of home-care slots and beds: the people waiting for D2A instead.
    assert [h.children[0].children for h in view.headlines][-1] == "Waiting for D2A (P1–P3)"
    assert view.headlines[-1].children[1].children == "2"


def test_no_token_or_the_display_role_sees_no_figures(
    backend: Backend, tokens: dict[str, str]
) -> None:
    for token in (None, "d2a_made_up", tokens["admin"], tokens["display"], tokens["feed"]):
        view = today.position(backend, token, AS_OF, AS_OF)
        assert view.headlines == [] and view.pathway.data == ()
        assert isinstance(view.status, html.P) and "Sign in" in view.status.children


def test_only_patient_level_roles_get_the_long_waiters(
    backend: Backend, tokens: dict[str, str]
) -> None:
    rows, note = today.long_waiters(backend, tokens["coordinator"], AS_OF, AS_OF)
    assert [(r["patient_id"], r["days_waiting"], r["local_authority"]) for r in rows] == [
        ("p1", 5, "Shire Council"),
        ("p2", 0, "Shire Council"),
    ]
    assert note.startswith("2 people ready to leave")
    for role in ("admin", "board", "analyst", "display", "feed"):
        rows, note = today.long_waiters(backend, tokens[role], AS_OF, AS_OF)
        assert rows == [] and "does not see patient lists" in note
    rows, note = today.long_waiters(backend, None, AS_OF, AS_OF)
    assert rows == [] and "Sign in" in note


def test_a_partner_sees_only_its_own_patients(backend: Backend, tokens: dict[str, str]) -> None:
    # CP1 (community) has p3 at home in H1, but nobody ready in an acute bed.
    rows, note = today.long_waiters(backend, tokens["partner"], AS_OF, AS_OF)
    assert rows == [] and "for CP1" in note


OUTSIDE = "dates from 2000-01-01 to 2100-12-31 are accepted"


@pytest.mark.parametrize(
    ("day", "clock", "said"),
    [
        # Year 1 used to raise OverflowError in the callback (the snapshot's 24 hours before).
        ("0001-01-01", "00:00", f"Cannot replay 0001-01-01: it is before 2000-01-01: {OUTSIDE}."),
        ("0001-01-01T00:00:00", None, "Cannot replay 0001-01-01: it is before 2000-01-01"),
        ("1999-12-31", "23:59", "Cannot replay 1999-12-31: it is before 2000-01-01"),
        # Year 9999 was replayed silently as now.
        ("9999-12-31", "23:59", f"Cannot replay 9999-12-31: it is after 2100-12-31: {OUTSIDE}."),
        ("2101-01-01", "", "Cannot replay 2101-01-01: it is after 2100-12-31"),
        # Not dates at all used to raise ValueError in the callback.
        ("2025-02-30", "12:00", "'2025-02-30' is not a date: choose one from the calendar."),
        ("yesterday", None, "'yesterday' is not a date"),
    ],
)
def test_a_replay_outside_the_calendar_says_so_on_the_page(
    backend: Backend, tokens: dict[str, str], day: str, clock: str | None, said: str
) -> None:
    view = today.position_asked(backend, tokens["coordinator"], day, clock, NOW)
    assert isinstance(view.status, html.P) and view.status.children.startswith(said)
    assert "message-error" in getattr(view.status, "className", "")
    assert view.headlines == [] and view.pathway.data == () and view.services.data == ()
    rows, note = today.long_waiters_asked(backend, tokens["coordinator"], day, clock, NOW)
    assert rows == [] and note.startswith(said)


def test_a_replay_within_the_calendar_is_drawn(backend: Backend, tokens: dict[str, str]) -> None:
    # 1 Jan 2000, 00:00 (GMT): the first moment the record knows. Nobody was in a bed then,
    # and no D2A place was free: the services' capacities are in force from 1 Jan 2024.
    view = today.position_asked(backend, tokens["coordinator"], "2000-01-01", "00:00", AS_OF)
    assert "Position at 00:00 Sat 1 Jan 2000 (replayed)" in str(view.status)
    assert text(view.replay).startswith("Replay: you are looking at the position at 00:00")
    assert [h.children[1].children for h in view.headlines] == ["0"] * 5
    rows, note = today.long_waiters_asked(backend, tokens["coordinator"], "2000-01-01", "", AS_OF)
    assert rows == [] and note.startswith("0 people ready to leave")
    # Without a date, now: the same as position() at now.
    now = today.position_asked(backend, tokens["coordinator"], None, None, AS_OF)
    assert "Position at 12:00 Mon 10 Mar 2025 (now)" in str(now.status)


def test_today_names_each_silent_feed(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    view = today.position(backend, tokens["board"], AS_OF, AS_OF)
    position, warning = view.status
    assert "Position at 12:00 Mon 10 Mar 2025 (now)" in text(position)
    assert text(warning) == (
        "Warning: feeds silent for longer than their limit: Community PAS (nothing received "
        "yet), Riverside hub list (nothing for 5 h). What they should have sent is "
        "missing from these figures."
    )
    assert "message-warning" in getattr(warning, "className", "")
    assert "CPPAS" not in str(view.status) and "RXLIST" not in str(view.status)


def test_today_warns_of_nothing_when_every_feed_is_sending(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    [position] = today.position(backend, tokens["board"], AS_OF, AS_OF).status
    assert "Position at" in text(position)
