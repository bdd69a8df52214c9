"""Today: the single coordinator's position now (or at any past moment) against 24 hours before."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.components import fieldset, graph, labelled
from dashboard.ids import Id
from models.clock import FIRST_DAY, local_date, utc_now
from models.reference import delay_reason_rows

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
    {
        "field": "reason_label",
        "headerName": "Delay reason",
        "minWidth": 260,
        "flex": 2,
        "tooltipField": "reason_label",  # the whole reason when the column is narrow
    },
    {"field": "los_days", "headerName": "Length of stay", "filter": "agNumberColumnFilter"},
    {
        "field": "open_actions",
        "headerName": "Open actions",
        "minWidth": 220,
        "flex": 2,
        "tooltipField": "open_actions",
    },
]
ACTION_COLUMNS: list[dict[str, Any]] = [
    {"field": "id", "headerName": "No.", "maxWidth": 90},
    {"field": "status", "headerName": "Status", "maxWidth": 130},
    {"field": "owner", "headerName": "Owner", "minWidth": 180},
    {"field": "title", "headerName": "Action", "minWidth": 240, "flex": 2},
    {"field": "due", "headerName": "Due", "minWidth": 130},
    {"field": "patient_id", "headerName": "Patient id (local)", "minWidth": 150},
    {"field": "note", "headerName": "Note", "minWidth": 200, "flex": 1},
]
RECORD_KINDS = (
    ("discharge_ready", "Mark ready (with its DRD)"),
    ("pathway_changed", "Change planned pathway"),
    ("delay_reason", "Set delay reason"),
    ("readiness_withdrawn", "Withdraw readiness"),
)
PATHWAY_OPTIONS = [{"label": f"Pathway {p}", "value": p} for p in (0, 1, 2, 3)]
SINGLE_ROW = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}


def layout() -> html.Div:
    return html.Div(
        [
            html.H1("Today"),
            html.P(
                "Where the system is now, what changed in the last 24 hours, and what the daily "
                "call records.",
                className="lede",
            ),
            # "Now" moves on: the page asks again every few minutes (a replay stays put).
            dcc.Interval(id=Id.TODAY_REFRESH, interval=REFRESH_SECONDS * 1000),
            # Bumped after each recording, so the lists are read again at once.
            dcc.Store(id=Id.TODAY_RECORDED, data=0),
            dcc.Download(id=Id.CALLSHEET_DOWNLOAD),
            as_of_controls(),
            html.Div(id=Id.TODAY_REPLAY, role="status"),
            html.Div(id=Id.TODAY_STATUS, role="status"),
            html.Div(id=Id.TODAY_HEADLINES, className="headlines"),
            html.Section(
                [
                    html.H2("Waiting for D2A against free places today"),
                    html.Div(id=Id.TODAY_CAPACITY),
                    graph(Id.TODAY_SERVICES, "Queue and free places by pathway"),
                ],
                className="capacity",
                **{"aria-label": "Demand against capacity"},  # type: ignore[arg-type]
            ),
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
                    graph(Id.TODAY_REASONS, "Top delay reasons"),
                    html.Section(
                        [html.H2("Actions due today or overdue"), html.Div(id=Id.ACTIONS_DUE)],
                        className="panel",
                        **{"aria-label": "Actions due today or overdue"},  # type: ignore[arg-type]
                    ),
                ],
                className="chart-grid",
            ),
            html.Section(
                [
                    html.H2("Changed since yesterday"),
                    html.Div(id=Id.TODAY_CHANGES),
                    html.Div(id=Id.TIMELINE, role="region", **{"aria-live": "polite"}),  # type: ignore[arg-type]
                ],
                className="panel",
                **{"aria-label": "Changed since yesterday"},  # type: ignore[arg-type]
            ),
            long_waiters(),
            record_form(),
            actions_section(),
        ],
        className="page",
    )


def as_of_controls() -> html.Div:
    date_picker = dcc.DatePickerSingle(
        id=Id.TODAY_DATE,
        placeholder="Today",
        display_format="D MMM YYYY",
        clearable=True,
        first_day_of_week=1,  # weeks here start on Monday
        min_date_allowed=FIRST_DAY.isoformat(),
        max_date_allowed=local_date(utc_now()).isoformat(),
    )
    time_input = dcc.Input(
        id=Id.TODAY_TIME,
        type="text",
        placeholder="now",
        debounce=True,
        maxLength=5,
        size="6",
    )
    filters = [
        labelled(
            "Site",
            dcc.Dropdown(id=Id.TODAY_SITE_FILTER, placeholder="All sites", clearable=True),
            Id.TODAY_SITE_FILTER,
        ),
        labelled(
            "Local authority",
            dcc.Dropdown(id=Id.TODAY_LA_FILTER, placeholder="All local authorities"),
            Id.TODAY_LA_FILTER,
        ),
    ]
    return html.Div(
        [
            html.Div(
                [
                    labelled("As of date (UK)", date_picker, Id.TODAY_DATE),
                    labelled("Time (HH:MM, e.g. 08:30)", time_input, Id.TODAY_TIME),
                    html.Button("Now", id=Id.TODAY_NOW, type="button", className="button"),
                ],
                className="controls",
                role="group",
                **{"aria-label": "Replay a past moment"},  # type: ignore[arg-type]
            ),
            html.Div(
                [
                    *filters,
                    html.Button(
                        "Call sheet (XLSX)",
                        id=Id.CALLSHEET_XLSX,
                        type="button",
                        className="button button-secondary",
                    ),
                    html.A("Printable call sheet", id=Id.CALLSHEET_LINK, href="/callsheet"),
                ],
                className="controls",
                role="group",
                **{"aria-label": "Filter the page"},  # type: ignore[arg-type]
            ),
        ],
        className="today-controls",
    )


def long_waiters() -> html.Section:
    return html.Section(
        [
            html.H2("Long waiters: people ready to leave"),
            html.P(id=Id.TODAY_PATIENTS_NOTE, role="status"),
            html.Div(
                dag.AgGrid(
                    id=Id.TODAY_PATIENTS,
                    columnDefs=PATIENT_COLUMNS,
                    rowData=[],
                    getRowId="params.data.patient_id",
                    defaultColDef={
                        "sortable": True,
                        "filter": True,
                        "floatingFilter": True,
                        "resizable": True,
                        "flex": 1,
                        "minWidth": 130,
                        "wrapHeaderText": True,
                        "autoHeaderHeight": True,
                    },
                    dashGridOptions={
                        "pagination": True,
                        "paginationPageSize": 20,
                        "paginationPageSizeSelector": False,
                        "rowSelection": SINGLE_ROW,
                        # A page of 20 rows drawn whole: no inner scroll, and every row is in
                        # the page (printed, or captured whole) rather than only those in view.
                        "domLayout": "autoHeight",
                    },
                ),
                id=Id.TODAY_PATIENTS_BOX,
                hidden=True,  # shown to the roles that see patients
            ),
        ],
        className="long-waiters",
        **{"aria-label": "Long waiters"},  # type: ignore[arg-type]
    )


def record_form() -> html.Section:
    """Record for one person (chosen in the grid, or typed): each an ordinary event."""
    reasons = [
        {"label": f"{r['code']} {r['label']}", "value": r["code"]} for r in delay_reason_rows()
    ]
    return html.Section(
        [
            html.H2("Record for a person"),
            html.P(
                "Choose a row in the list above (or type a local patient id), what to record, "
                "and Record. It is stored as an event, checked as the API checks every event.",
                className="hint",
            ),
            html.Div(
                [
                    labelled(
                        "Patient id (local)",
                        dcc.Input(id=Id.RECORD_PATIENT, type="text", maxLength=64),
                        Id.RECORD_PATIENT,
                    ),
                    fieldset(
                        "What to record",
                        dcc.RadioItems(
                            id=Id.RECORD_KIND,
                            options=[{"label": t, "value": v} for v, t in RECORD_KINDS],
                            value="discharge_ready",
                            className="radios",
                        ),
                    ),
                    labelled(
                        "Date (the DRD when marking ready)",
                        dcc.DatePickerSingle(
                            id=Id.RECORD_DATE,
                            display_format="D MMM YYYY",
                            first_day_of_week=1,
                            placeholder="Today",
                            min_date_allowed=FIRST_DAY.isoformat(),
                            max_date_allowed=local_date(utc_now()).isoformat(),
                        ),
                        Id.RECORD_DATE,
                    ),
                    labelled(
                        "Time (HH:MM; blank: now)",
                        dcc.Input(id=Id.RECORD_TIME, type="text", maxLength=5, size="6"),
                        Id.RECORD_TIME,
                    ),
                    labelled(
                        "Planned pathway",
                        dcc.Dropdown(id=Id.RECORD_PATHWAY, options=PATHWAY_OPTIONS),
                        Id.RECORD_PATHWAY,
                    ),
                    labelled(
                        "Delay reason",
                        dcc.Dropdown(id=Id.RECORD_REASON, options=reasons),
                        Id.RECORD_REASON,
                    ),
                    html.Button("Record", id=Id.RECORD_SUBMIT, type="button", className="button"),
                ],
                className="record-form",
            ),
            html.Div(id=Id.RECORD_RESULT, role="status", **{"aria-live": "polite"}),  # type: ignore[arg-type]
        ],
        id=Id.RECORD_SECTION,
        hidden=True,  # shown to the roles that record
        className="panel record",
        **{"aria-label": "Record for a person"},  # type: ignore[arg-type]
    )


def actions_section() -> html.Section:
    return html.Section(
        [
            html.H2("Actions and escalations"),
            html.P(id=Id.ACTIONS_NOTE, role="status"),
            html.Div(
                [
                    dag.AgGrid(
                        id=Id.ACTIONS_GRID,
                        columnDefs=ACTION_COLUMNS,
                        rowData=[],
                        getRowId="params.data.id",
                        defaultColDef={
                            "sortable": True,
                            "filter": True,
                            "resizable": True,
                            "flex": 1,
                        },
                        dashGridOptions={"rowSelection": SINGLE_ROW, "domLayout": "autoHeight"},
                    ),
                    html.Div(
                        [
                            html.Button(
                                "Escalate the chosen action",
                                id=Id.ACTION_ESCALATE,
                                type="button",
                                className="button button-secondary",
                            ),
                            html.Button(
                                "Close the chosen action (done)",
                                id=Id.ACTION_CLOSE,
                                type="button",
                                className="button button-secondary",
                            ),
                        ],
                        className="controls",
                    ),
                    html.H3("New action"),
                    html.Div(
                        [
                            labelled(
                                "About patient (local id, optional)",
                                dcc.Input(id=Id.ACTION_PATIENT, type="text", maxLength=64),
                                Id.ACTION_PATIENT,
                            ),
                            labelled(
                                "Owner organisation",
                                dcc.Dropdown(id=Id.ACTION_OWNER),
                                Id.ACTION_OWNER,
                            ),
                            labelled(
                                "What is to be done",
                                dcc.Input(id=Id.ACTION_TITLE, type="text", maxLength=200),
                                Id.ACTION_TITLE,
                            ),
                            labelled(
                                "Due",
                                dcc.DatePickerSingle(
                                    id=Id.ACTION_DUE_DATE,
                                    display_format="D MMM YYYY",
                                    first_day_of_week=1,
                                    placeholder="Today",
                                    min_date_allowed=FIRST_DAY.isoformat(),
                                ),
                                Id.ACTION_DUE_DATE,
                            ),
                            labelled(
                                "Note (optional; no names)",
                                dcc.Input(id=Id.ACTION_NOTE, type="text", maxLength=500),
                                Id.ACTION_NOTE,
                            ),
                            html.Button(
                                "Create action",
                                id=Id.ACTION_CREATE,
                                type="button",
                                className="button",
                            ),
                        ],
                        className="record-form",
                    ),
                ],
                id=Id.ACTIONS_BODY,
                hidden=True,  # shown to the roles that see actions
            ),
            html.Div(id=Id.ACTION_RESULT, role="status", **{"aria-live": "polite"}),  # type: ignore[arg-type]
        ],
        className="panel actions",
        **{"aria-label": "Actions and escalations"},  # type: ignore[arg-type]
    )
