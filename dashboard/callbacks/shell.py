"""Routing and sign-in."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, html

from dashboard.access import principal_for
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages import explore, shell, today, trends, wall
from models.clock import local_date, utc_now

HEADER = "site-header"


def route(pathname: str | None, backend: Backend) -> tuple[Any, str, str]:
    """The page for a path, the header's class (hidden on the wall) and the document title."""
    path = (pathname or "/").rstrip("/") or "/"
    pages: dict[str, tuple[Any, str]] = {
        "/": (today.layout, "Today"),
        "/trends": (trends.layout, "Trends"),
        "/explore": (lambda: explore.layout(local_date(utc_now())), "Explore"),
    }
    if path == "/wall":
        return wall.layout(backend.settings), f"{HEADER} hidden", "Wall · D2A Flow"
    if path in pages:
        build, title = pages[path]
        return build(), HEADER, f"{title} · D2A Flow"
    return shell.not_found(path), HEADER, "Not found · D2A Flow"


def sign_in(backend: Backend, entered: str | None) -> tuple[str | None, str]:
    """Keeps a token only if it is live; says so when it is not."""
    principal = principal_for(backend.database, entered, utc_now())
    if principal is None:
        return None, "That token was not recognised, or has expired or been revoked."
    return entered.strip() if entered else None, ""


def signed_in_as(backend: Backend, token: str | None) -> tuple[Any, bool, bool]:
    """Who is signed in, and whether to hide the sign-out button and the sign-in box."""
    principal = principal_for(backend.database, token, utc_now())
    if principal is None:
        return "Not signed in", True, False
    return [html.Strong(principal.name), f" · {principal.role}"], False, True


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.PAGE, "children"),
        Output(HEADER, "className"),
        Output(Id.PAGE_TITLE, "data"),
        Input(Id.URL, "pathname"),
        # Signing in or out rebuilds the page, so its callbacks run again with the new token
        # (page callbacks read the token as State: an Input from the shell mixed with the
        # page's own would be missing on every other page).
        Input(Id.TOKEN, "data"),
    )
    def _route(pathname: str | None, _token: Any) -> tuple[Any, str, str]:
        return route(pathname, backend)

    # Screen readers announce the page by its title (WCAG 2.4.2).
    app.clientside_callback(
        "function (title) { if (title) { document.title = title; } return title; }",
        Output(Id.TITLE_SINK, "data"),
        Input(Id.PAGE_TITLE, "data"),
    )

    @app.callback(
        Output(Id.TOKEN, "data"),
        Output(Id.TOKEN_INPUT, "value"),
        Output(Id.SIGN_IN_ERROR, "children"),
        Input(Id.SIGN_IN, "n_clicks"),
        Input(Id.TOKEN_INPUT, "n_submit"),
        Input(Id.SIGN_OUT, "n_clicks"),
        State(Id.TOKEN_INPUT, "value"),
        prevent_initial_call=True,
    )
    def _sign(_in: Any, _submit: Any, _out: Any, entered: str | None) -> tuple[Any, str, str]:
        if ctx.triggered_id == Id.SIGN_OUT:
            return None, "", ""
        token, error = sign_in(backend, entered)
        return token, "", error

    @app.callback(
        Output(Id.SIGNED_IN_AS, "children"),
        Output(Id.SIGN_OUT, "hidden"),
        Output(Id.SIGN_IN_BOX, "hidden"),
        Input(Id.TOKEN, "data"),
    )
    def _who(token: str | None) -> tuple[Any, bool, bool]:
        return signed_in_as(backend, token)
