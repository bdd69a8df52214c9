"""Feeds: every feed's health (SPEC §9), its last refusals, and the discharge hub's readiness
list upload with its dry run.

The tables are plain HTML (a caption, column headers with scope): a few feeds, at most 20
refusals, and a list's changes, which scroll inside their own region.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dash import dcc, html

from dashboard.components import labelled
from dashboard.ids import Id
from models.clock import FIRST_DAY, LAST_DAY, LONDON

REFRESH_SECONDS = 60
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a system's whole list is a few thousand rows
CHANGE_LABELS = {
    "discharge_ready": "Newly ready",
    "pathway_changed": "Pathway changed",
    "delay_reason": "Delay reason",
    "readiness_withdrawn": "Readiness withdrawn",
}


def layout(now: datetime) -> html.Div:
    """The page; the upload's "as at" starts at `now` (naive UTC) in UK local time."""
    return html.Div(
        [
            html.H1("Feeds"),
            html.P(
                "What each feed has sent today, when it last sent, what it refused and why; "
                "and the discharge hub's readiness list.",
                className="lede",
            ),
            dcc.Interval(id=Id.FEEDS_REFRESH, interval=REFRESH_SECONDS * 1000),
            dcc.Store(id=Id.FEEDS_STORED),
            html.Section(
                [
                    html.H2("Feeds and today's messages", id="feeds-heading"),
                    html.Div(id=Id.FEEDS_STATUS, role="status"),
                    html.Div(id=Id.FEEDS_TABLE),
                ],
                className="panel",
                **{"aria-labelledby": "feeds-heading"},  # type: ignore[arg-type]
            ),
            refusals(),
            upload(now),
        ],
        className="page",
    )


def refusals() -> html.Section:
    return html.Section(
        [
            html.H2("Last refusals", id="refusals-heading"),
            html.Div(
                labelled(
                    "Feed",
                    dcc.Dropdown(id=Id.FEEDS_REFUSALS_FEED, clearable=False, searchable=False),
                    Id.FEEDS_REFUSALS_FEED,
                ),
                className="controls controls-plain",
            ),
            html.Div(id=Id.FEEDS_REFUSALS),
        ],
        className="panel",
        **{"aria-labelledby": "refusals-heading"},  # type: ignore[arg-type]
    )


def upload(now: datetime) -> html.Section:
    """The readiness list: a feed, a file, an "as at" instant; a dry run, then storing. Hidden
    until the token is known to send events (the callbacks check it again)."""
    return html.Section(
        [
            html.H2("Readiness list", id="upload-heading"),
            html.P(
                "The hub's list of people ready to leave, as at a moment: columns "
                "local_patient_id, ready_date, pathway (0–3) and reason_code (optional). "
                "Check it first: nothing is stored until you store the changes the check "
                "shows.",
                className="chart-note",
            ),
            html.P(id=Id.FEEDS_UPLOAD_NOTE, className="upload-note", role="status"),
            html.Div(
                [
                    upload_controls(now),
                    html.Div(
                        [
                            html.Button(
                                "Check (dry run)",
                                id=Id.FEEDS_CHECK,
                                type="button",
                                className="button",
                            ),
                            html.Button(
                                "Store these changes",
                                id=Id.FEEDS_STORE,
                                type="button",
                                className="button button-store",
                                hidden=True,
                            ),
                        ],
                        className="buttons",
                    ),
                    dcc.Store(id=Id.FEEDS_CHECKED),
                    dcc.Loading(
                        html.Div(id=Id.FEEDS_RESULT, **{"aria-live": "polite"}),  # type: ignore[arg-type]
                        type="dot",
                        delay_show=300,
                    ),
                ],
                id=Id.FEEDS_UPLOAD_BLOCK,
                hidden=True,
            ),
        ],
        className="panel",
        **{"aria-labelledby": "upload-heading"},  # type: ignore[arg-type]
    )


def upload_controls(now: datetime) -> html.Div:
    """The feed, the file and the "as at" UK date and time, which start at `now`."""
    local = now.replace(tzinfo=UTC).astimezone(LONDON)
    feed = dcc.Dropdown(id=Id.FEEDS_UPLOAD_FEED, searchable=False, placeholder="Choose a feed")
    date_picker = dcc.DatePickerSingle(
        id=Id.FEEDS_AS_OF_DATE,
        date=local.date().isoformat(),
        display_format="D MMM YYYY",
        first_day_of_week=1,
        min_date_allowed=FIRST_DAY.isoformat(),
        max_date_allowed=LAST_DAY.isoformat(),
    )
    time_input = dcc.Input(
        id=Id.FEEDS_AS_OF_TIME,
        type="text",
        value=f"{local:%H:%M}",
        pattern=r"[0-2]?[0-9]:[0-5][0-9]",
        maxLength=5,
        size="6",
    )
    return html.Div(
        [
            html.Div(labelled("Feed", feed, Id.FEEDS_UPLOAD_FEED), className="control-wide"),
            file_chooser(),
            labelled("As at date (UK)", date_picker, Id.FEEDS_AS_OF_DATE),
            labelled("As at time (HH:MM, UK)", time_input, Id.FEEDS_AS_OF_TIME),
        ],
        className="controls",
        role="group",
        **{"aria-label": "The list to check"},  # type: ignore[arg-type]
    )


def file_chooser() -> html.Div:
    """dcc.Upload (a drop zone that opens the file dialog on click, Enter or Space), named by
    its label, with the chosen file's name under it."""
    chooser = dcc.Upload(
        id=Id.FEEDS_UPLOAD,
        children=html.Div(
            [
                html.Span("Drag the list here, or "),
                html.Span("choose a file", className="upload-link"),
                html.Span(" (CSV or XLSX)"),
            ],
            id="upload-hint",
        ),
        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument."
        "spreadsheetml.sheet",
        max_size=MAX_UPLOAD_BYTES,
        multiple=False,
        className="upload",
        className_active="upload upload-active",
    )
    return html.Div(
        [
            html.Span("List file", className="label", id="upload-label"),
            # assets/upload_label.js names the file input by these (Upload takes no aria props).
            html.Div(chooser, **{"data-labelled-by": "upload-label upload-hint"}),  # type: ignore[arg-type]
            html.Span("No file chosen", id=Id.FEEDS_UPLOAD_FILE, className="upload-file"),
        ],
        className="control control-wide",
    )


def table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    row_classes: Sequence[str] | None = None,
    numeric: Sequence[int] = (),
    first_is_header: bool = False,
    name: str = "",
) -> html.Table:
    """A plain table: a caption, column headers (scope col) and, when `first_is_header`, each
    row's first cell a row header; `numeric` columns right-aligned; `name` a class of its own."""

    def cell(index: int, value: Any) -> html.Td | html.Th:
        name = "number" if index in numeric else None
        if first_is_header and index == 0:
            return html.Th(value, scope="row", className=name)
        return html.Td(value, className=name)

    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col", className="number" if i in numeric else None)
                for i, h in enumerate(headers)
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [cell(i, v) for i, v in enumerate(row)],
                className=row_classes[n] if row_classes else None,
            )
            for n, row in enumerate(rows)
        ]
    )
    return html.Table([html.Caption(caption), head, body], className=f"table {name}".strip())


def scrolling(label: str, content: Any) -> html.Div:
    """A region that scrolls by itself (and by keyboard: it takes the focus)."""
    return html.Div(
        content,
        className="table-scroll",
        role="region",
        tabIndex="0",
        **{"aria-label": label},  # type: ignore[arg-type]
    )
