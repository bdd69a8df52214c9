"""SPEC §7's role table on the dashboard: every callback that reads data, as each role (and as
nobody), and whether it sees what the callback shows. The callbacks are called as functions,
as the browser's requests call them (tests/dashboard/test_shell.py does it over HTTP too)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from dash import html

from dashboard.callbacks import explore, feeds, returns, shell, today, trends, wall
from dashboard.callbacks.explore import Question
from dashboard.data import Backend
from dashboard.pages.trends import HEADLINES
from store.database import Database
from tests.conftest import token_for
from tests.dashboard.conftest import AS_OF

ROLE_ORDER = (None, "admin", "coordinator", "partner", "analyst", "board", "display", "feed")
SCOPES = {"partner": "RX1", "feed": "RX1"}  # RX1's wards hold p1 and p2, both ready
ASKED = Question("ready_to_leave", "2025-02-17", "2025-03-09", "week", "pathway", None)
BY_UNIT = Question("acute_occupied", "2025-02-17", "2025-03-09", "week", "unit", None)
Sees = Callable[[Backend, str | None], bool]
NEW_ACTION = today.NewAction(None, "RX1", "Chase the package of care", None, None)
REASON = today.Recording("delay_reason", "p1", reason="H1")
# A list naming nobody, as at AS_OF, for Riverside's feed (tests/dashboard/conftest.py FEEDS):
# its dry run would withdraw p1 and p2; and a check of it as the browser could forge one.
EMPTY_LIST = b"local_patient_id,ready_date,pathway\n"
UPLOAD = feeds.Upload(
    "RXPAS",
    f"data:text/csv;base64,{base64.b64encode(EMPTY_LIST).decode()}",
    "list.csv",
    "2025-03-10",
    "12:00",
)
FORGED = {
    "feed": "RXPAS",
    "as_of": "2025-03-10T12:00:00+00:00",
    "digest": hashlib.sha256(EMPTY_LIST).hexdigest(),
    "filename": "list.csv",
}


def _page(backend: Backend, token: str | None, path: str = "/") -> bool:
    page, _header, _title = shell.route(path, backend, token)
    return "role-note" not in str(page)


# callback: (whether the role sees what it shows, for each of ROLE_ORDER)
#                                   none  admin  coord  partner analyst board  display feed
CALLBACKS: dict[str, tuple[Sees, tuple[bool, ...]]] = {
    "shell route (Today, Trends, Explore pages)": (
        _page,
        (True, False, True, True, True, True, False, False),
    ),
    "shell signed in as": (
        lambda b, t: shell.signed_in_as(b, t)[2],
        (False, True, True, True, True, True, True, True),
    ),
    "today position": (
        lambda b, t: today.position(b, t, AS_OF, AS_OF).headlines != [],
        (False, False, True, True, True, True, False, False),
    ),
    "today long waiters (patient ids)": (
        lambda b, t: today.long_waiters(b, t, AS_OF, AS_OF)[0] != [],
        (False, False, True, True, False, False, False, False),
    ),
    "today filter options": (
        lambda b, t: today.filter_options(b, t, AS_OF)[0] != [],
        (False, False, True, True, True, True, False, False),
    ),
    "today changes (patient ids)": (
        lambda b, t: "p2" in str(today.changes_view(b, t, AS_OF, AS_OF)),
        (False, False, True, True, False, False, False, False),
    ),
    "today actions": (
        lambda b, t: "as they stood" in today.actions_view(b, t, AS_OF, AS_OF)[2],
        (False, False, True, True, False, False, False, False),
    ),
    "today call sheet (patient ids)": (
        lambda b, t: today.callsheet_file(b, t, None, None, AS_OF)[0] is not None,
        (False, False, True, True, False, False, False, False),
    ),
    # These two write: an action owned by RX1, and p1's delay reason (p1 is on RX1's ward).
    "today create action": (
        lambda b, t: today.create_action(b, t, NEW_ACTION, False, AS_OF)[1],
        (False, False, True, True, False, False, False, False),
    ),
    "today record from the worklist": (
        lambda b, t: today.record(b, t, REASON, False, AS_OF)[1],
        (False, False, True, True, False, False, False, False),
    ),
    "trends organisation options": (
        lambda b, t: len(trends.organisation_options(b, t, AS_OF)) > 1,
        (False, False, True, True, True, True, False, False),
    ),
    "trends status": (
        lambda b, t: "Sign in" not in str(trends.status(b, t, "week", None, AS_OF)),
        (False, False, True, True, True, True, False, False),
    ),
    "trends chart card": (
        lambda b, t: len(trends.chart_card(b, t, HEADLINES[0], "week", None, AS_OF)) > 1,
        (False, False, True, True, True, True, False, False),
    ),
    "trends summary table": (
        lambda b, t: "Sign in" not in str(trends.summary_table(b, t, "week", None, AS_OF)),
        (False, False, True, True, True, True, False, False),
    ),
    "trends delay bands": (
        lambda b, t: len(trends.bands_card(b, t, "week", None, AS_OF)) > 1,
        (False, False, True, True, True, True, False, False),
    ),
    "trends add a note": (
        lambda b, t: trends.add_note(b, t, HEADLINES[0], "2025-03-03", "Note", [], AS_OF)[1],
        (False, True, True, False, True, False, False, False),
    ),
    "explore organisation options": (
        lambda b, t: explore.organisation_options(b, t, AS_OF) != [],
        (False, False, True, True, True, True, False, False),
    ),
    "explore view": (
        lambda b, t: explore.view(b, t, ASKED, AS_OF)[3] != [],
        (False, False, True, True, True, True, False, False),
    ),
    "explore view by unit": (
        lambda b, t: explore.view(b, t, BY_UNIT, AS_OF)[3] != [],
        (False, False, True, True, True, True, False, False),
    ),
    "explore download CSV": (
        lambda b, t: explore.download(b, t, ASKED, "csv") is not None,
        (False, False, True, False, True, False, False, False),
    ),
    "explore download XLSX": (
        lambda b, t: explore.download(b, t, ASKED, "xlsx") is not None,
        (False, False, True, False, True, False, False, False),
    ),
    "wall fetch": (
        lambda b, t: (
            "error" not in wall.fetch(b, f"#token={t}" if t else None, None, None, AS_OF)[0]
        ),
        (False, False, True, True, True, True, True, False),
    ),
    "shell route (Feeds page)": (
        lambda b, t: _page(b, t, "/feeds"),
        (True, True, True, False, False, False, False, False),
    ),
    "shell route (Returns page)": (
        lambda b, t: _page(b, t, "/returns"),
        (True, False, True, False, True, False, False, False),
    ),
    "shell Returns link": (
        lambda b, t: not shell.returns_link_hidden(b, t),
        (False, False, True, False, True, False, False, False),
    ),
    "returns DRD download": (
        lambda b, t: returns.download(b, t, "drd_csv", "2025-02", False, AS_OF)[0] is not None,
        (False, False, True, False, True, False, False, False),
    ),
    "shell Feeds link": (
        lambda b, t: not shell.feeds_link_hidden(b, t),
        (False, True, True, False, False, False, False, False),
    ),
    "feeds table": (
        lambda b, t: feeds.overview(b, t, AS_OF)[1] is not None,
        (False, True, True, False, False, False, False, False),
    ),
    "feeds last refusals": (
        lambda b, t: "M2" in str(feeds.last_refusals(b, t, "RXPAS", AS_OF)),
        (False, True, True, False, False, False, False, False),
    ),
    "feeds upload form": (
        lambda b, t: not feeds.upload_form(b, t, AS_OF)[1],
        (False, False, True, False, False, False, False, True),
    ),
    "feeds upload dry run (patient ids)": (
        lambda b, t: feeds.dry_run(b, t, UPLOAD, AS_OF).checked is not None,
        (False, False, True, False, False, False, False, True),
    ),
    # Last: it stores (p1 and p2 withdrawn). The check is the browser's, so it may be forged.
    "feeds upload store": (
        lambda b, t: str(feeds.store(b, t, UPLOAD, FORGED, AS_OF).result).count("Stored 2") == 1,
        (False, False, True, False, False, False, False, True),
    ),
}


@pytest.mark.parametrize("role", ROLE_ORDER, ids=lambda r: r or "no token")
def test_each_role_sees_exactly_what_the_table_says(
    backend: Backend, with_feeds: Database, role: str | None
) -> None:
    ward = with_feeds
    token = None
    if role is not None:
        token = token_for(ward, role, SCOPES.get(role))["Authorization"].removeprefix("Bearer ")
    got = {name: sees(backend, token) for name, (sees, _) in CALLBACKS.items()}
    expected = {name: row[ROLE_ORDER.index(role)] for name, (_, row) in CALLBACKS.items()}
    assert got == expected


def test_a_role_without_the_figures_is_told_why(backend: Backend, tokens: dict[str, str]) -> None:
    for role in ("display", "admin", "feed"):
        for path in ("/", "/trends", "/explore"):
            page, _header, _title = shell.route(path, backend, tokens[role])
            assert isinstance(page, html.Div) and shell.ROLE_NOTES[role] in str(page), role
    page, _header, _title = shell.route("/wall", backend, tokens["display"])
    assert "role-note" not in str(page)


def test_a_role_without_feeds_is_told_so(backend: Backend, tokens: dict[str, str]) -> None:
    for role in ("partner", "analyst", "board", "display", "feed"):
        page, _header, title = shell.route("/feeds", backend, tokens[role])
        assert title == "Feeds · D2A Flow"
        note = f"The {role} role does not see feeds: the admin and coordinator roles do."
        assert note in str(page), role
        assert shell.feeds_link_hidden(backend, tokens[role])
    assert shell.feeds_link_hidden(backend, None)


def test_the_wall_never_shows_a_unit_a_site_or_a_patient(
    backend: Backend, tokens: dict[str, str]
) -> None:
    summary: dict[str, Any]
    summary, _kept = wall.fetch(backend, f"#token={tokens['display']}", None, None, AS_OF)
    text = str(summary)
    for unit_or_site in ("H1", "B1", "C1", "W1", "RX1", "CP1", "p1", "p2", "patient"):
        assert unit_or_site not in text
