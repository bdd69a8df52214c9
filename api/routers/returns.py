"""National returns (SPEC §10): the monthly Discharge Ready Date provider return, as JSON, CSV
or XLSX, for the roles that may export (analyst, coordinator)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access.principal import Principal
from api.auth import require
from api.deps import DatabaseDep
from api.errors import ApiError
from api.routers.metrics import SUPPRESS, XLSX, download
from api.schemas.errors import ASKED, SIGNED_IN
from metrics import MetricQueryError
from metrics.returns import drd_return, parse_month
from models.clock import utc_now

router = APIRouter(tags=["returns"], responses=SIGNED_IN)

Exporter = Annotated[Principal, require("exports")]


@router.get("/returns/drd", response_model=None, responses=ASKED)
def get_drd_return(
    month: Annotated[str, Query(description="The month, YYYY-MM", examples=["2025-03"])],
    db: DatabaseDep,
    exporter: Exporter,
    format: Literal["json", "csv", "xlsx"] = "json",
    suppress: Annotated[bool, Query(description=SUPPRESS)] = False,
) -> dict[str, Any] | Response:
    """NHS England's monthly DRD provider return: one row per acute organisation, then the
    system total (org_code TOTAL); for a system-scoped token, its system's organisations and
    their total."""
    try:
        first = parse_month(month)
    except MetricQueryError as error:
        raise ApiError(422, error.message, field=error.field) from error
    with db.session() as session:
        system = exporter.members if exporter.system is not None else None
        answer = drd_return(session.connection(), first, utc_now(), system)
    if format == "csv":
        return download(answer.csv(suppress), "text/csv; charset=utf-8", answer.filename("csv"))
    if format == "xlsx":
        return download(answer.xlsx(suppress), XLSX, answer.filename("xlsx"))
    return answer.answer(suppress)
