"""The printable call sheet: the instant from the address (?date=&time=, as Today's), the
sheet from metrics.callsheet through dashboard.data (audited as GET /api/v1/callsheet is)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, html

from access.scope import ScopeMissing
from dashboard import data
from dashboard.access import allowed, client_address
from dashboard.callbacks.today import as_of
from dashboard.components import message, uk_time
from dashboard.data import Backend
from dashboard.ids import Id
from models.clock import utc_now

LEVEL_WORDS = {"normal": "Normal", "pressure": "Pressure", "escalation": "Escalation"}


def sheet_view(backend: Backend, token: str | None, search: str | None, now: datetime) -> Any:
    """The sheet at the instant the address asks for, or why there is none."""
    principal = allowed(backend, token, now, "patients:read")
    if principal is None:
        return message("The call sheet needs a coordinator or partner token.", "error")
    asked = parse_qs((search or "").lstrip("?"))
    try:
        instant = as_of(asked.get("date", [None])[0], asked.get("time", [None])[0], now)
        sheet, _content, _name = data.callsheet(backend, principal, instant, now, client_address())
    except (ValueError, ScopeMissing) as problem:
        return message(str(problem), "error")
    when = "now" if instant == now else "replayed"
    parts: list[Any] = [
        message(f"Position at {uk_time(instant)} ({when}), compared with 24 hours earlier."),
        html.H2("Headline"),
        _table(
            ("Figure", "Now", "24 hours earlier"),
            [
                (label, sheet["headline"][key]["now"], sheet["headline"][key]["before"])
                for key, label in (
                    ("ready_to_leave", "Ready to leave (acute)"),
                    ("acute_inpatients", "Acute inpatients"),
                    ("stranded_7", "Stranded: 7+ days"),
                    ("stranded_21", "Super-stranded: 21+ days"),
                )
            ]
            + [
                (f"Ready, planned pathway {g['group']}", g["now"], g["before"])
                for g in sheet["headline"]["ready_by_pathway"]
            ],
        ),
    ]
    status = sheet["capacity_status"]
    if status is not None:
        parts += [
            html.H2(f"Waiting for D2A against free places: system level {status['level']}"),
            _table(
                ("Pathway", "Waiting", "Free", "Capacity", "Status"),
                [
                    (p["pathway"], p["waiting"], p["free"], p["capacity"], p["status"])
                    for p in status["pathways"]
                ],
            ),
        ]
    waiters = sheet["long_waiters"]
    parts += [
        html.H2(f"Long waiters: ready {waiters['min_days_waiting']}+ days ({waiters['count']})"),
        _table(
            ("Patient id (local)", "Unit", "Site", "Pathway", "DRD", "Days", "Delay reason"),
            [
                (
                    p["patient_id"],
                    p["unit_name"],
                    p["organisation_code"],
                    p["pathway"],
                    p["discharge_ready_date"],
                    p["days_waiting"],
                    p["reason_label"] or "",
                )
                for p in waiters["patients"]
            ],
        ),
        html.H2(f"Actions due {sheet['actions_due']['due_by']} or overdue"),
        _table(
            ("Owner", "Action", "Due", "Status", "Patient id (local)"),
            [
                (
                    owner["name"],
                    a["title"],
                    ("OVERDUE " if a["overdue"] else "") + a["due"],
                    a["status"],
                    a["patient_id"] or "",
                )
                for owner in sheet["actions_due"]["by_organisation"]
                for a in owner["actions"]
            ],
        ),
        html.H2(f"Changed in the 24 hours before ({sheet['changes']['count']})"),
        _table(
            ("Patient id (local)", "Change", "From", "To"),
            [
                (c["patient_id"], c["kind"].replace("_", " "), c["from"], c["to"])
                for c in sheet["changes"]["changes"]
            ],
        ),
    ]
    return parts


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Any:
    if not rows:
        return html.P("None.")
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(
                [html.Tr([html.Td("–" if v is None else str(v)) for v in row]) for row in rows]
            ),
        ],
        className="table",
    )


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.CALLSHEET_PAGE, "children"),
        Input(Id.URL, "search"),
        State(Id.TOKEN, "data"),
    )
    def _sheet(search: str | None, token: str | None) -> Any:
        return sheet_view(backend, token, search, utc_now())
