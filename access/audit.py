"""The audit log: every write and every patient-level read, with who did it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from access.tokens import Principal
from models import AuditEntry


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    now: datetime,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            token_id=principal.token_id if principal else None,
            role=principal.role if principal else "cli",
            action=action,
            target=target,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
        )
    )
    session.flush()
