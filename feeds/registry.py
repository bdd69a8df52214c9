"""The feed registry (SPEC §9): feeds as stored, checked, and read back as the mapping's
FeedConfig with the reference data it needs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.config import CARE_HOME_DESTINATIONS, FeedConfig, destination_codes_from_rows
from models import Destination, Feed, Organisation, Unit


@dataclass
class FeedChange:
    created: bool
    problems: list[tuple[str, str]]


def put_feed(session: Session, code: str, fields: dict[str, Any], now: datetime) -> FeedChange:
    """Creates or replaces a feed. Its organisation must exist, and every location must map to
    a unit of that organisation (a feed writes about its own units only)."""
    problems = _problems(session, fields)
    if problems:
        return FeedChange(False, problems)
    existing = session.get(Feed, code)
    columns = {
        "name": fields["name"],
        "organisation_code": fields["organisation_code"],
        "patient_id_authority": fields["patient_id_authority"],
        "locations": json.dumps(fields["locations"], sort_keys=True),
        "silent_after_minutes": fields.get("silent_after_minutes"),
        "updated_at": now,
    }
    if existing is None:
        session.add(Feed(code=code, **columns))
    else:
        for key, value in columns.items():
            setattr(existing, key, value)
    session.flush()
    return FeedChange(existing is None, [])


def _problems(session: Session, fields: dict[str, Any]) -> list[tuple[str, str]]:
    organisation = fields["organisation_code"]
    if session.get(Organisation, organisation) is None:
        return [("organisation_code", f"unknown organisation {organisation!r}")]
    wanted = set(fields["locations"].values())
    owners = dict(
        session.execute(
            select(Unit.code, Unit.organisation_code).where(Unit.code.in_(wanted))
        ).all()
    )
    problems = []
    for location, unit in sorted(fields["locations"].items()):
        if unit not in owners:
            problems.append((f"locations.{location}", f"unknown unit {unit!r}"))
        elif owners[unit] != organisation:
            message = f"unit {unit!r} belongs to {owners[unit]}, not to {organisation}"
            problems.append((f"locations.{location}", message))
    return problems


def feed_rows(session: Session, code: str | None = None) -> list[Feed]:
    query = select(Feed).order_by(Feed.code)
    if code is not None:
        query = query.where(Feed.code == code)
    return list(session.scalars(query))


def as_dict(feed: Feed) -> dict[str, Any]:
    return {
        "code": feed.code,
        "name": feed.name,
        "organisation_code": feed.organisation_code,
        "patient_id_authority": feed.patient_id_authority,
        "locations": json.loads(feed.locations),
        "silent_after_minutes": feed.silent_after_minutes,
    }


def load_config(session: Session, code: str) -> FeedConfig | None:
    """The feed as the mapping reads messages with it, or None when it is not registered."""
    found = session.get(Feed, code)
    if found is None:
        return None
    locations: dict[str, str] = json.loads(found.locations)
    settings = dict(
        session.execute(
            select(Unit.code, Unit.setting).where(Unit.code.in_(locations.values()))
        ).all()
    )
    rows = [
        {"code": code_, "nhs_discharge_destination_codes": nhs}
        for code_, nhs in session.execute(
            select(Destination.code, Destination.nhs_discharge_destination_codes)
        )
    ]
    care_home = {
        nhs.strip()
        for row in rows
        if row["code"] in CARE_HOME_DESTINATIONS
        for nhs in row["nhs_discharge_destination_codes"].split(";")
        if nhs.strip()
    }
    return FeedConfig(
        code=found.code,
        organisation_code=found.organisation_code,
        patient_id_authority=found.patient_id_authority,
        locations=locations,
        unit_settings=settings,
        destination_codes=destination_codes_from_rows(rows),
        care_home_source_codes=frozenset(care_home),
    )
