"""Routing and sign-in; and the dashboard mounted beside the API on one server."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from access.throttle import for_state
from dashboard.access import Throttled
from dashboard.callbacks import shell
from dashboard.data import Backend


def test_each_path_has_its_page_and_title(backend: Backend) -> None:
    titles = {path: shell.route(path, backend)[2] for path in ("/", "/trends", "/explore/", "/x")}
    assert titles == {
        "/": "Today · D2A Flow",
        "/trends": "Trends · D2A Flow",
        "/explore/": "Explore · D2A Flow",
        "/x": "Not found · D2A Flow",
    }
    _page, header, _title = shell.route("/wall", backend)
    assert header.endswith("hidden")  # the wall has no header, links or sign-in box


def test_sign_in_keeps_only_a_live_token(backend: Backend, tokens: dict[str, str]) -> None:
    assert shell.sign_in(backend, f" {tokens['board']} ") == (tokens["board"], "")
    token, error = shell.sign_in(backend, "d2a_wrong")
    assert token is None and "not recognised" in error
    who, hide_sign_out, hide_box = shell.signed_in_as(backend, tokens["board"])
    assert (hide_sign_out, hide_box) == (False, True) and " · board" in who
    assert shell.signed_in_as(backend, None) == ("Not signed in", True, False)


def test_the_api_keeps_its_paths_and_the_dashboard_takes_the_rest(
    client: TestClient, tokens: dict[str, str]
) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/api/v1/metrics").status_code == 401
    assert client.get("/openapi.json").status_code == 200
    page = client.get("/trends")
    assert page.status_code == 200 and "_dash-config" in page.text
    assert '<html lang="en-GB">' in page.text
    assert client.get("/assets/style.css").status_code == 200
    layout = client.get("/_dash-layout").json()
    assert "p1" not in str(layout)


def test_a_callback_over_http_checks_the_token(client: TestClient, tokens: dict[str, str]) -> None:
    """The long-waiters callback as the browser calls it: no token, no patients."""
    body: dict[str, Any] = {
        "output": "..today-patients.rowData...today-patients-note.children..",
        "outputs": [
            {"id": "today-patients", "property": "rowData"},
            {"id": "today-patients-note", "property": "children"},
        ],
        "inputs": [
            {"id": "today-date", "property": "date", "value": "2025-03-10"},
            {"id": "today-time", "property": "value", "value": "12:00"},
            {"id": "today-refresh", "property": "n_intervals", "value": None},
            {"id": "today-site-filter", "property": "value", "value": None},
            {"id": "today-la-filter", "property": "value", "value": None},
            {"id": "today-recorded", "property": "data", "value": 0},
        ],
        "state": [{"id": "token", "property": "data", "value": None}],
        "changedPropIds": ["today-date.date"],
    }
    answer = client.post("/_dash-update-component", json=body).json()
    assert answer["response"]["today-patients"]["rowData"] == []
    body["state"][0]["value"] = tokens["coordinator"]
    answer = client.post("/_dash-update-component", json=body).json()
    assert [r["patient_id"] for r in answer["response"]["today-patients"]["rowData"]] == [
        "p1",
        "p2",
    ]


def _sign_in_body(entered: str) -> dict[str, Any]:
    """The sign-in callback's request, as the browser sends it."""
    return {
        "output": "..token.data...token-input.value...sign-in-error.children..",
        "outputs": [
            {"id": "token", "property": "data"},
            {"id": "token-input", "property": "value"},
            {"id": "sign-in-error", "property": "children"},
        ],
        "inputs": [
            {"id": "sign-in", "property": "n_clicks", "value": 1},
            {"id": "token-input", "property": "n_submit", "value": None},
            {"id": "sign-out", "property": "n_clicks", "value": None},
        ],
        "state": [{"id": "token-input", "property": "value", "value": entered}],
        "changedPropIds": ["sign-in.n_clicks"],
    }


def test_sign_in_is_refused_with_429_after_20_failures(
    client: TestClient, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    for_state(client.app.state).clock = clock  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="d2a.auth"):
        for n in range(20):
            answer = client.post("/_dash-update-component", json=_sign_in_body(f"d2a_guess{n}"))
            assert answer.status_code == 200, n
            assert answer.json()["response"]["sign-in-error"]["children"] == shell.NOT_RECOGNISED
            clock.now += 2
        refused = client.post("/_dash-update-component", json=_sign_in_body(tokens["board"]))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
    assert "too many failed authentications" in refused.json()["errors"][0]["message"]
    assert not any("d2a_guess" in r.getMessage() for r in caplog.records)
    # The API shares the count: the same address is refused there too.
    api = client.get("/api/v1/units", headers={"Authorization": f"Bearer {tokens['board']}"})
    assert api.status_code == 429
    clock.now += 20
    answer = client.post("/_dash-update-component", json=_sign_in_body(tokens["board"]))
    assert (
        answer.status_code == 200 and answer.json()["response"]["token"]["data"] == tokens["board"]
    )


def test_a_stale_token_on_a_page_counts_once(backend: Backend, tokens: dict[str, str]) -> None:
    """A revoked token left in a tab fails on every callback of every refresh: one failure."""
    for _ in range(50):
        assert shell.signed_in_as(backend, "d2a_revoked-long-ago")[0] == "Not signed in"
    assert backend.failures.retry_after("local") is None
    for n in range(20):  # but twenty different tokens are guesses
        shell.signed_in_as(backend, f"d2a_guess{n}")
    assert backend.failures.retry_after("local") is not None
    assert shell.signed_in_as(backend, tokens["board"])[0] == "Not signed in"
    with pytest.raises(Throttled):
        shell.sign_in(backend, tokens["board"])


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
