"""The OpenAPI document lists the error answers each operation can give, with their model, and
the answers are those: a body that is not JSON is a 415."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from store.database import Database
from tests.conftest import token_for

ERROR = {"$ref": "#/components/schemas/ErrorAnswer"}
LIST_ERROR = {"$ref": "#/components/schemas/ReadinessRefusal"}
WITH_ID_IN_PATH = {
    ("get", "/api/v1/patients/{patient_id}/timeline"),
    ("delete", "/api/v1/tokens/{token_id}"),
}


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method, path, operation)
        for path, methods in paths.items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]


def test_every_operation_lists_the_errors_it_can_give(client: TestClient, db: Database) -> None:
    listed = operations(client)
    assert len(listed) >= 14
    for method, path, operation in listed:
        answers = operation["responses"]
        body = operation.get("requestBody", {}).get("content", {})
        required = {"400", "401", "403"}
        if operation.get("parameters") or body:
            required.add("422")
        if body:
            required.add("413")
        if "application/json" in body:
            required.add("415")
        if (method, path) in WITH_ID_IN_PATH:
            required.add("404")
        if (method, path) == ("post", "/api/v1/events"):
            required.add("409")
        # A path parameter may also name something missing (404); nothing else is listed.
        allowed = required | ({"404"} if "{" in path else set())
        allowed |= {"415"} if body else set()  # a body of another media type than the listed
        errors = {code for code in answers if code.startswith(("4", "5"))}
        assert required <= errors <= allowed, (method, path, errors)
        for code in errors:
            schema = answers[code]["content"]["application/json"]["schema"]
            # A readiness list's refusals name the row and column (SPEC §9).
            models = (ERROR, LIST_ERROR) if path.endswith("/readiness") else (ERROR,)
            assert schema in models and answers[code]["description"], (method, path, code)


def test_health_lists_no_error(client: TestClient, db: Database) -> None:
    answers = client.get("/openapi.json").json()["paths"]["/health"]["get"]["responses"]
    assert set(answers) == {"200"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", "/api/v1/organisations/RX9", b'{"name": "Riverside", "kind": "acute"}'),
        (
            "PUT",
            "/api/v1/units/W9",
            b'{"name": "Ward 9", "organisation_code": "RX1", "setting": "acute"}',
        ),
        ("POST", "/api/v1/tokens", b'{"role": "analyst"}'),
        ("POST", "/api/v1/events", b"[]"),
    ],
)
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(
    client: TestClient,
    system: Database,
    admin: dict[str, str],
    method: str,
    url: str,
    body: bytes,
    content_type: str | None,
) -> None:
    writer = token_for(system, "coordinator") if url.endswith("/events") else admin
    before = [client.get(f"/api/v1/{what}", headers=admin).json() for what in ("units", "tokens")]
    headers = writer | ({"Content-Type": content_type} if content_type else {})
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == 415, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "Content-Type" and "application/json" in error["message"]
    after = [client.get(f"/api/v1/{what}", headers=admin).json() for what in ("units", "tokens")]
    assert after == before


def test_json_with_a_suffix_and_a_charset_is_json(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    body = b'{"name": "Riverside", "kind": "acute"}'
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        headers = admin | {"Content-Type": content_type}
        response = client.put("/api/v1/organisations/RX9", content=body, headers=headers)
        assert response.status_code in (200, 201), response.text


def test_a_token_is_checked_before_the_content_type(client: TestClient, system: Database) -> None:
    headers = {"Content-Type": "text/plain"}
    response = client.put("/api/v1/organisations/RX9", content=b"x", headers=headers)
    assert response.status_code == 401
