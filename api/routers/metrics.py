"""The metric catalogue and its figures (JSON, CSV, XLSX) and SPC charts; aggregates only."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook

from api.auth import require
from api.deps import DatabaseDep
from api.errors import ApiError
from metrics import MetricQueryError, MetricResult, catalogue_answer, compute
from metrics.spc import SpcInputError, spc

router = APIRouter(tags=["metrics"])

Reader = Annotated[object, require("aggregates:read")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPC_COLUMNS = ("value", "mean", "lpl", "upl", "near_lpl", "near_upl", "point_type")


class FigureQuery:
    """The query parameters shared by a metric's figures and its SPC chart."""

    def __init__(
        self,
        start: Annotated[date, Query(description="First local date, inclusive")],
        end: Annotated[date, Query(description="Last local date, inclusive")],
        interval: Annotated[str, Query(description="day, week, month or total")] = "day",
        group_by: Annotated[str | None, Query(description="A breakdown the metric lists")] = None,
        organisation: Annotated[str | None, Query(description="Only this organisation")] = None,
        baseline_start: Annotated[date | None, Query(description="bed_days_saved only")] = None,
        baseline_end: Annotated[date | None, Query(description="bed_days_saved only")] = None,
    ) -> None:
        self.start, self.end, self.interval = start, end, interval
        self.group_by, self.organisation = group_by or None, organisation or None
        self.baseline_start, self.baseline_end = baseline_start, baseline_end


Figures = Annotated[FigureQuery, Depends()]


@router.get("/metrics")
def get_catalogue(_reader: Reader) -> dict[str, Any]:
    """Every metric: name, title, unit, direction, target, definition, intervals, breakdowns."""
    return catalogue_answer()


@router.get("/metrics/{name}", response_model=None)
def get_metric(
    name: str,
    figures: Figures,
    request: Request,
    db: DatabaseDep,
    _reader: Reader,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> dict[str, Any] | Response:
    """A metric's figures per period and group, with the events they reflect."""
    result = _compute(name, figures, request, db)
    if format == "csv":
        return _download(_csv(result), "text/csv; charset=utf-8", _filename(result, "csv"))
    if format == "xlsx":
        return _download(_xlsx(result), XLSX, _filename(result, "xlsx"))
    return result.answer()


@router.get("/metrics/{name}/spc")
def get_metric_spc(
    name: str,
    figures: Figures,
    request: Request,
    db: DatabaseDep,
    _reader: Reader,
    rebase: Annotated[list[date], Query(description="Start a new group on this date")] = [],  # noqa: B006
    fix_after_n_points: Annotated[int | None, Query(ge=12)] = None,
    screen_outliers: bool = True,
) -> dict[str, Any]:
    """XmR chart of a metric by "Making Data Count" rules, one per group of the breakdown."""
    result = _compute(name, figures, request, db)
    metric = result.metric
    options = {"rebase": rebase, "screen_outliers": screen_outliers}
    options["fix_after_n_points"] = fix_after_n_points
    charts = [
        _chart(group, rows, metric.direction, metric.target, options)
        for group, rows in result.rows.groupby("group", sort=False, dropna=False)
    ]
    answer = result.answer()
    del answer["rows"]
    return answer | {"improvement": metric.direction, "target": metric.target, "charts": charts}


def _compute(name: str, figures: FigureQuery, request: Request, db: Any) -> MetricResult:
    settings = request.app.state.settings
    try:
        with db.session() as session:
            return compute(
                session.connection(),
                name,
                start=figures.start,
                end=figures.end,
                interval=figures.interval,
                group_by=figures.group_by,
                organisation=figures.organisation,
                baseline_start=figures.baseline_start,
                baseline_end=figures.baseline_end,
                cost_per_bed_day=settings.cost_per_bed_day,
            )
    except MetricQueryError as error:
        raise ApiError(422, error.message, field=error.field) from error


def _chart(
    group: Any, rows: pd.DataFrame, improvement: str, target: float | None, options: dict[str, Any]
) -> dict[str, Any]:
    """One group's chart; periods without a figure (a rate with no denominator) are left out."""
    series = rows.set_index("period")["value"].astype(float)
    missing = series[series.isna()].index
    series = series.dropna()
    try:
        chart = spc(series, improvement=improvement, target=target, **options)  # type: ignore[arg-type]
    except SpcInputError as error:
        field, _, message = str(error).partition(": ")
        raise ApiError(422, message or str(error), field=field if message else None) from error
    points = chart.points.reset_index(names="period")
    points["period"] = [p.isoformat() for p in rows.loc[rows["value"].notna(), "period"]]
    warnings = list(chart.warnings)
    if len(missing):
        warnings.append(f"{len(missing)} period(s) without a figure left out")
    return {
        "group": None if pd.isna(group) else group,
        "assurance": chart.assurance,
        "variation": chart.variation,
        "warnings": warnings,
        "points": _plain(points[["period", *SPC_COLUMNS]]),
    }


def _plain(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in clean.to_dict("records")
    ]


def _filename(result: MetricResult, extension: str) -> str:
    q = result.query
    parts = [result.metric.name, q.start.isoformat(), q.end.isoformat(), q.interval]
    parts += [p for p in (q.group_by, q.organisation) if p]
    return "_".join(parts) + f".{extension}"


def _download(body: bytes, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


def _csv(result: MetricResult) -> bytes:
    records = result.records()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(result.rows.columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def _xlsx(result: MetricResult) -> bytes:
    """Figures on one sheet; the definition and provenance on another."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "figures"
    columns = list(result.rows.columns)
    sheet.append(columns)
    for record in result.records():
        sheet.append([record[c] for c in columns])
    about = book.create_sheet("definition")
    answer = result.answer()
    metric = result.metric
    for key in ("metric", "start", "end", "interval", "group_by", "organisation"):
        about.append([key, answer[key]])
    for key in ("title", "unit", "direction", "target", "definition"):
        about.append([key, getattr(metric, key)])
    about.append(["events_reflected", answer["events_reflected"]])
    about.append(["latest_event_at", answer["latest_event_at"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
