"""The wall's callbacks: aggregates only, a token kept from the URL, a stale-data warning."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from dash import html

from dashboard.callbacks import wall
from dashboard.data import Backend
from ledger.triggers import TriggerIn, set_levels
from store.database import Database
from tests.dashboard.conftest import AS_OF, LOADED_AT
from tests.dashboard.reading import text


def test_the_token_comes_from_the_fragment_only() -> None:
    assert wall.token_from_fragment("#token=abc") == "abc"
    assert wall.token_from_fragment("#token=&other=1") is None
    assert wall.token_from_fragment(None) is None


def test_a_token_in_the_query_string_is_not_read(backend: Backend, tokens: dict[str, str]) -> None:
    # The callback is not even given the query string: a token there would be in the access log.
    summary, kept = wall.fetch(backend, "", None, None, AS_OF)
    assert summary == {"error": wall.NEEDS_TOKEN} and kept is None


def test_a_signed_in_reader_sees_the_wall_without_its_token_being_kept(
    backend: Backend, tokens: dict[str, str]
) -> None:
    summary, kept = wall.fetch(backend, "", None, tokens["board"], AS_OF)
    assert summary["ready"] == {"now": 2, "before": 1} and kept is None


def test_a_display_token_gets_a_summary_with_no_patient_in_it(
    backend: Backend, tokens: dict[str, str]
) -> None:
    summary, kept = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    assert kept == tokens["display"]
    assert summary["ready"] == {"now": 2, "before": 1}
    text = json.dumps(summary)
    assert "p1" not in text and "p2" not in text and "patient" not in text
    again, kept = wall.fetch(backend, "", kept, None, AS_OF)  # next refresh: the kept token
    assert again["ready"] == summary["ready"] and kept == tokens["display"]


def test_without_a_live_token_the_wall_asks_for_one(backend: Backend) -> None:
    summary, kept = wall.fetch(backend, "#token=d2a_nope", None, None, AS_OF)
    assert summary == {"error": wall.NEEDS_TOKEN} and kept is None
    panel, banner, _clock = wall.view(summary, 0, AS_OF, 60)
    assert panel.children == wall.NEEDS_TOKEN and banner is None


def test_stale_warning_after_the_configured_age() -> None:
    latest = LOADED_AT.isoformat() + "Z"
    assert wall.stale_warning(latest, LOADED_AT + timedelta(minutes=60), 60) is None
    warning = wall.stale_warning(latest, LOADED_AT + timedelta(minutes=135), 60)
    assert warning == "DATA MAY BE OUT OF DATE: no new events for 2 h 15 min (last at 11:30:00)"
    assert wall.stale_warning(None, LOADED_AT, 60) is not None


def test_panels_rotate_and_the_banner_shows_when_stale(
    backend: Backend, tokens: dict[str, str]
) -> None:
    summary, _ = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    titles = [wall.view(summary, n, AS_OF, 60)[0].children[0].children for n in range(3)]
    assert titles == [*wall.wall.PANEL_TITLES, wall.wall.PANEL_TITLES[0]]
    _panel, banner, updated = wall.view(summary, 0, AS_OF, 60)
    # The clock itself is the browser's (assets/wall.js); the server says when it fetched.
    assert banner is None and updated == "updated 12:00:00"
    _panel, banners, _clock = wall.view(summary, 0, datetime(2025, 3, 10, 18, 0), 60)
    [banner] = banners
    assert isinstance(banner, html.P) and banner.children.startswith("DATA MAY BE OUT OF DATE")


def test_the_wall_names_each_silent_feed_and_nothing_else_of_it(
    backend: Backend, with_feeds: Database, tokens: dict[str, str]
) -> None:
    summary, _kept = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    assert summary["silent_feeds"] == [
        {"name": "Community PAS", "last_message_at": None},
        {"name": "Riverside hub list", "last_message_at": "2025-03-10T07:00:00"},
    ]
    _panel, banners, _clock = wall.view(summary, 0, AS_OF, 60)
    assert [text(b) for b in banners] == [
        "FEEDS SILENT: Community PAS (nothing received yet), Riverside hub list (nothing for 5 h)"
    ]
    shown = json.dumps(summary)
    for identifier in ("CPPAS", "RXLIST", "RXPAS", "M1", "M2", "WARD", "RX1", "CP1"):
        assert identifier not in shown
    # Six hours on, the data is stale too: two banners.
    _panel, banners, _clock = wall.view(summary, 0, AS_OF + timedelta(hours=6), 60)
    assert [text(b).split(":")[0] for b in banners] == ["DATA MAY BE OUT OF DATE", "FEEDS SILENT"]


def test_the_wall_shows_headline_queues_and_level_at_once(
    backend: Backend, tokens: dict[str, str]
) -> None:
    summary, _ = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    shown = text(wall.main_view(summary))
    assert shown.startswith("Ready to leave hospital2up 1 on yesterday")
    assert "System levelUNKNOWN" in shown  # no trigger levels set in this ward
    assert "Pathway 1 · UNKNOWN1 waiting9 free of 10" in shown
    assert "Pathway 2 · UNKNOWN1 waiting4 free of 4" in shown
    assert "Pathway 3 · UNKNOWN0 waiting2 free of 2" in shown
    assert wall.main_view({"error": wall.NEEDS_TOKEN}) is None


def test_a_pathway_over_its_trigger_level_is_named_and_coloured(
    backend: Backend, ward: Database, tokens: dict[str, str]
) -> None:
    with ward.session(write=True) as session:
        # Shortfalls (waiting − free): P1 1 − 9 = −8, P2 1 − 4 = −3, P3 0 − 2 = −2.
        for pathway, pressure, escalation in ((1, 5, 10), (2, -4, -3), (3, -2, 0)):
            levels = {"pressure": pressure, "escalation": escalation}
            levels["effective_from"] = "2025-01-01"  # type: ignore[assignment]
            set_levels(session, pathway, TriggerIn.model_validate(levels), AS_OF)
    backend.cache.clear()
    summary, _ = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    assert summary["level"] == "escalation"
    assert [p["status"] for p in summary["pathways"]] == ["normal", "escalation", "pressure"]
    main = wall.main_view(summary)
    assert "System levelESCALATION" in text(main)
    assert "wall-status-escalation" in str(main) and "wall-status-pressure" in str(main)
