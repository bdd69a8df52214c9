"""Organisations and units (upsert and list); units keep their capacity history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.schemas.errors import SENT, SIGNED_IN
from api.schemas.reference import OrganisationIn, OrganisationOut, UnitIn, UnitOut
from ledger import reference
from ledger.text import NOT_NHS_NUMBER
from metrics.tally import changed_from
from models.clock import utc_now

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
    first event). A PUT replaces all three."""
    now = utc_now()
    with db.session(write=True) as session:
        was = reference.organisation_data_from(session, code)
        created = reference.upsert_organisation(session, code, body.name, body.kind, body.data_from)
        detail: dict[str, object] = {"kind": body.kind, "created": created}
        detail["data_from"] = body.data_from.isoformat() if body.data_from else None
        if not created and was != body.data_from:
            detail["data_from_was"] = was.isoformat() if was else None
        audit.record(
            session,
            principal,
            "organisation.put",
            now=now,
            client=client_of(request),
            target=code,
            detail=detail,
        )
    response.status_code = 201 if created else 200
    return OrganisationOut(code=code, name=body.name, kind=body.kind, data_from=body.data_from)


@router.get("/organisations", response_model=list[OrganisationOut])
def get_organisations(
    db: DatabaseDep, _principal: Annotated[Principal, require("reference:read")]
) -> list[OrganisationOut]:
    """All organisations."""
    with db.session() as session:
        return [
            OrganisationOut.model_validate(o, from_attributes=True)
            for o in reference.list_organisations(session)
        ]


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
