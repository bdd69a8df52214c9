"""The frame around every page: routing, the token stores, the header with sign-in and links."""

from __future__ import annotations

from dash import dcc, html

from dashboard.ids import Id

LINKS = (
    ("/", "Today"),
    ("/trends", "Trends"),
    ("/explore", "Explore"),
    ("/returns", "Returns"),
    ("/feeds", "Feeds"),
    ("/wall", "Wall"),
)
# Links shown only to some roles, by the id that callbacks/shell.py hides or shows them by.
ROLE_LINKS = {"/feeds": Id.NAV_FEEDS, "/returns": Id.NAV_RETURNS}


def layout() -> html.Div:
    return html.Div(
        [
            dcc.Location(id=Id.URL),
            # Session storage: a signed-in token lasts until the tab is closed.
            dcc.Store(id=Id.TOKEN, storage_type="session"),
            # Local storage: a wall screen keeps its display token across restarts.
            dcc.Store(id=Id.WALL_TOKEN, storage_type="local"),
            dcc.Store(id=Id.PAGE_TITLE),
            dcc.Store(id=Id.TITLE_SINK),
            html.A("Skip to main content", href=f"#{Id.PAGE}", className="skip-link"),
            header(),
            html.Main(id=Id.PAGE, tabIndex="-1", **{"aria-live": "off"}),  # type: ignore[arg-type]
        ]
    )


def header() -> html.Header:
    return html.Header(
        [
            html.Div(
                [
                    html.Span("NHS", className="nhs-logo", **{"aria-hidden": "true"}),  # type: ignore[arg-type]
                    html.Span("D2A Flow", className="service-name"),
                ],
                className="brand",
            ),
            html.Nav(
                html.Ul([link(href, text) for href, text in LINKS]),
                id=Id.NAV,
                **{"aria-label": "Pages"},  # type: ignore[arg-type]
            ),
            sign_in(),
        ],
        className="site-header",
        id="site-header",
    )


def link(href: str, text: str) -> html.Li:
    if href in ROLE_LINKS:
        return html.Li(dcc.Link(text, href=href), id=ROLE_LINKS[href], hidden=True)
    return html.Li(dcc.Link(text, href=href))


def sign_in() -> html.Div:
    """A token box: the token stays in this browser tab only and is checked on every request."""
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Access token", htmlFor=Id.TOKEN_INPUT, className="visually-hidden"),
                    dcc.Input(
                        id=Id.TOKEN_INPUT,
                        type="password",
                        placeholder="Access token",
                        autoComplete="off",
                        className="token-input",
                    ),
                    html.Button("Sign in", id=Id.SIGN_IN, type="button", className="button"),
                ],
                id=Id.SIGN_IN_BOX,
                className="sign-in-box",
            ),
            html.Span(id=Id.SIGNED_IN_AS, className="signed-in-as", role="status"),
            html.Span(id=Id.SIGN_IN_ERROR, className="sign-in-error", role="alert"),
            html.Button(
                "Sign out", id=Id.SIGN_OUT, type="button", className="button button-secondary"
            ),
        ],
        className="sign-in",
        role="group",
        **{"aria-label": "Sign in"},  # type: ignore[arg-type]
    )


def not_found(pathname: str) -> html.Div:
    return html.Div(
        [
            html.H1("Page not found"),
            html.P(f"There is no page at {pathname}."),
            dcc.Link("Go to Today", href="/"),
        ],
        className="page",
    )
