"""Today: the single coordinator's position now (or at any past moment) against 24 hours before."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.components import graph, labelled
from dashboard.ids import Id
from models.clock import FIRST_DAY, LAST_DAY

REFRESH_SECONDS = 300
PATIENT_COLUMNS: list[dict[str, Any]] = [
    {"field": "patient_id", "headerName": "Patient id (local)", "pinned": "left"},
    {"field": "unit_name", "headerName": "Unit"},
    {"field": "organisation_code", "headerName": "Site", "minWidth": 160},
    {"field": "local_authority", "headerName": "Local authority", "minWidth": 160},
    {"field": "pathway", "headerName": "Pathway", "filter": "agNumberColumnFilter"},
    {"field": "discharge_ready_date", "headerName": "Ready since (DRD)"},
    {
        "field": "days_waiting",
        "headerName": "Days waiting",
        "filter": "agNumberColumnFilter",
        "sort": "desc",
    },
    {"field": "reason_label", "headerName": "Delay reason", "minWidth": 260, "flex": 2},
    {"field": "los_days", "headerName": "Length of stay", "filter": "agNumberColumnFilter"},
]


def layout() -> html.Div:
    return html.Div(
        [
            html.H1("Today"),
            html.P(
                "Where the system is now, and what changed in the last 24 hours.",
                className="lede",
            ),
            # "Now" moves on: the page asks again every few minutes (a replay stays put).
            dcc.Interval(id=Id.TODAY_REFRESH, interval=REFRESH_SECONDS * 1000),
            as_of_controls(),
            html.Div(id=Id.TODAY_STATUS, role="status"),
            html.Div(id=Id.TODAY_HEADLINES, className="headlines"),
            html.Div(
                [
                    graph(Id.TODAY_PATHWAY, "Ready to leave by planned pathway"),
                    graph(Id.TODAY_SITE, "Ready to leave by site"),
                    graph(Id.TODAY_LA, "Ready to leave by local authority"),
                    graph(Id.TODAY_BANDS, "Ready to leave by days waiting"),
                ],
                className="chart-grid chart-grid-4",
            ),
            html.Div(
                [
                    graph(Id.TODAY_SERVICES, "D2A services: occupied and free places"),
                    graph(Id.TODAY_REASONS, "Top delay reasons"),
                ],
                className="chart-grid",
            ),
            long_waiters(),
        ],
        className="page",
    )


def as_of_controls() -> html.Div:
    date_picker = dcc.DatePickerSingle(
        id=Id.TODAY_DATE,
        placeholder="Today",
        display_format="D MMM YYYY",
        clearable=True,
        min_date_allowed=FIRST_DAY.isoformat(),
        max_date_allowed=LAST_DAY.isoformat(),
    )
    time_input = dcc.Input(
        id=Id.TODAY_TIME,
        type="text",
        placeholder="now",
        pattern=r"[0-2]?[0-9]:[0-5][0-9]",
        debounce=True,
        maxLength=5,
        size="6",
    )
    return html.Div(
        [
            labelled("As of date (UK)", date_picker, Id.TODAY_DATE),
            labelled("Time (HH:MM)", time_input, Id.TODAY_TIME),
            html.Button("Now", id=Id.TODAY_NOW, type="button", className="button"),
        ],
        className="controls",
        role="group",
        **{"aria-label": "Replay a past moment"},  # type: ignore[arg-type]
    )


def long_waiters() -> html.Section:
    return html.Section(
        [
            html.H2("Long waiters: people ready to leave"),
            html.P(id=Id.TODAY_PATIENTS_NOTE, role="status"),
            dag.AgGrid(
                id=Id.TODAY_PATIENTS,
                columnDefs=PATIENT_COLUMNS,
                rowData=[],
                defaultColDef={
                    "sortable": True,
                    "filter": True,
                    "floatingFilter": True,
                    "resizable": True,
                    "flex": 1,
                    "minWidth": 120,
                },
                dashGridOptions={
                    "pagination": True,
                    "paginationPageSize": 20,
                    "paginationPageSizeSelector": False,
                },
                style={"height": "560px"},
            ),
        ],
        className="long-waiters",
        **{"aria-label": "Long waiters"},  # type: ignore[arg-type]
    )
