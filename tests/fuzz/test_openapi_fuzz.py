"""Schemathesis generates input for every operation of our OpenAPI document.

Whatever it sends, with a valid token of a role that may call the operation (admin for tokens
and the audit log, coordinator for the rest), the answer must never be a server error. (Its
pytest plugin does not run under pytest 9, so its strategies are driven by Hypothesis here.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from d2a.server import create_app
from store.database import Database
from store.settings import Settings
from tests.conftest import token_for

EXAMPLES = 8


@schemathesis.serializer("application/hl7-v2")
def _hl7(_context: object, value: object) -> bytes:
    """HL7 v2 bodies are text: whatever string is generated, sent as UTF-8."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def test_no_generated_input_makes_a_server_error(system: Database) -> None:
    app = create_app(Settings(database_url=system.url), database=system)
    admin, coordinator = token_for(system, "admin"), token_for(system, "coordinator")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here, failing the test

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            admin_only = case.path.startswith(("/api/v1/tokens", "/api/v1/audit"))
            response = case.call(headers=admin if admin_only else coordinator)
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.text[:300],
            )

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/v1/events" in checked and len(checked) >= 8, checked
