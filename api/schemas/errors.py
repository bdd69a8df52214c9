"""The error answers an operation can give, as the OpenAPI document lists them: each is an
ErrorAnswer (api/errors.py makes every error one)."""

from __future__ import annotations

from typing import Any

from api.schemas.events import ErrorAnswer

WHY = {
    400: "A NUL character in the URL; for events, a body that is not JSON.",
    401: "No bearer token, or an unknown, expired or revoked one.",
    403: "The token's role may not do this.",
    404: "Nothing with that id (that this token may see).",
    409: "An event_id already stored with other content; nothing was stored.",
    413: "The body is over 20 MB, or holds more than 10,000 events; nothing was stored.",
    415: "The body is not application/json; nothing was stored.",
    422: "A parameter or the body is refused: each error names its field and says why.",
}


def error_answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of these error statuses."""
    return {status: {"model": ErrorAnswer, "description": WHY[status]} for status in statuses}


SIGNED_IN = error_answers(400, 401, 403)  # every operation behind a token: one per router
ASKED = error_answers(422)  # an operation with parameters
SENT = error_answers(413, 415, 422)  # an operation with a JSON body
