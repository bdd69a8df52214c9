"""Returns: the analyst's downloads of the monthly DRD return and the board pack, the same
files as GET /api/v1/returns/drd and GET /api/v1/boardpack."""

from __future__ import annotations

from datetime import date

from dash import dcc, html

from dashboard.components import labelled
from dashboard.ids import Id

MONTHS_OFFERED = 36


def months(today: date) -> list[dict[str, str]]:
    """The last month first, then the 35 before it (YYYY-MM)."""
    index = today.year * 12 + today.month - 2
    found = []
    for back in range(MONTHS_OFFERED):
        year, month = divmod(index - back, 12)
        found.append(date(year, month + 1, 1))
    return [{"label": f"{m:%B %Y}", "value": f"{m:%Y-%m}"} for m in found]


def layout(today: date) -> html.Div:
    options = months(today)

    def button(text: str, id_: str) -> html.Button:
        return html.Button(text, id=id_, type="button", className="button")

    return html.Div(
        [
            html.H1("Returns"),
            html.P(
                "NHS England's monthly Discharge Ready Date provider return (one row per acute "
                "organisation and a system total), and the board pack of the headline metrics. "
                "For publication, tick suppression: counts of 1 to 7 become *, others are "
                "rounded to the nearest 5, and rates on a suppressed count become *.",
                className="lede",
            ),
            html.Div(
                [
                    html.Div(
                        labelled(
                            "Month",
                            dcc.Dropdown(
                                id=Id.RETURNS_MONTH,
                                options=options,
                                value=options[0]["value"],
                                clearable=False,
                            ),
                            Id.RETURNS_MONTH,
                        ),
                        className="control-wide",
                    ),
                    dcc.Checklist(
                        id=Id.RETURNS_SUPPRESS,
                        options=[
                            {"label": " Suppress small numbers (for publication)", "value": "yes"}
                        ],
                        value=[],
                    ),
                ],
                className="controls",
            ),
            html.Section(
                [
                    html.H2("Discharge Ready Date return"),
                    button("CSV", Id.RETURNS_DRD_CSV),
                    button("Excel (XLSX)", Id.RETURNS_DRD_XLSX),
                    button("JSON", Id.RETURNS_DRD_JSON),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H2("Board pack"),
                    button("Excel (XLSX)", Id.RETURNS_PACK_XLSX),
                    button("Printable page (HTML)", Id.RETURNS_PACK_PAGE),
                ],
                className="card",
            ),
            html.Div(id=Id.RETURNS_STATUS, role="status"),
            dcc.Download(id=Id.RETURNS_DOWNLOAD),
        ],
        className="page",
    )
