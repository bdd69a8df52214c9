"""The audit log (SPEC §7): every write with the ids it stored, every patient-level read with
the patient ids returned, every refusal of one with the id asked for, and every command-line
action that changes data or tokens; each with its actor (a token's id, or the command line),
time and client (the caller's address, or the host the command ran on).

A detail holds ids, codes, counts and parameters: never a name, an NHS number or a token.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.principal import Principal
from models import AuditEntry

CLI = "cli"  # the actor of a command-line action
CLIENT_LENGTH = 100
PAGE_LIMIT = 10_000


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    now: datetime,
    client: str | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry, written with the caller's transaction; `principal` None is the command line
    (whose `client` is `cli_client()`)."""
    session.add(
        AuditEntry(
            at=now,
            token_id=principal.token_id if principal else None,
            role=principal.role if principal else CLI,
            action=action,
            target=target[:200] if target else target,
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
            client=client[:CLIENT_LENGTH] if client else None,
        )
    )
    session.flush()


def record_cli(
    session: Session,
    action: str,
    *,
    now: datetime,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry of a command-line action: actor cli, client this host."""
    record(session, None, action, now=now, client=cli_client(), target=target, detail=detail)


def cli_client() -> str:
    """The host a command ran on."""
    try:
        return socket.gethostname() or "localhost"
    except OSError:
        return "localhost"


@dataclass(frozen=True)
class AuditQuery:
    """Entries from `since` (inclusive) until `until` (exclusive), naive UTC; of one actor (a
    token id, or CLI) and one action; newest first, at most `limit`, older than entry `before`
    (the previous page's last id)."""

    since: datetime | None = None
    until: datetime | None = None
    actor: int | str | None = None
    action: str | None = None
    before: int | None = None
    limit: int = 1000


def read(session: Session, query: AuditQuery) -> tuple[list[dict[str, Any]], int | None]:
    """The entries asked for, newest first, and the `before` of the next page (None: last)."""
    a = AuditEntry.__table__.c
    select_ = select(AuditEntry.__table__)
    if query.since is not None:
        select_ = select_.where(a.at >= query.since)
    if query.until is not None:
        select_ = select_.where(a.at < query.until)
    if query.actor == CLI:
        select_ = select_.where(a.token_id.is_(None))
    elif query.actor is not None:
        select_ = select_.where(a.token_id == query.actor)
    if query.action is not None:
        select_ = select_.where(a.action == query.action)
    if query.before is not None:
        select_ = select_.where(a.id < query.before)
    rows = session.execute(select_.order_by(a.id.desc()).limit(query.limit + 1)).mappings().all()
    entries = [shown(r) for r in rows[: query.limit]]
    more = len(rows) > query.limit
    return entries, (entries[-1]["id"] if more and entries else None)


def shown(row: Any) -> dict[str, Any]:
    """An entry as the API gives it."""
    return {
        "id": row["id"],
        "at": row["at"].isoformat() + "Z",
        "actor": CLI if row["token_id"] is None else str(row["token_id"]),
        "role": row["role"],
        "client": row["client"],
        "action": row["action"],
        "target": row["target"],
        "detail": json.loads(row["detail"]) if row["detail"] else None,
    }


def detail_text(detail: dict[str, Any] | None) -> str:
    """A detail as one line of JSON (for CSV), empty when there is none."""
    return "" if detail is None else json.dumps(detail, sort_keys=True)
