"""The server's logging: uvicorn's own configuration, with any token in a URL's query string
redacted from every line (SPEC §7: a token never appears in a log line), and the application's
warnings (failed authentications, `d2a.auth`) printed beside uvicorn's.

No page or endpoint takes a token in its query string (the wall reads it from the URL's
fragment, which browsers never send), but a client may still send one: the access log would
then hold it. `RedactTokens` replaces the value of every query parameter whose name holds
"token" (percent-encoded or not) with REDACTED before the line is written.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
_QUERY = re.compile(r"\?[^\s\"#]*")


def _redact_query(match: re.Match[str]) -> str:
    parts = re.split(r"([&;])", match.group(0)[1:])
    out = []
    for part in parts:
        name, equals, _value = part.partition("=")
        if equals and "token" in unquote_plus(name).lower():
            part = f"{name}={REDACTED}"
        out.append(part)
    return "?" + "".join(out)


def redact(text: str) -> str:
    """`text` with the value of every query parameter named like a token replaced."""
    return _QUERY.sub(_redact_query, text) if "?" in text else text


class RedactTokens(logging.Filter):
    """Redacts tokens from a record's message and arguments (uvicorn's access log passes the
    request's path and query string as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with RedactTokens on each handler, and the `d2a`
    loggers (failed authentications) written by its default handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": f"{__name__}.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "redact_tokens"]
    config["loggers"]["d2a"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
