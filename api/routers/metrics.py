"""The metric catalogue and its figures (JSON, CSV, XLSX) and SPC charts; aggregates only.

Figures as JSON need aggregates:read; as files (CSV, XLSX), exports as well (access.roles)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from access.principal import Principal
from access.roles import holds
from api.auth import refused, require, scoped_organisation
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN
from ledger.text import NOT_NHS_NUMBER
from ledger.times import Day
from metrics import MetricQueryError, MetricResult, catalogue_answer, compute
from metrics.spc import SpcInputError

router = APIRouter(tags=["metrics"], responses=SIGNED_IN)

Reader = Annotated[Principal, require("aggregates:read")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPRESS = (
    "For publication: counts of 1–7 as *, other counts rounded to the nearest 5, rates on a "
    "suppressed count as *"
)


class FigureQuery:
    """The query parameters shared by a metric's figures and its SPC chart."""

    def __init__(
        self,
        start: Annotated[Day, Query(description="First local date, inclusive")],
        end: Annotated[Day, Query(description="Last local date, inclusive")],
        interval: Annotated[str, Query(description="day, week, month or total")] = "day",
        group_by: Annotated[str | None, Query(description="A breakdown the metric lists")] = None,
        organisation: Annotated[
            str | None, Query(description="Only this organisation"), NOT_NHS_NUMBER
        ] = None,
        baseline_start: Annotated[
            Day | None, Query(description="Metrics compared with a baseline only")
        ] = None,
        baseline_end: Annotated[
            Day | None, Query(description="Metrics compared with a baseline only")
        ] = None,
    ) -> None:
        self.start, self.end, self.interval = start, end, interval
        self.group_by, self.organisation = group_by or None, organisation or None
        self.baseline_start, self.baseline_end = baseline_start, baseline_end


Figures = Annotated[FigureQuery, Depends()]


@router.get("/metrics")
def get_catalogue(_reader: Reader) -> dict[str, Any]:
    """Every metric: name, title, unit, direction, target, definition, intervals, breakdowns."""
    return catalogue_answer()


@router.get("/metrics/{name}", response_model=None, responses=ASKED)
def get_metric(
    name: str,
    figures: Figures,
    request: Request,
    db: DatabaseDep,
    reader: Reader,
    format: Literal["json", "csv", "xlsx"] = "json",
    suppress: Annotated[bool, Query(description=SUPPRESS)] = False,
) -> dict[str, Any] | Response:
    """A metric's figures per period and group, with the events they reflect; as CSV or XLSX
    for the roles that may export; `suppress=true` for publication."""
    if format != "json" and not holds(reader, "exports"):
        error = refused(reader, "exports")
        error.errors[0]["field"] = "format"
        raise error
    result = _compute(name, figures, request, db, reader)
    if format == "csv":
        return download(result.csv(suppress), "text/csv; charset=utf-8", result.filename("csv"))
    if format == "xlsx":
        return download(result.xlsx(suppress), XLSX, result.filename("xlsx"))
    # Plain JSON values already (metrics.answer: records made plain a column at a time):
    # serialised as they are, not walked again by FastAPI's encoder (tens of thousands of
    # rows by unit; the walk took longer than counting them).
    return Response(orjson.dumps(result.answer(suppress)), media_type="application/json")


@router.get("/metrics/{name}/spc", responses=ASKED)
def get_metric_spc(
    name: str,
    figures: Figures,
    request: Request,
    db: DatabaseDep,
    reader: Reader,
    rebase: Annotated[list[Day], Query(description="Start a new group on this date")] = [],  # noqa: B006
    fix_after_n_points: Annotated[int | None, Query(ge=12)] = None,
    screen_outliers: bool = True,
) -> dict[str, Any]:
    """XmR chart of a metric by "Making Data Count" rules, one per group of the breakdown."""
    result = _compute(name, figures, request, db, reader)
    metric = result.metric
    try:
        charts = result.spc_charts(tuple(rebase), fix_after_n_points, screen_outliers)
    except SpcInputError as error:
        field, _, message = str(error).partition(": ")
        raise ApiError(422, message or str(error), field=field if message else None) from error
    answer = result.answer()
    del answer["rows"]
    return answer | {
        "improvement": metric.direction,
        "target": metric.target,
        "charts": [chart.answer() for chart in charts],
    }


def _compute(
    name: str, figures: FigureQuery, request: Request, db: Any, reader: Principal
) -> MetricResult:
    settings = request.app.state.settings
    organisation = scoped_organisation(reader, figures.organisation)
    try:
        with db.session() as session:
            return compute(
                session.connection(),
                name,
                start=figures.start,
                end=figures.end,
                interval=figures.interval,
                group_by=figures.group_by,
                organisation=organisation,
                baseline_start=figures.baseline_start,
                baseline_end=figures.baseline_end,
                cost_per_bed_day=settings.cost_per_bed_day,
            )
    except MetricQueryError as error:
        raise ApiError(422, error.message, field=error.field) from error


def download(body: bytes, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)
