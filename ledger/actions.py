"""Actions and escalations of the daily call (SPEC §6): an append-only log beside the events.

An action is made once (`action`: id, title, the patient it is about, when and by whom) and
every change appends a whole new version (`action_version`: status, owner organisation, due
date, note); no row is ever updated or deleted (models.actions). So the action as it stood at
any instant is its latest version recorded at or before it, and an action made after that
instant is not there at all.

Who may (access.roles: actions:write): the coordinator any action; a partner only actions owned
by its organisation (its scope), and it cannot hand one to another organisation: an action it
makes must be owned by it, and one it changes must be owned by it before and after the change.
A partner's action about a patient must be about a patient in its scope (one of its spells is
in the partner's organisation or local authority), answered like an unknown patient otherwise,
so the answer never tells whether someone else's patient exists.

Who sees which patient (`for_reader`): the coordinator every action's patient_id; a partner the
patient_id of actions owned by its organisation or about a patient in its scope, and of the
others only that they are about a patient (`about_patient`), never who.

Titles and notes are free text: an NHS number in them is refused (ledger.text), as is a
patient_id that is one. Due dates lie within the record's calendar (2000-01-01 … 2100-12-31).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import Session

from ledger.patients import known_patient, patients_in_scope
from ledger.text import Code16, Id64, Name200, Note500
from ledger.times import Day
from models import Action, ActionVersion, Organisation
from models.reference import Scope, scope_has, scope_name
from store.dialect.locks import lock_keys

Status = Literal["open", "escalated", "done"]
CHANGEABLE = ("status", "organisation_code", "due", "note")
UNKNOWN_PATIENT = "no such patient"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class ActionIn(BaseModel):
    """A new action; its status is open and its version 1."""

    model_config = ConfigDict(extra="forbid")

    patient_id: Id64 | None = Field(
        default=None, description="The pseudonymous local patient id it is about, if any."
    )
    organisation_code: Code16 = Field(description="The organisation that owns the action.")
    title: Annotated[Name200, AfterValidator(_not_blank)] = Field(
        description="What is to be done (free text: no names, no NHS numbers)."
    )
    due: Day = Field(description="The local date it is due.")
    note: Note500 | None = Field(default=None, description="Free text: no names, no NHS numbers.")


class ActionChange(BaseModel):
    """A change to an action: any of its status, owner, due date and note (null clears the
    note); the rest stays as it was."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    organisation_code: Code16 | None = None
    due: Day | None = None
    note: Note500 | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError(f"send at least one of {', '.join(CHANGEABLE)}")
        for name in ("status", "organisation_code", "due"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ActionRefused(Exception):
    """A write the log refuses: `status` as the API answers it (403, 404, 422)."""

    def __init__(self, status: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


@dataclass(frozen=True)
class Written:
    """The action after a write, and whether a version was appended (a change that changes
    nothing appends none)."""

    action: dict[str, Any]
    changed: list[str]


def create_action(
    session: Session, body: ActionIn, *, now: datetime, by: int | None, owner: Scope
) -> Written:
    """Makes an action and its version 1 (status open) at `now`, by token `by`. `owner`: a
    partner's organisation (its actions only, its patients only); None for the coordinator."""
    connection = session.connection()
    if owner is not None and not scope_has(owner, body.organisation_code):
        raise ActionRefused(
            403,
            "organisation_code",
            f"a partner of {scope_name(owner)} may create only actions it owns",
        )
    _check_organisation(session, body.organisation_code)
    if body.patient_id is not None and not _may_name(connection, body.patient_id, owner):
        raise ActionRefused(422, "patient_id", UNKNOWN_PATIENT)
    action = Action(title=body.title, patient_id=body.patient_id, created_at=now, created_by=by)
    session.add(action)
    session.flush()
    session.add(
        ActionVersion(
            action_id=action.id,
            version=1,
            recorded_at=now,
            recorded_by=by,
            status="open",
            organisation_code=body.organisation_code,
            due=body.due,
            note=body.note,
        )
    )
    session.flush()
    (shown,) = _states(connection, [action.id], None)
    return Written(shown, ["created"])


def change_action(
    session: Session,
    action_id: int,
    change: ActionChange,
    *,
    now: datetime,
    by: int | None,
    owner: Scope,
) -> Written:
    """Appends the next version of the action with the fields sent changed, at `now` (or at
    its latest version's time, should the clock have gone back). A change that changes nothing
    appends nothing. `owner`: a partner's organisation (see the module's text)."""
    lock_keys(session, [f"action:{action_id}"])  # concurrent changes queue, one version each
    connection = session.connection()
    found = _states(connection, [action_id], None)
    if not found:
        raise ActionRefused(404, "id", f"no action {action_id}")
    (current,) = found
    sent = {name: getattr(change, name) for name in CHANGEABLE if name in change.model_fields_set}
    if owner is not None:
        if not scope_has(owner, current["organisation_code"]):
            owned = current["organisation_code"]
            message = f"action {action_id} is owned by {owned}, not {scope_name(owner)}"
            raise ActionRefused(403, "id", message)
        if "organisation_code" in sent and not scope_has(owner, sent["organisation_code"]):
            message = f"{scope_name(owner)} cannot hand an action to another organisation"
            raise ActionRefused(403, "organisation_code", message)
    if "organisation_code" in sent:
        _check_organisation(session, sent["organisation_code"])
    changed = [name for name, value in sent.items() if current[name] != value]
    if not changed:
        return Written(current, [])
    state = {name: current[name] for name in CHANGEABLE} | sent
    session.add(
        ActionVersion(
            action_id=action_id,
            version=current["version"] + 1,
            recorded_at=max(now, current["updated_at"]),
            recorded_by=by,
            **state,
        )
    )
    session.flush()
    (shown,) = _states(connection, [action_id], None)
    return Written(shown, changed)


def actions_at(
    connection: Connection,
    as_of: datetime,
    *,
    status: str | None = None,
    organisation: str | None = None,
) -> list[dict[str, Any]]:
    """Every action as it stood at `as_of` (naive UTC): its latest version recorded at or before
    it; actions made after it are absent. Of one status and one owner, when given; by due date,
    then id."""
    actions = _states(connection, None, as_of)
    return [
        a
        for a in actions
        if (status is None or a["status"] == status)
        and (organisation is None or a["organisation_code"] == organisation)
    ]


def history(connection: Connection, action_id: int) -> list[dict[str, Any]] | None:
    """Every version of the action, oldest first (each as the action stood from its time);
    None when there is no such action."""
    a, v = Action.__table__.c, ActionVersion.__table__.c
    query = (
        select(*_columns(a, v))
        .select_from(ActionVersion.__table__.join(Action.__table__, a.id == v.action_id))
        .where(v.action_id == action_id)
        .order_by(v.version)
    )
    rows = [dict(r) for r in connection.execute(query).mappings()]
    return rows or None


def for_reader(
    connection: Connection, actions: list[dict[str, Any]], scope: Scope
) -> list[dict[str, Any]]:
    """The actions as a reader with patient scope `scope` may see them (None: everyone's
    patients): `about_patient` says whether an action names a patient, and `patient_id` is
    kept for actions owned by the scope or about a patient in it, None otherwise. A system's
    organisations (a system-scoped token's scope) see only the actions they own: another
    system's daily call is not theirs."""
    if isinstance(scope, tuple):
        actions = [a for a in actions if a["organisation_code"] in scope]
    named = {a["patient_id"] for a in actions if a["patient_id"] is not None}
    if scope is None:
        visible = named
    else:
        elsewhere = {
            a["patient_id"]
            for a in actions
            if a["patient_id"] is not None and not scope_has(scope, a["organisation_code"])
        }
        visible = patients_in_scope(connection, elsewhere, scope) if elsewhere else set()
    out = []
    for action in actions:
        patient = action["patient_id"]
        shown = scope is None or scope_has(scope, action["organisation_code"]) or patient in visible
        out.append(
            action
            | {"about_patient": patient is not None}
            | {"patient_id": patient if shown else None}
        )
    return out


def _columns(a: Any, v: Any) -> list[Any]:
    return [
        a.id,
        v.status,
        v.organisation_code,
        a.title,
        v.due,
        v.note,
        a.patient_id,
        a.created_at,
        v.recorded_at.label("updated_at"),
        v.version,
    ]


def _states(
    connection: Connection, ids: list[int] | None, as_of: datetime | None
) -> list[dict[str, Any]]:
    """The latest version, at or before `as_of` when given, of the actions `ids` (None: all),
    by due date then id."""
    a, v = Action.__table__.c, ActionVersion.__table__.c
    latest = select(v.action_id, func.max(v.version).label("version"))
    if as_of is not None:
        latest = latest.where(v.recorded_at <= as_of)
    if ids is not None:
        latest = latest.where(v.action_id.in_(ids))
    last = latest.group_by(v.action_id).subquery()
    query = (
        select(*_columns(a, v))
        .select_from(
            last.join(
                ActionVersion.__table__,
                and_(v.action_id == last.c.action_id, v.version == last.c.version),
            ).join(Action.__table__, a.id == v.action_id)
        )
        .order_by(v.due, a.id)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def _check_organisation(session: Session, code: str) -> None:
    if session.get(Organisation, code) is None:
        raise ActionRefused(422, "organisation_code", f"unknown organisation {code!r}")


def _may_name(connection: Connection, patient_id: str, scope: Scope) -> bool:
    """Whether an action may be about the patient: a known patient (one with events), and for
    a partner one in its scope."""
    if scope is None:
        return known_patient(connection, patient_id)
    return patient_id in patients_in_scope(connection, [patient_id], scope)


def due_by(actions: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The actions not done that are due on `day` or before (overdue)."""
    return [a for a in actions if a["status"] != "done" and a["due"] <= day]
