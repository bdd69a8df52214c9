"""At the door: bodies over 20 MB refused before they are read, security headers, no caching of
API answers, JSON 404s under /api, and the API docs served without a CDN."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from api.protection import MAX_BODY_BYTES
from store.database import Database
from tests.conftest import token_for


def test_a_body_over_20_mb_is_refused_before_it_is_read(client: TestClient, db: Database) -> None:
    headers = token_for(db, "coordinator") | {"content-type": "application/json"}
    big = b"[" + b" " * MAX_BODY_BYTES + b"]"
    answer = client.post("/api/v1/events", content=big, headers=headers)
    assert answer.status_code == 413
    assert "20 MB" in answer.json()["errors"][0]["message"]


def test_a_body_without_a_length_is_counted_as_it_arrives(client: TestClient, db: Database) -> None:
    headers = token_for(db, "coordinator") | {"content-type": "application/json"}

    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(21):
            yield b" " * (1024 * 1024)
        yield b"]"

    answer = client.post("/api/v1/events", content=chunks(), headers=headers)
    assert answer.status_code == 413


def test_a_body_just_under_the_limit_is_read(client: TestClient, db: Database) -> None:
    headers = token_for(db, "coordinator") | {"content-type": "application/json"}
    body = b"[" + b" " * (MAX_BODY_BYTES - 10) + b"]"
    answer = client.post("/api/v1/events", content=body, headers=headers)
    assert answer.status_code == 422  # read, and refused for being empty


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/health", "/", "/api/v1/metrics", "/docs"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_dashboard_policy_allows_only_this_server_and_dash_s_own_script(
    client: TestClient,
) -> None:
    policy = client.get("/").headers["content-security-policy"]
    scripts = policy.split("script-src ")[1].split(";")[0].split()
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "unsafe-inline" not in policy.split("style-src")[0]


def test_api_answers_are_not_cached(client: TestClient, db: Database) -> None:
    answer = client.get("/api/v1/metrics", headers=token_for(db, "analyst"))
    assert answer.headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/health").headers


def test_an_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        answer = client.request(method, "/api/v1/no/such/thing")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json()["errors"][0]["message"] == "no such API path: /api/v1/no/such/thing"


def test_the_api_docs_come_from_this_server(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
