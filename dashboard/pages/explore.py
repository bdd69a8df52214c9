"""Explore: any metric, period, interval and breakdown, with downloads and the API URL."""

from __future__ import annotations

from dash import html


def layout() -> html.Div:
    return html.Div([html.H1("Explore")], className="page")
