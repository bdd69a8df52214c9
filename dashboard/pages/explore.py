"""Explore: any metric, period, interval and breakdown, with downloads and the API URL."""

from __future__ import annotations

from datetime import date, timedelta

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.components import graph, labelled
from dashboard.ids import Id
from dashboard.pages.trends import baseline_control
from metrics import CATALOGUE
from models.clock import FIRST_DAY, LAST_DAY

DEFAULT_METRIC = "ready_to_leave"
DEFAULT_WEEKS = 12


def layout(today: date) -> html.Div:
    """The page with its period defaulting to the 12 complete weeks before `today`."""
    return html.Div(
        [
            html.H1("Explore"),
            html.P(
                "Any figure for any period and breakdown, with its definition, the same rows "
                "as the API, and downloads.",
                className="lede",
            ),
            controls(today),
            html.Div(id=Id.EXPLORE_STATUS, role="status"),
            html.Div(
                [
                    html.Div(
                        [
                            graph(Id.EXPLORE_FIGURE, "The figures as a chart"),
                            dag.AgGrid(
                                id=Id.EXPLORE_TABLE,
                                rowData=[],
                                columnDefs=[],
                                defaultColDef={"sortable": True, "filter": True, "flex": 1},
                                dashGridOptions={
                                    "pagination": True,
                                    "paginationPageSize": 20,
                                    "paginationPageSizeSelector": False,
                                },
                                style={"height": "520px"},
                                className="explore-table",
                            ),
                        ],
                        className="explore-main",
                    ),
                    side(),
                ],
                className="explore-layout",
            ),
        ],
        className="page",
    )


def controls(today: date) -> html.Div:
    end = today - timedelta(days=today.weekday() + 1)
    start = end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    options = [{"label": m.title, "value": m.name} for m in CATALOGUE.values()]
    return html.Div(
        [
            html.Div(
                labelled(
                    "Metric",
                    dcc.Dropdown(
                        id=Id.EXPLORE_METRIC, options=options, value=DEFAULT_METRIC, clearable=False
                    ),
                    Id.EXPLORE_METRIC,
                ),
                className="control-wide",
            ),
            labelled(
                "Period (first and last day)",
                dcc.DatePickerRange(
                    id=Id.EXPLORE_PERIOD,
                    start_date=start.isoformat(),
                    end_date=end.isoformat(),
                    display_format="D MMM YYYY",
                    first_day_of_week=1,
                    min_date_allowed=FIRST_DAY.isoformat(),
                    max_date_allowed=LAST_DAY.isoformat(),
                    start_date_id=f"{Id.EXPLORE_PERIOD}-start",
                    end_date_id=f"{Id.EXPLORE_PERIOD}-end",
                ),
                f"{Id.EXPLORE_PERIOD}-start",
            ),
            labelled(
                "Interval",
                dcc.Dropdown(id=Id.EXPLORE_INTERVAL, value="week", clearable=False),
                Id.EXPLORE_INTERVAL,
            ),
            labelled(
                "Breakdown",
                dcc.Dropdown(id=Id.EXPLORE_GROUP_BY, placeholder="None"),
                Id.EXPLORE_GROUP_BY,
            ),
            html.Div(
                labelled(
                    "Partner organisation",
                    dcc.Dropdown(id=Id.EXPLORE_ORGANISATION, placeholder="All partners"),
                    Id.EXPLORE_ORGANISATION,
                ),
                className="control-wide",
            ),
            baseline_control(Id.EXPLORE_BASELINE),
            dcc.Checklist(
                id=Id.EXPLORE_CODES,
                options=[{"label": " Show codes, not names", "value": "codes"}],
                value=[],
            ),
        ],
        className="controls",
        role="group",
        **{"aria-label": "What to show"},  # type: ignore[arg-type]
    )


def side() -> html.Aside:
    return html.Aside(
        [
            html.Div(id=Id.EXPLORE_DEFINITION),
            html.H2("Download"),
            html.Div(
                [
                    html.Button("CSV", id=Id.EXPLORE_CSV, type="button", className="button"),
                    html.Button(
                        "Excel (XLSX)", id=Id.EXPLORE_XLSX, type="button", className="button"
                    ),
                ],
                className="buttons",
            ),
            dcc.Download(id=Id.EXPLORE_DOWNLOAD),
            html.H2("The same figures from the API"),
            html.Code(id=Id.EXPLORE_API_URL, className="api-url"),
            html.P(
                "Send your token as the header “Authorization: Bearer …”; add &format=csv or "
                "&format=xlsx for a file.",
                className="chart-note",
            ),
        ],
        className="side",
        **{"aria-label": "Definition and downloads"},  # type: ignore[arg-type]
    )
