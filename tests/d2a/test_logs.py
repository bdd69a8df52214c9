"""No token in a log line: uvicorn's access log has any token in a query string redacted."""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import pytest
from uvicorn.logging import AccessFormatter

from d2a.logs import REDACTED, RedactTokens, log_config, redact
from store.database import Database
from store.settings import get_settings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/wall?token=d2a_secret", f"/wall?token={REDACTED}"),
        ("/wall?x=1&token=d2a_secret&y=2", f"/wall?x=1&token={REDACTED}&y=2"),
        ("/a?access_token=abc;TOKEN=def", f"/a?access_token={REDACTED};TOKEN={REDACTED}"),
        ("/a?%74oken=abc", f"/a?%74oken={REDACTED}"),  # a percent-encoded name
        ('"GET /wall?token=abc HTTP/1.1" 200', f'"GET /wall?token={REDACTED} HTTP/1.1" 200'),
        ("/api/v1/metrics/x?start=2025-01-01", "/api/v1/metrics/x?start=2025-01-01"),
        ("/wall#token=never-sent", "/wall#token=never-sent"),
        ("no query at all", "no query at all"),
    ],
)
def test_token_values_in_a_query_string_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_access_log_line_holds_no_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.5:50000", "GET", "/wall?token=d2a_SECRET&x=1", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "d2a_SECRET" not in line and f"/wall?token={REDACTED}&x=1" in line


def test_the_servers_logging_configuration_applies(capsys: pytest.CaptureFixture[str]) -> None:
    config = log_config()
    assert all("redact_tokens" in h["filters"] for h in config["handlers"].values())
    logging.config.dictConfig(config)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "10.0.0.5:1", "GET", "/wall?token=d2a_SECRET", "1.1", 200
        )
        logging.getLogger("d2a.auth").warning("authentication failed from 10.0.0.5: test")
        out, err = capsys.readouterr()
    finally:  # the handlers write to this test's captured streams: take them off again
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "d2a"):
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.filters.clear()
            logger.propagate = True
    assert "d2a_SECRET" not in out + err and REDACTED in out
    assert "authentication failed from 10.0.0.5: test" in err


def test_d2a_serve_runs_uvicorn_with_the_redacting_configuration(
    monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    import uvicorn

    from d2a import cli, server

    ran: dict[str, Any] = {}
    monkeypatch.setattr(server, "create_app", lambda **_: "app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options, app=app))
    monkeypatch.setenv("D2A_DATABASE_URL", db.url)  # a migrated one: serve checks first
    get_settings.cache_clear()
    try:
        cli.serve(host="127.0.0.1", port=8123)
    finally:
        get_settings.cache_clear()
    assert ran["app"] == "app" and ran["port"] == 8123
    assert ran["log_config"]["filters"]["redact_tokens"]["()"] == "d2a.logs.RedactTokens"
