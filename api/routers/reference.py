"""Organisations and units (upsert and list); units keep their capacity history."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.schemas.errors import SENT, SIGNED_IN
from api.schemas.reference import (
    OrganisationIn,
    OrganisationOut,
    SystemIn,
    SystemOut,
    SystemSpellOut,
    UnitIn,
    UnitOut,
)
from ledger import reference
from ledger.text import NOT_NHS_NUMBER
from metrics.tally import changed_from
from models.clock import local_date, utc_now
from models.reference import system_on

router = APIRouter(tags=["reference data"], responses=SIGNED_IN)
CODE = r"^[A-Za-z0-9_.\-]+$"
CodePath = Annotated[str, Path(min_length=1, max_length=16, pattern=CODE), NOT_NHS_NUMBER]
UnitCodePath = Annotated[str, Path(min_length=1, max_length=32, pattern=CODE), NOT_NHS_NUMBER]


@router.put("/organisations/{code}", response_model=OrganisationOut, responses=SENT)
def put_organisation(
    code: CodePath,
    body: OrganisationIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Annotated[Principal, require("reference:write")],
    _json: JsonBody,
) -> OrganisationOut:
    """Create or update an organisation: its name, kind and `data_from` (the first date its
    data is complete; figures of its earlier days are null; null or left out: the day of its
    first event); a PUT replaces all three. With `system_code`, it joins that system from
    `system_from` (default today): a row of its system history (figures by system and of a
    system take each organisation's system on the last day asked for)."""
    now = utc_now()
    with db.session(write=True) as session:
        problems = reference.system_problems(session, code, body.system_code)
        if problems:
            raise ApiError.for_fields(422, problems)
        was = reference.organisation_data_from(session, code)
        created = reference.upsert_organisation(session, code, body.name, body.kind, body.data_from)
        detail: dict[str, object] = {"kind": body.kind, "created": created}
        detail["data_from"] = body.data_from.isoformat() if body.data_from else None
        if not created and was != body.data_from:
            detail["data_from_was"] = was.isoformat() if was else None
        if body.system_code is not None:
            since = body.system_from or local_date(now)
            if reference.set_organisation_system(session, code, body.system_code, since):
                detail["system"] = {"code": body.system_code, "from": since.isoformat()}
        audit.record(
            session,
            principal,
            "organisation.put",
            now=now,
            client=client_of(request),
            target=code,
            detail=detail,
        )
        out = _organisations(session, local_date(now), code)[0]
    response.status_code = 201 if created else 200
    return out


@router.get("/organisations", response_model=list[OrganisationOut])
def get_organisations(
    db: DatabaseDep, _principal: Annotated[Principal, require("reference:read")]
) -> list[OrganisationOut]:
    """All organisations, each with its system today and its system history."""
    with db.session() as session:
        return _organisations(session, local_date(utc_now()))


def _organisations(session: Session, today: date, code: str | None = None) -> list[OrganisationOut]:
    history = reference.organisation_systems(session)
    found = []
    for o in reference.list_organisations(session):
        if code is not None and o.code != code:
            continue
        rows = history.get(o.code, [])
        spells = [(r["effective_from"], r["system_code"]) for r in rows]
        found.append(
            OrganisationOut(
                code=o.code,
                name=o.name,
                kind=o.kind,
                data_from=o.data_from,
                system_code=system_on(spells, today) if spells else None,
                system_history=[SystemSpellOut(**r) for r in rows],
            )
        )
    return found


@router.put("/systems/{code}", response_model=SystemOut, responses=SENT)
def put_system(
    code: CodePath,
    body: SystemIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Annotated[Principal, require("reference:write")],
    _json: JsonBody,
) -> SystemOut:
    """Create or rename a system (an integrated care board, by its ODS code, e.g. QE1).
    Organisations join it with `PUT /api/v1/organisations/{code}` and `system_code`."""
    now = utc_now()
    with db.session(write=True) as session:
        created = reference.upsert_system(session, code, body.name)
        if isinstance(created, list):
            raise ApiError.for_fields(422, created)
        audit.record(
            session,
            principal,
            "system.put",
            now=now,
            client=client_of(request),
            target=code,
            detail={"created": created},
        )
        found = [s for s in reference.list_systems(session, local_date(now)) if s["code"] == code]
    response.status_code = 201 if created else 200
    return SystemOut(**found[0])


@router.get("/systems", response_model=list[SystemOut])
def get_systems(
    db: DatabaseDep, _principal: Annotated[Principal, require("reference:read")]
) -> list[SystemOut]:
    """All systems, each with its organisations today."""
    with db.session() as session:
        return [SystemOut(**s) for s in reference.list_systems(session, local_date(utc_now()))]


@router.put("/units/{code}", response_model=UnitOut, responses=SENT)
def put_unit(
    code: UnitCodePath,
    body: UnitIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Annotated[Principal, require("reference:write")],
    _json: JsonBody,
) -> UnitOut:
    """Create or update a unit; a capacity joins its history from `capacity_from`."""
    now = utc_now()
    with db.session(write=True) as session:
        change = reference.upsert_unit(session, code, body.model_dump(), changed_from)
        if change.problems:
            raise ApiError.for_fields(422, change.problems)
        stored = body.model_dump(exclude={"name"}) | {"created": change.created}
        audit.record(
            session,
            principal,
            "unit.put",
            now=now,
            client=client_of(request),
            target=code,
            detail=stored,
        )
        unit = reference.list_units(session, code=code)[0]
    response.status_code = 201 if change.created else 200
    return UnitOut(**unit)


@router.get("/units", response_model=list[UnitOut])
def get_units(
    db: DatabaseDep, _principal: Annotated[Principal, require("reference:read")]
) -> list[UnitOut]:
    """All units with their capacity history."""
    with db.session() as session:
        return [UnitOut(**u) for u in reference.list_units(session)]
