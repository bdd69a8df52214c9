"""Routing and sign-in; and the dashboard mounted beside the API on one server."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

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
