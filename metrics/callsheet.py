"""The call sheet: the Today position at an instant in one document, for the daily system call
(SPEC §1), as JSON or as a workbook with one sheet per part and a front sheet saying what it
is, when, and for whom.

It is made of the other views and repeats their figures, never computes its own:
- `headline`: the snapshot's figures at `as_of` and 24 hours before (metrics.snapshot);
- `capacity_status`: each pathway's queue against its free places (metrics.capacity_status);
- `long_waiters`: the ready list's people waiting 7 days or more (metrics.ready_list);
- `actions_due`: actions not done, as they stood at `as_of`, due on its local date or before
  (overdue), by owner organisation (ledger.actions);
- `changes`: what changed in the 24 hours before `as_of` (metrics.changes).
Patient-level throughout: a partner's sheet holds only its scope's patients (the ready list's
and the changes' rule; on actions, the patient ids of its organisation's actions and of its
patients), and every sheet made is written to the audit log with the patient ids it holds.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from access.scope import patient_scope, scope_target
from ledger import actions
from metrics.changes import answer as changes_answer
from metrics.changes import changes_between
from metrics.instants import DAY
from metrics.ready_list import ready_patients
from metrics.snapshot import snapshot
from metrics.snapshot_answer import iso
from models import Organisation
from models.clock import local_date
from models.reference import Scope

TITLE = "D2A call sheet"
LONG_WAIT_DAYS = 7
HEADLINES = (
    ("ready_to_leave", "Ready to leave (acute)"),
    ("acute_inpatients", "Acute inpatients"),
    ("stranded_7", "Stranded: length of stay 7+ days"),
    ("stranded_14", "Length of stay 14+ days"),
    ("stranded_21", "Super-stranded: length of stay 21+ days"),
)
WAITER_COLUMNS = (
    "patient_id",
    "unit_code",
    "unit_name",
    "organisation_code",
    "local_authority",
    "pathway",
    "discharge_ready_date",
    "days_waiting",
    "band",
    "reason_code",
    "reason_label",
    "los_days",
)
ACTION_COLUMNS = (
    "organisation_code",
    "id",
    "title",
    "due",
    "overdue",
    "status",
    "patient_id",
    "note",
    "version",
)
CAPACITY_COLUMNS = (
    "pathway",
    "waiting",
    "capacity",
    "occupied",
    "free",
    "shortfall",
    "status",
    "pressure_level",
    "escalation_level",
    "levels_from",
    "waiting_before",
    "free_before",
    "shortfall_before",
    "status_before",
)
CHANGE_COLUMNS = (
    "at",
    "patient_id",
    "unit_code",
    "organisation_code",
    "local_authority",
    "kind",
    "from",
    "to",
    "pathway",
)


def read_callsheet(
    session: Session,
    principal: Principal,
    as_of: datetime,
    *,
    now: datetime,
    format: str = "json",
    via: str | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """The call sheet at `as_of` (naive UTC) for the principal (a partner: its scope's
    patients), written to the audit log at `now` with the patient ids it holds. Raises
    access.scope.ScopeMissing for a partner token without a scope."""
    scope = patient_scope(principal)
    sheet = callsheet(session, as_of, scope=scope)
    sheet["made_for"] = {
        "role": principal.role,
        "scope": scope_target(principal, scope),
        "token_name": principal.name,
    }
    sheet["made_at"] = iso(now)
    detail: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "scope": scope_target(principal, scope),
        "format": format,
        "patient_ids": sorted(patient_ids(sheet)),
    }
    if via is not None:
        detail["via"] = via
    audit.record(
        session,
        principal,
        "callsheet.read",
        now=now,
        client=client,
        target=scope_target(principal, scope),
        detail=detail,
    )
    return sheet


def callsheet(session: Session, as_of: datetime, *, scope: Scope) -> dict[str, Any]:
    """The parts of the sheet (the module's text), for a reader of patient scope `scope`."""
    connection = session.connection()
    snap = snapshot(connection, as_of=as_of)
    today = local_date(as_of)
    waiters = [
        {column: p[column] for column in WAITER_COLUMNS}
        for p in ready_patients(connection, as_of=as_of, scope=scope)
        if p["days_waiting"] >= LONG_WAIT_DAYS
    ]
    stood = actions.for_reader(connection, actions.actions_at(connection, as_of), scope)
    due = actions.due_by(stood, today)
    names = dict(connection.execute(select(Organisation.code, Organisation.name)).all())
    owners = sorted({a["organisation_code"] for a in due})
    changes = changes_between(connection, since=as_of - DAY, as_of=as_of, scope=scope)
    return {
        "title": TITLE,
        "as_of": snap["as_of"],
        "local_date": snap["local_date"],
        "compared_with": snap["compared_with"],
        "compared_with_local_date": snap["compared_with_local_date"],
        "headline": {key: snap[key] for key, _label in HEADLINES}
        | {
            "ready_by_pathway": snap["ready_to_leave"]["by_pathway"],
            "events_reflected": snap["events_reflected"],
            "latest_event_at": snap["latest_event_at"],
        },
        "capacity_status": snap["capacity_status"],
        "long_waiters": {"min_days_waiting": LONG_WAIT_DAYS, "count": len(waiters)}
        | {"patients": waiters},
        "actions_due": {
            "due_by": today.isoformat(),
            "count": len(due),
            "by_organisation": [
                {
                    "organisation_code": owner,
                    "name": names.get(owner, owner),
                    "actions": [_due(a, today) for a in due if a["organisation_code"] == owner],
                }
                for owner in owners
            ],
        },
        "changes": changes_answer(as_of - DAY, as_of, changes),
    }


def _due(action: dict[str, Any], today: Any) -> dict[str, Any]:
    return {
        "id": action["id"],
        "title": action["title"],
        "due": action["due"].isoformat(),
        "overdue": action["due"] < today,
        "status": action["status"],
        "about_patient": action["about_patient"],
        "patient_id": action["patient_id"],
        "note": action["note"],
        "version": action["version"],
        "updated_at": iso(action["updated_at"]),
    }


def patient_ids(sheet: dict[str, Any]) -> set[str]:
    """Every patient id the sheet holds."""
    ids = {p["patient_id"] for p in sheet["long_waiters"]["patients"]}
    ids |= {c["patient_id"] for c in sheet["changes"]["changes"]}
    for owner in sheet["actions_due"]["by_organisation"]:
        ids |= {a["patient_id"] for a in owner["actions"] if a["patient_id"]}
    return ids


def filename(sheet: dict[str, Any]) -> str:
    stamp = sheet["as_of"].replace("-", "").replace(":", "")[:13]  # 20250312T1200
    return f"callsheet_{stamp}Z.xlsx"


def callsheet_xlsx(sheet: dict[str, Any]) -> bytes:
    """The sheet as a workbook: a front sheet, then one sheet per part, with the JSON's numbers
    (times in UTC, as ISO 8601 text with Z, like the JSON)."""
    book = Workbook()
    front = book.active
    assert front is not None
    front.title = "Call sheet"
    made_for = sheet["made_for"]
    who = made_for["role"] + (f" of {made_for['scope']}" if made_for["scope"] else "")
    status = sheet["capacity_status"]
    for row in (
        ("What", f"{TITLE}: where the system stands, for the daily call"),
        ("As of (UTC)", sheet["as_of"]),
        ("Local date", sheet["local_date"]),
        ("Compared with (UTC)", sheet["compared_with"]),
        ("For", who),
        ("Token name", made_for["token_name"]),
        ("Made at (UTC)", sheet["made_at"]),
        ("System level", status["level"] if status else None),
        ("Events reflected", sheet["headline"]["events_reflected"]),
        ("Latest event at (UTC)", sheet["headline"]["latest_event_at"]),
        (
            "Patients",
            "pseudonymous local ids only"
            + ("; this sheet holds only its scope's patients" if made_for["scope"] else ""),
        ),
        ("Headline", "the snapshot's figures now and 24 hours before"),
        ("Capacity", "each D2A pathway's queue against its free places, and its status"),
        ("Long waiters", f"people ready to leave for {LONG_WAIT_DAYS} days or more"),
        ("Actions due", "actions not done, due on the local date or before, by owner"),
        ("Changes", "what changed in the 24 hours before, oldest first"),
    ):
        front.append(list(row))
    headline = book.create_sheet("Headline")
    headline.append(["figure", "now", "before"])
    for key, label in HEADLINES:
        headline.append([label, sheet["headline"][key]["now"], sheet["headline"][key]["before"]])
    for group in sheet["headline"]["ready_by_pathway"]:
        label = f"Ready to leave, planned pathway {group['group']}"
        headline.append([label, group["now"], group["before"]])
    capacity = book.create_sheet("Capacity")
    capacity.append(list(CAPACITY_COLUMNS))
    if status is not None:
        for p in status["pathways"]:
            levels = p["levels"] or {}
            row = p | {
                "pressure_level": levels.get("pressure"),
                "escalation_level": levels.get("escalation"),
                "levels_from": levels.get("effective_from"),
            }
            capacity.append([row[c] for c in CAPACITY_COLUMNS])
        capacity.append(
            ["system", *[None] * 5, status["level"], *[None] * 6, status["level_before"]]
        )
    _table(book, "Long waiters", WAITER_COLUMNS, sheet["long_waiters"]["patients"])
    due = [
        a | {"organisation_code": owner["organisation_code"]}
        for owner in sheet["actions_due"]["by_organisation"]
        for a in owner["actions"]
    ]
    _table(book, "Actions due", ACTION_COLUMNS, due)
    _table(book, "Changes", CHANGE_COLUMNS, sheet["changes"]["changes"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(
    book: Workbook, title: str, columns: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row[c] for c in columns])
