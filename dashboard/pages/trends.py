"""Trends: the executive board's weekly and monthly SPC charts of the headline figures."""

from __future__ import annotations

from dash import html


def layout() -> html.Div:
    return html.Div([html.H1("Trends")], className="page")
