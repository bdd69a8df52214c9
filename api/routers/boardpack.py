"""The board pack: one month's headline summary and SPC charts, as a printable page for every
reader of figures, or as XLSX for the roles that may export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from access.principal import Principal
from access.roles import holds
from api.auth import refused, require, scoped_organisation
from api.deps import DatabaseDep
from api.errors import ApiError
from api.routers.metrics import XLSX, download
from api.schemas.errors import ASKED, SIGNED_IN
from ledger.text import NOT_NHS_NUMBER
from metrics import MetricQueryError, board, board_pack
from metrics.returns import month_end, parse_month
from metrics.sources import organisation_exists
from models.clock import utc_now
from models.reference import is_system

router = APIRouter(tags=["returns"], responses=SIGNED_IN)
Reader = Annotated[Principal, require("aggregates:read")]


@router.get(
    "/boardpack",
    response_model=None,
    responses=ASKED | {200: {"content": {"text/html": {}, XLSX: {}}}},
)
def get_boardpack(
    month: Annotated[str, Query(description="The month, YYYY-MM", examples=["2025-03"])],
    db: DatabaseDep,
    reader: Reader,
    format: Literal["html", "xlsx"] = "html",
    organisation: Annotated[
        str | None, Query(description="Only this organisation"), NOT_NHS_NUMBER
    ] = None,
) -> Response:
    """One month's board pack: every headline metric's latest value, target, variation and
    assurance, and its monthly SPC chart (up to 24 months to that month); a printable page, or
    XLSX for the roles that may export."""
    if format == "xlsx" and not holds(reader, "exports"):
        error = refused(reader, "exports")
        error.errors[0]["field"] = "format"
        raise error
    try:
        first = parse_month(month)
    except MetricQueryError as error:
        raise ApiError(422, error.message, field=error.field) from error
    now = utc_now()
    organisation = scoped_organisation(reader, organisation or None)
    with db.session() as session:
        connection = session.connection()
        if (
            organisation
            and not organisation_exists(connection, organisation)
            and not is_system(connection, organisation)
        ):
            message = f"{organisation!r} is neither an organisation with units nor a system"
            raise ApiError(422, message, field="organisation")
        span = board.window(
            "month", month_end(first), board.first_day(connection, organisation or None)
        )
        if span is None:
            raise ApiError(422, f"there is no whole month of data up to {month}", field="month")
        found = board.headlines(
            connection, interval="month", span=span, now=now, organisation=organisation or None
        )
    if format == "xlsx":
        return download(board_pack.xlsx(first, found), XLSX, f"board_pack_{month}.xlsx")
    return HTMLResponse(board_pack.page(first, found, organisation))
