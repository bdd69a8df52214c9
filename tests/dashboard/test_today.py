"""The Today page's callbacks as plain functions: who sees what, and the same figures as the
snapshot the API serves."""

from __future__ import annotations

from datetime import datetime

from dash import html

from dashboard.callbacks import today
from dashboard.data import Backend
from tests.dashboard.conftest import AS_OF

NOW = datetime(2025, 3, 10, 12, 0)


def test_as_of_reads_a_uk_local_date_and_time_as_utc() -> None:
    assert today.as_of(None, None, NOW) == NOW
    assert today.as_of("2025-03-08", "14:30", NOW) == datetime(2025, 3, 8, 14, 30)
    # British Summer Time: 14:30 local is 13:30 UTC.
    later = datetime(2025, 7, 1)
    assert today.as_of("2025-06-30", "14:30", later) == datetime(2025, 6, 30, 13, 30)
    assert today.as_of("2025-03-08", "nonsense", NOW) == datetime(2025, 3, 8, 23, 59)
    assert today.as_of("2025-03-11", "09:00", NOW) == NOW  # not yet happened: now


def test_the_position_draws_the_snapshot_figures(backend: Backend, tokens: dict[str, str]) -> None:
    view = today.position(backend, tokens["coordinator"], AS_OF, AS_OF)
    [now, before] = view.pathway.data
    assert list(now.x) == ["Pathway 0", "Pathway 1", "Pathway 2", "Pathway 3"]
    assert (list(now.y), list(before.y)) == ([0, 1, 1, 0], [0, 1, 0, 0])
    [site_now, _] = view.site.data
    assert (list(site_now.x), list(site_now.y)) == (["Riverside Hospital"], [2])
    occupied, free = view.services.data
    assert (list(occupied.x), list(free.x)) == ([1, 0, 0], [9, 4, 2])
    assert "Position at 12:00 Mon 10 Mar 2025 (now)" in str(view.status)


def test_headlines_give_the_change_in_words(backend: Backend, tokens: dict[str, str]) -> None:
    view = today.position(backend, tokens["board"], AS_OF, AS_OF)
    ready = view.headlines[0]
    texts = [child.children for child in ready.children]
    assert texts == ["Ready to leave", "2", "up 1 in 24 hours"]


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
