"""A readiness list as a person or a system sends it (SPEC §9): through the API's
POST /api/v1/feeds/{code}/readiness or the dashboard's Feeds page, the same path.

The feed is looked up and the sender checked against it, the list received (`receive`), and
the upload audited with the event ids stored and the patient ids the answer names, and, for the
dashboard, `via`. The caller owns the transaction and turns UnknownFeed and NotYourFeed into its
own answers (404 and 403 in the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from feeds.pseudonym import pseudonym_key
from feeds.readiness.receive import ListOutcome, receive_list
from feeds.receive import NotYourFeed, UnknownFeed
from feeds.registry import load_config
from ledger.changes import FigureChanges
from ledger.sender import Sender


@dataclass(frozen=True)
class ListRequest:
    """One upload: the feed, the file and its media type, the instant the list is as at, dry
    run or not, the deployment's configured pseudonym key, the caller's address, and `via`
    ("dashboard"; None through the API)."""

    code: str
    body: bytes
    media_type: str
    as_of: datetime  # naive UTC
    dry_run: bool
    configured_key: str
    client: str
    via: str | None = None


def receive_upload(
    session: Session,
    asked: ListRequest,
    principal: Principal,
    *,
    now: datetime,
    changes: FigureChanges,
) -> ListOutcome:
    """A list received for feed `asked.code`, stored (unless refused or a dry run) and audited
    in `session` at `now`. Raises UnknownFeed for no such feed, NotYourFeed for a feed token of
    another organisation."""
    feed = load_config(session, asked.code)
    if feed is None:
        raise UnknownFeed(f"no feed {asked.code!r}")
    if principal.role == "feed" and principal.scope != feed.organisation_code:
        raise NotYourFeed(f"a feed token of {principal.scope} may not send for {asked.code}")
    outcome = receive_list(
        session,
        feed,
        pseudonym_key(session, asked.configured_key),
        asked.body,
        asked.media_type,
        as_of=asked.as_of,
        now=now,
        dry_run=asked.dry_run,
        changes=changes,
        sender=Sender(principal.token_id, principal.writes_only_for),
    )
    detail: dict[str, Any] = {
        "as_of": asked.as_of.replace(tzinfo=UTC).isoformat(),
        "dry_run": asked.dry_run,
        "status": outcome.status,
        "listed": outcome.listed,
    }
    if outcome.status == 200:
        detail |= {"counts": outcome.plan.counts, "event_ids": outcome.stored}
        detail["patient_ids"] = sorted({c["patient_id"] for c in outcome.plan.changes})
    else:
        detail["errors"] = len(outcome.errors)
    if asked.via is not None:
        detail["via"] = asked.via
    audit.record(
        session,
        principal,
        "feed.readiness",
        now=now,
        client=asked.client,
        target=asked.code,
        detail=detail,
    )
    return outcome
