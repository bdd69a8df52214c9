"""Returns: the DRD return and the board pack as files, for the roles that may export."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from dashboard import data
from dashboard.access import allowed
from dashboard.components import message
from dashboard.data import Backend
from dashboard.ids import Id
from metrics import MetricQueryError, board_pack
from metrics.returns import parse_month
from models.clock import utc_now

FILES = {
    Id.RETURNS_DRD_CSV: "drd_csv",
    Id.RETURNS_DRD_XLSX: "drd_xlsx",
    Id.RETURNS_DRD_JSON: "drd_json",
    Id.RETURNS_PACK_XLSX: "pack_xlsx",
    Id.RETURNS_PACK_PAGE: "pack_html",
}


def download(
    backend: Backend, token: str | None, kind: str, month: str | None, suppress: bool, now: datetime
) -> tuple[Any, Any]:
    """The file (dcc.send_bytes) and a status message; no file for a role that may not export."""
    if allowed(backend, token, now, "exports") is None:
        return None, message("Your role may not download returns.", "error")
    try:
        first = parse_month(month or "")
    except MetricQueryError as error:
        return None, message(error.message, "error")
    if kind.startswith("drd"):
        answer = data.drd(backend, first, now)
        fmt = kind.removeprefix("drd_")
        body = {
            "csv": lambda: answer.csv(suppress),
            "xlsx": lambda: answer.xlsx(suppress),
            "json": lambda: json.dumps(answer.answer(suppress), indent=1).encode(),
        }[fmt]()
        return dcc.send_bytes(body, answer.filename(fmt)), message(f"DRD return, {first:%B %Y}.")
    span, found = data.board_headlines(backend, first, now)
    if span is None:
        return None, message(f"There is no whole month of data up to {first:%B %Y}.", "error")
    if kind == "pack_xlsx":
        body = board_pack.xlsx(first, found)
        name = f"board_pack_{first:%Y-%m}.xlsx"
    else:
        body = board_pack.page(first, found).encode()
        name = f"board_pack_{first:%Y-%m}.html"
    return dcc.send_bytes(body, name), message(f"Board pack, {first:%B %Y}.")


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.RETURNS_DOWNLOAD, "data"),
        Output(Id.RETURNS_STATUS, "children"),
        *[Input(button, "n_clicks") for button in FILES],
        State(Id.RETURNS_MONTH, "value"),
        State(Id.RETURNS_SUPPRESS, "value"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _download(*args: Any) -> tuple[Any, Any]:
        month, suppress, token = args[-3:]
        kind = FILES[Id(ctx.triggered_id)]
        sent, shown = download(backend, token, kind, month, "yes" in (suppress or []), utc_now())
        return sent or no_update, shown
