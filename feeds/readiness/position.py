"""An organisation's position at an instant, as a readiness list is compared with it: the open
acute stays in its units, and who of them is ready, on which planned pathway, for which reason.

"At `as_of`" means with every event at or before `as_of` applied: a row counts when
start_at ≤ as_of < end_at, or it is still open. (The census rule, start_at < t ≤ end_at, would
leave out what a list sent at `as_of` itself recorded, and the same list sent again would seem
to change everything again.) A stay discharged at `as_of` is no longer open; one begun at
`as_of` is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import Base, ReadinessPeriod, ReadySpan, Stay
from models.derived import UNBOUNDED
from models.reference import ACUTE_SETTINGS
from store.dialect.bulk import select_where_in


@dataclass(frozen=True)
class OpenStay:
    """A patient's open acute stay in the organisation's units at `as_of`; the readiness
    fields are None when the patient is not ready then."""

    patient_id: str
    spell_id: str
    ready_date: date | None = None  # the local date the current readiness began (the DRD)
    pathway: int | None = None  # the planned pathway
    reason_code: str | None = None

    @property
    def ready(self) -> bool:
        return self.ready_date is not None


@dataclass(frozen=True)
class Past:
    """What limits when a new readiness of a spell can begin: when the patient came into the
    organisation's units (the admission, or the transfer in from another organisation's ward),
    and when an earlier readiness of the spell ended, if one did by `as_of`."""

    entered_at: datetime
    readiness_ended_at: datetime | None


def read_position(session: Session, organisation: str, as_of: datetime) -> dict[str, OpenStay]:
    """Every patient with an open acute stay in `organisation`'s units at `as_of` (naive UTC),
    by patient id: two queries, whatever the number of patients."""
    stay = Stay.__table__.c
    stays = session.execute(
        select(stay.patient_id, stay.spell_id).where(
            *_in_after(stay, as_of), stay.organisation_code == organisation
        )
    ).all()
    span, period = ReadySpan.__table__.c, ReadinessPeriod.__table__.c
    ready = {
        row.spell_id: row
        for row in session.execute(
            select(span.spell_id, span.planned_pathway, span.reason_code, period.start_date)
            .join_from(
                ReadySpan.__table__,
                ReadinessPeriod.__table__,
                and_(period.spell_id == span.spell_id, period.start_at == span.ready_since),
            )
            .where(*_in_after(span, as_of), span.organisation_code == organisation)
        )
    }
    position = {}
    for patient_id, spell_id in stays:
        found = ready.get(spell_id)
        position[patient_id] = OpenStay(
            patient_id,
            spell_id,
            found.start_date if found else None,
            found.planned_pathway if found else None,
            found.reason_code if found else None,
        )
    return position


def read_pasts(
    session: Session, organisation: str, as_of: datetime, spell_ids: list[str]
) -> dict[str, Past]:
    """For each open spell of `spell_ids`, its Past at `as_of`: two queries."""
    if not spell_ids:
        return {}
    tables = Base.metadata.tables
    stays: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in select_where_in(session, tables[Stay.__tablename__], "spell_id", spell_ids):
        stays[row["spell_id"]].append(row)
    ended: dict[str, datetime] = {}
    periods = tables[ReadinessPeriod.__tablename__]
    for row in select_where_in(session, periods, "spell_id", spell_ids):
        end = row["end_at"]
        if end is not None and end <= as_of:
            ended[row["spell_id"]] = max(end, ended.get(row["spell_id"], end))
    pasts = {}
    for spell_id, rows in stays.items():
        entered = None
        for row in sorted(rows, key=lambda r: r["seq"], reverse=True):
            if row["start_at"] > as_of:
                continue  # a later ward of the spell
            if row["organisation_code"] != organisation:
                break
            entered = row["start_at"]
        if entered is not None:
            pasts[spell_id] = Past(entered, ended.get(spell_id))
    return pasts


def _in_after(table: Any, at: datetime) -> list[ColumnElement[bool]]:
    """Acute rows (stays or ready spans) with start_at ≤ at < end_at or open, found as
    metrics.instants finds rows in at an instant: a row of length class k < UNBOUNDED lasted at
    most 2**k hours, so it can be in only if it started at or after at − 2**k hours; one index
    range per class instead of every row that started before `at`."""
    length, start, end = table.length_class, table.start_at, table.end_at
    started = start <= at
    ranges = [
        and_(length == k, start >= at - timedelta(hours=2**k), started) for k in range(UNBOUNDED)
    ]
    ranges.append(and_(length == UNBOUNDED, started))
    # The setting is read from the row, not searched for (see metrics.instants.Window.rows).
    setting = func.coalesce(table.setting, table.setting)
    return [or_(*ranges), or_(end.is_(None), end > at), setting.in_(ACUTE_SETTINGS)]
