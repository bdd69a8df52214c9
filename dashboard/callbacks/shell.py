"""Routing and sign-in."""

from __future__ import annotations

import json
from typing import Any

from dash import Dash, Input, Output, State, ctx, html
from flask import Response, abort

from access.principal import Principal
from access.roles import holds
from dashboard.access import Throttled, principal_for, sign_in_principal
from dashboard.callbacks.feeds import not_for_role as feeds_not_for_role
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages import callsheet, explore, feeds, returns, shell, today, trends, wall
from models.clock import local_date, utc_now

HEADER = "site-header"
NOT_RECOGNISED = "That token was not recognised, or has expired or been revoked."
ROLE_NOTES = {
    "display": "A display token is for the wall screen only: open /wall#token=… on the screen.",
    "admin": "The admin role keeps reference data, feeds, tokens and the audit log: the Feeds "
    "page shows the feeds, the API (/docs) does the rest; it sees no figures and no patients.",
    "feed": "A feed token sends events through the API; it sees no figures.",
}


def route(pathname: str | None, backend: Backend, token: str | None = None) -> tuple[Any, str, str]:
    """The page for a path, the header's class (hidden on the wall) and the document title. A
    signed-in role that does not see a page's figures gets a note instead of the page."""
    path = (pathname or "/").rstrip("/") or "/"
    # path: (layout, title, the permission a signed-in role needs to see it)
    pages: dict[str, tuple[Any, str, str]] = {
        "/": (today.layout, "Today", "aggregates:read"),
        "/trends": (trends.layout, "Trends", "aggregates:read"),
        "/explore": (lambda: explore.layout(local_date(utc_now())), "Explore", "aggregates:read"),
        "/feeds": (lambda: feeds.layout(utc_now()), "Feeds", "feeds:manage"),
        "/returns": (lambda: returns.layout(local_date(utc_now())), "Returns", "exports"),
        "/callsheet": (callsheet.layout, "Call sheet", "patients:read"),
    }
    if path == "/wall":
        return wall.layout(backend.settings), f"{HEADER} hidden", "Wall · D2A Flow"
    if path in pages:
        build, title, permission = pages[path]
        principal = principal_for(backend, token, utc_now())
        if principal is not None and not holds(principal, permission):
            return not_for_role(principal, title), HEADER, f"{title} · D2A Flow"
        return build(), HEADER, f"{title} · D2A Flow"
    return shell.not_found(path), HEADER, "Not found · D2A Flow"


def not_for_role(principal: Principal, title: str) -> html.Div:
    if title == "Feeds":
        note = feeds_not_for_role(principal.role)
    else:
        note = ROLE_NOTES.get(principal.role, f"The {principal.role} role does not see this page.")
    return html.Div(
        [html.H1(title), html.P(note, className="role-note")], className="page", role="status"
    )


def sign_in(backend: Backend, entered: str | None) -> tuple[str | None, str]:
    """Keeps a token only if it is live; says so when it is not. Raises Throttled when this
    address has failed too often (the wiring answers HTTP 429)."""
    principal = sign_in_principal(backend, entered, utc_now())
    if principal is None:
        return None, NOT_RECOGNISED
    return entered.strip() if entered else None, ""


def signed_in_as(backend: Backend, token: str | None) -> tuple[Any, bool, bool]:
    """Who is signed in, and whether to hide the sign-out button and the sign-in box."""
    principal = principal_for(backend, token, utc_now())
    if principal is None:
        return "Not signed in", True, False
    return [html.Strong(principal.name), f" · {principal.role}"], False, True


def returns_link_hidden(backend: Backend, token: str | None) -> bool:
    """The Returns link is for the roles that hold exports (analyst, coordinator)."""
    return not holds(principal_for(backend, token, utc_now()), "exports")


def feeds_link_hidden(backend: Backend, token: str | None) -> bool:
    """The Feeds link is for the roles that hold feeds:manage (admin, coordinator)."""
    return not holds(principal_for(backend, token, utc_now()), "feeds:manage")


def too_many(throttled: Throttled) -> Response:
    """The sign-in callback's answer for a refused address: 429 with Retry-After (the page's
    script shows the message in the sign-in box)."""
    body = {"errors": [{"field": "token", "message": str(throttled)}]}
    headers = {"Retry-After": str(throttled.retry_after)}
    return Response(json.dumps(body), 429, headers, mimetype="application/json")


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
    def _route(pathname: str | None, token: str | None) -> tuple[Any, str, str]:
        return route(pathname, backend, token)

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
        try:
            token, error = sign_in(backend, entered)
        except Throttled as throttled:
            abort(too_many(throttled))
        return token, "", error

    @app.callback(
        Output(Id.SIGNED_IN_AS, "children"),
        Output(Id.SIGN_OUT, "hidden"),
        Output(Id.SIGN_IN_BOX, "hidden"),
        Input(Id.TOKEN, "data"),
    )
    def _who(token: str | None) -> tuple[Any, bool, bool]:
        return signed_in_as(backend, token)

    @app.callback(Output(Id.NAV_FEEDS, "hidden"), Input(Id.TOKEN, "data"))
    def _feeds_link(token: str | None) -> bool:
        return feeds_link_hidden(backend, token)

    @app.callback(Output(Id.NAV_RETURNS, "hidden"), Input(Id.TOKEN, "data"))
    def _returns_link(token: str | None) -> bool:
        return returns_link_hidden(backend, token)
