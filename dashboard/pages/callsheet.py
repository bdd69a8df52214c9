"""The call sheet, printable: the Today position at an instant in one page (metrics.callsheet,
the same document GET /api/v1/callsheet gives), for the roles with patient-level access."""

from __future__ import annotations

from dash import html

from dashboard.ids import Id


def layout() -> html.Div:
    return html.Div(
        [
            html.H1("Call sheet"),
            html.P(
                [
                    "The Today position at one moment, for the daily call. Print it with your "
                    "browser (Ctrl+P); ",
                    html.A("back to Today", href="/", className="no-print"),
                    ".",
                ],
                className="lede",
            ),
            html.Div(id=Id.CALLSHEET_PAGE, role="region", **{"aria-label": "Call sheet"}),  # type: ignore[arg-type]
        ],
        className="page callsheet",
    )
