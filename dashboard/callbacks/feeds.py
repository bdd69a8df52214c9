"""Feeds: the feeds' health and last refusals (feeds:manage: admin, coordinator), and the
readiness list upload (events:write), which takes POST /api/v1/feeds/{code}/readiness's own
path: a dry run first, then, only after a dry run without errors, the same file stored at the
same instant. Every callback checks the token."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update

from access.principal import Principal
from access.roles import roles_holding
from dashboard import data
from dashboard.access import allowed, client_address, principal_for
from dashboard.components import duration, message, uk_time
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages import feeds as page
from feeds.readiness.plan import KINDS
from feeds.readiness.receive import ListOutcome
from feeds.readiness.sheet import XLSX_MEDIA
from feeds.readiness.upload import ListRequest
from feeds.receive import NotYourFeed, UnknownFeed
from ledger.ingest import FUTURE_TOLERANCE
from models.clock import LONDON, day_out_of_range, instant_out_of_range, to_utc_naive, utc_now

SIGN_IN_FIRST = "Sign in with a token to see the feeds."
TIME = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
DATA_URL = re.compile(r"^data:([^;,]*)(?:;[^,]*)?,(.*)$", re.DOTALL)
OUTCOMES = ("accepted", "duplicate", "ignored", "refused")
NO_VALUE = "–"


def not_for_role(role: str) -> str:
    """Why a signed-in role sees no feeds (the shell's note on /feeds)."""
    return f"The {role} role does not see feeds: {_the_roles(roles_holding('feeds:manage'))}."


def _the_roles(roles: list[str]) -> str:
    """'the admin and coordinator roles do', 'the coordinator role does'."""
    if len(roles) == 1:
        return f"the {roles[0]} role does"
    return f"the {', '.join(roles[:-1])} and {roles[-1]} roles do"


# The feeds and their health -------------------------------------------------------------------


def overview(backend: Backend, token: str | None, now: datetime) -> tuple[Any, Any, list[Any]]:
    """The status line, the table of every feed and the options of the refusals' chooser."""
    if allowed(backend, token, now, "feeds:manage") is None:
        return message(SIGN_IN_FIRST), None, []
    found = data.feeds(backend, now)
    if not found:
        return message("No feed is registered yet (PUT /api/v1/feeds/{code}, admin)."), None, []
    silent = sum(1 for f in found if f["health"]["silent"])
    said = f"{len(found)} feed{'s' if len(found) != 1 else ''}; "
    if silent:
        said += f"{silent} silent for longer than {'its' if silent == 1 else 'their'} limit"
    else:
        said += "none silent"
    status = message(
        f"{said}. Today's counts are of messages since midnight, UK time. Updated {uk_time(now)}.",
        "warning" if silent else "info",
    )
    rows = [_feed_row(f, now) for f in found]
    table = page.table(
        "Every feed: when it last sent, whether it has gone silent, and what today's messages "
        "came to",
        [
            "Feed",
            "Organisation",
            "Last message",
            "State",
            "Accepted today",
            "Duplicate today",
            "Ignored today",
            "Refused today",
        ],
        rows,
        row_classes=["feed-silent" if f["health"]["silent"] else "" for f in found],
        numeric=(4, 5, 6, 7),
        first_is_header=True,
        name="feeds-table",
    )
    options = [{"label": f"{f['name']} ({f['code']})", "value": f["code"]} for f in found]
    return status, page.scrolling("Feeds", table), options


def _feed_row(feed: dict[str, Any], now: datetime) -> list[Any]:
    health = feed["health"]
    last = _instant(health["last_message_at"])
    limit = health["silent_after_minutes"]
    if not health["silent"]:
        state: Any = html.Span(f"Receiving (silent after {duration(limit)})", className="state-ok")
    else:
        since = (
            "nothing received yet"
            if last is None
            else f"nothing for {duration(int((now - last).total_seconds() // 60))}"
        )
        said = f": {since} (limit {duration(limit)})"
        state = html.Span([html.Strong("Silent", className="state-silent"), said])
    today = health["today"]
    return [
        html.Span([feed["name"], html.Br(), html.Span(feed["code"], className="code")]),
        feed["organisation_name"],
        uk_time(last) if last else "never",
        state,
        *(f"{today[outcome]:,}" for outcome in OUTCOMES),
    ]


def last_refusals(backend: Backend, token: str | None, code: str | None, now: datetime) -> Any:
    """The chosen feed's last 20 refusals: time, kind, message id, field and reason."""
    if allowed(backend, token, now, "feeds:manage") is None:
        return message(SIGN_IN_FIRST)
    if not code:
        return message("Choose a feed to see its refusals.")
    found = data.feeds(backend, now, code)
    if not found:
        return message(f"There is no feed {code}.", "error")
    feed = found[0]
    refused = feed["health"]["last_refusals"]
    if not refused:
        return message(f"{feed['name']} has refused nothing.")
    rows = [
        [
            uk_time(when) if (when := _instant(r["received_at"])) else NO_VALUE,
            r["kind"],
            r["message_id"] or NO_VALUE,
            r["field"] or NO_VALUE,
            r["reason"] or NO_VALUE,
        ]
        for r in refused
    ]
    caption = (
        f"The last refusal of {feed['name']}"
        if len(rows) == 1
        else f"The last {len(rows)} refusals of {feed['name']}, latest first"
    )
    headers = ["Received", "Kind", "Message id", "Field", "Reason"]
    return page.scrolling("Refusals", page.table(caption, headers, rows))


def _instant(text: str | None) -> datetime | None:
    """An answer's UTC time (ISO 8601 with its offset) as naive UTC."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


# The readiness list upload ---------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """What the upload form holds: the feed, the file (dcc.Upload's data URL and name), and
    the "as at" UK local date and time."""

    feed: str | None
    contents: str | None
    filename: str | None
    day: str | None
    clock: str | None


@dataclass
class Step:
    """What the page shows after a step: the result, whether the store button is hidden, the
    checked list (feed, instant, file digest) the store button will store, and a mark that
    something was stored (the feeds table reads it again)."""

    result: Any
    store_hidden: bool = True
    checked: dict[str, Any] | None = None
    stored: Any = field(default=no_update)

    def outputs(self) -> tuple[Any, ...]:
        return self.result, self.store_hidden, self.checked, self.stored


class Unusable(ValueError):
    """The form cannot be sent as it is; the text is a sentence for the page."""


def upload_form(backend: Backend, token: str | None, now: datetime) -> tuple[list[Any], bool, str]:
    """The feeds a role that sends events may send a list for, whether the form is hidden, and
    the note instead of it."""
    principal = principal_for(backend, token, now)
    if principal is None:
        return [], True, SIGN_IN_FIRST
    if allowed(backend, token, now, "events:write") is None:
        people = [r for r in roles_holding("events:write") if r != "feed"]  # the page is for people
        note = f"The {principal.role} role does not send readiness lists: {_the_roles(people)}."
        return [], True, note
    options = [
        {"label": f"{f['name']} ({f['organisation_name']})", "value": f["code"]}
        for f in data.feeds(backend, now)
        if principal.role != "feed" or f["organisation_code"] == principal.scope
    ]
    return options, False, ""


def as_of(day: str | None, clock: str | None, now: datetime) -> datetime:
    """The UK local date and HH:MM as an aware instant in UK time (its offset the one in force
    then). Raises Unusable when it is no instant, outside the calendar or in the future (more
    than the 5 minutes the API allows)."""
    if not day:
        raise Unusable("Choose the date the list is as at.")
    try:
        asked = date.fromisoformat(day[:10])
    except ValueError as error:
        raise Unusable(f"{day!r} is not a date: choose one from the calendar.") from error
    problem = day_out_of_range(asked)
    if problem:
        raise Unusable(f"The list cannot be as at {asked.isoformat()}: it {problem}.")
    match = TIME.match(clock or "")
    if match is None:
        raise Unusable(f"{clock or ''!r} is not a time: write it as HH:MM, e.g. 09:30.")
    at = datetime.combine(asked, time(int(match[1]), int(match[2])), tzinfo=LONDON)
    problem = instant_out_of_range(at)
    if problem:
        raise Unusable(f"The list cannot be as at {at.isoformat()}: it {problem}.")
    if to_utc_naive(at) > now + FUTURE_TOLERANCE:
        raise Unusable(f"{_local(at)} is in the future: a list is as at a moment that has come.")
    return at


def _body(upload: Upload) -> tuple[bytes, str]:
    """The file's bytes and its media type: by its name (.csv, .xlsx), else as the browser
    said (the sheet reader looks at the bytes first anyway)."""
    if not upload.contents:
        raise Unusable("Choose the list's file (CSV or XLSX).")
    found = DATA_URL.match(upload.contents)
    if found is None:
        raise Unusable("The file could not be read: choose it again.")
    try:
        body = base64.b64decode(found[2], validate=True)
    except (binascii.Error, ValueError) as error:
        raise Unusable("The file could not be read: choose it again.") from error
    name = (upload.filename or "").lower()
    if name.endswith(".xlsx"):
        return body, XLSX_MEDIA
    if name.endswith(".csv"):
        return body, "text/csv"
    return body, found[1]


def _request(
    backend: Backend, upload: Upload, at: datetime, dry_run: bool
) -> tuple[ListRequest, str]:
    """The API's request for this form, and the file's digest."""
    if not upload.feed:
        raise Unusable("Choose the feed the list is for.")
    body, media = _body(upload)
    asked = ListRequest(
        code=upload.feed,
        body=body,
        media_type=media,
        as_of=to_utc_naive(at),
        dry_run=dry_run,
        configured_key=backend.settings.pseudonym_key,
        client=client_address(),
        via="dashboard",
    )
    return asked, hashlib.sha256(body).hexdigest()


def _send(backend: Backend, principal: Principal, asked: ListRequest, now: datetime) -> Any:
    """The list through the API's path: its outcome, or a sentence for the page."""
    try:
        return data.readiness_upload(backend, principal, asked, now)
    except (UnknownFeed, NotYourFeed) as error:
        raise Unusable(f"{error}.") from error


def dry_run(backend: Backend, token: str | None, upload: Upload, now: datetime) -> Step:
    """Checks the list and compares it with the record, as ?dry_run=true does: what would
    change, or every bad row. Nothing is stored; the store button shows only when all is well."""
    principal = allowed(backend, token, now, "events:write")
    if principal is None:
        return Step(message("Sign in as a coordinator to send a readiness list.", "error"))
    try:
        at = as_of(upload.day, upload.clock, now)
        asked, digest = _request(backend, upload, at, dry_run=True)
        outcome = _send(backend, principal, asked, now)
    except Unusable as error:
        return Step(message(str(error), "error"))
    if outcome.status != 200:
        return Step(_refused(outcome, at))
    checked = {
        "feed": asked.code,
        "as_of": at.isoformat(),
        "digest": digest,
        "filename": upload.filename,
    }
    return Step(_answer(outcome, at, stored=False), store_hidden=False, checked=checked)


def store(
    backend: Backend,
    token: str | None,
    upload: Upload,
    checked: dict[str, Any] | None,
    now: datetime,
) -> Step:
    """Stores the list the dry run checked: the same feed and file, at the same instant."""
    principal = allowed(backend, token, now, "events:write")
    if principal is None:
        return Step(message("Sign in as a coordinator to send a readiness list.", "error"))
    if not checked:
        return Step(message("Check the list (dry run) before storing it.", "error"))
    try:
        at = datetime.fromisoformat(str(checked["as_of"]))
        asked, digest = _request(backend, upload, at, dry_run=False)
        if (asked.code, digest) != (checked["feed"], checked["digest"]):
            raise Unusable("The feed or the file changed since the check: check it again.")
        outcome = _send(backend, principal, asked, now)
    except (Unusable, KeyError, ValueError) as error:
        text = str(error) if isinstance(error, Unusable) else "Check the list again."
        return Step(message(text, "error"))
    if outcome.status != 200:
        return Step(_refused(outcome, at), stored=now.isoformat())
    return Step(_answer(outcome, at, stored=True), stored=now.isoformat())


def changed(upload: Upload) -> Step:
    """The form changed: any earlier check no longer holds."""
    if upload.contents:
        return Step(message(f"{upload.filename or 'The file'} chosen: check it (dry run)."))
    return Step(None)


def _local(at: datetime) -> str:
    """An aware instant as UK time, and as the instant with its offset."""
    local = at.astimezone(LONDON)
    return f"{uk_time(to_utc_naive(local))} ({local.isoformat()})"


def _answer(outcome: ListOutcome, at: datetime, *, stored: bool) -> html.Div:
    """The counts, the changes and the warnings of a list: to be stored, or stored."""
    answer = outcome.answer()
    counts = answer["counts"]
    total = sum(counts.values())
    if stored:
        said = f"Stored {total:,} change{'s' if total != 1 else ''}"
    else:
        said = f"Dry run: {total:,} change{'s' if total != 1 else ''} would be stored"
    said += f" from {answer['listed']:,} listed, as at {_local(at)}."
    if not stored:
        said += " Nothing has been stored yet." if total else " Nothing would change."
    parts: list[Any] = [message(said, "success" if stored else "info")]
    parts.append(
        page.table(
            "Changes by kind",
            ["Change", "Events"],
            [[page.CHANGE_LABELS[k], f"{counts[k]:,}"] for k in KINDS],
            numeric=(1,),
            first_is_header=True,
        )
    )
    changes = [
        [
            NO_VALUE if c["row"] is None else str(c["row"]),
            c["patient_id"],
            page.CHANGE_LABELS.get(c["change"], c["change"]),
            _value(c["from"]),
            _value(c["to"]),
        ]
        for c in answer["changes"]
    ]
    if changes:
        parts.append(
            page.scrolling(
                "Changes",
                page.table(
                    "The changes, by the list's row (a withdrawal is of someone not listed)",
                    ["Row", "Patient id", "Change", "From", "To"],
                    changes,
                ),
            )
        )
    warnings = [[str(w["row"]), w["message"]] for w in answer["warnings"]]
    if warnings:
        parts.append(
            page.scrolling(
                "Warnings",
                page.table("Warnings (they do not stop the list)", ["Row", "Warning"], warnings),
            )
        )
    return html.Div(parts, className="upload-answer")


def _refused(outcome: ListOutcome, at: datetime) -> html.Div:
    """Every problem of every row: nothing stored."""
    errors = outcome.refusal()
    count = len(errors)
    said = (
        f"The list was refused with {count} problem{'s' if count != 1 else ''}, as at "
        f"{_local(at)}: nothing was stored. Correct the file and check it again."
    )
    rows = [
        [
            "whole list" if e["row"] is None else str(e["row"]),
            e["column"] or NO_VALUE,
            e["message"],
        ]
        for e in errors
    ]
    table = page.table("Every problem, by row", ["Row", "Column", "Problem"], rows)
    return html.Div(
        [message(said, "error"), page.scrolling("Problems", table)], className="upload-answer"
    )


def _value(value: Any) -> str:
    return NO_VALUE if value is None else str(value)


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.FEEDS_STATUS, "children"),
        Output(Id.FEEDS_TABLE, "children"),
        Output(Id.FEEDS_REFUSALS_FEED, "options"),
        Input(Id.FEEDS_REFRESH, "n_intervals"),
        Input(Id.FEEDS_STORED, "data"),
        State(Id.TOKEN, "data"),
    )
    def _overview(_n: Any, _stored: Any, token: str | None) -> tuple[Any, Any, list[Any]]:
        return overview(backend, token, utc_now())

    @app.callback(
        Output(Id.FEEDS_REFUSALS_FEED, "value"),
        Input(Id.FEEDS_REFUSALS_FEED, "options"),
        State(Id.FEEDS_REFUSALS_FEED, "value"),
    )
    def _first(options: list[dict[str, str]] | None, value: str | None) -> str | None:
        values = [o["value"] for o in options or []]
        return value if value in values else (values[0] if values else None)

    @app.callback(
        Output(Id.FEEDS_REFUSALS, "children"),
        Input(Id.FEEDS_REFUSALS_FEED, "value"),
        Input(Id.FEEDS_REFRESH, "n_intervals"),
        Input(Id.FEEDS_STORED, "data"),
        State(Id.TOKEN, "data"),
    )
    def _refusals(code: str | None, _n: Any, _stored: Any, token: str | None) -> Any:
        return last_refusals(backend, token, code, utc_now())

    @app.callback(
        Output(Id.FEEDS_UPLOAD_FEED, "options"),
        Output(Id.FEEDS_UPLOAD_BLOCK, "hidden"),
        Output(Id.FEEDS_UPLOAD_NOTE, "children"),
        Input(Id.FEEDS_REFRESH, "n_intervals"),
        State(Id.TOKEN, "data"),
    )
    def _form(_n: Any, token: str | None) -> tuple[list[Any], bool, str]:
        return upload_form(backend, token, utc_now())

    @app.callback(
        Output(Id.FEEDS_UPLOAD_FILE, "children"),
        Input(Id.FEEDS_UPLOAD, "filename"),
    )
    def _file(filename: str | None) -> str:
        return f"Chosen: {filename}" if filename else "No file chosen"

    @app.callback(
        Output(Id.FEEDS_RESULT, "children"),
        Output(Id.FEEDS_STORE, "hidden"),
        Output(Id.FEEDS_CHECKED, "data"),
        Output(Id.FEEDS_STORED, "data"),
        Input(Id.FEEDS_CHECK, "n_clicks"),
        Input(Id.FEEDS_STORE, "n_clicks"),
        Input(Id.FEEDS_UPLOAD, "contents"),
        Input(Id.FEEDS_UPLOAD_FEED, "value"),
        Input(Id.FEEDS_AS_OF_DATE, "date"),
        Input(Id.FEEDS_AS_OF_TIME, "value"),
        State(Id.FEEDS_UPLOAD, "filename"),
        State(Id.FEEDS_CHECKED, "data"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _upload(
        _check: Any,
        _store: Any,
        contents: str | None,
        feed: str | None,
        day: str | None,
        clock: str | None,
        filename: str | None,
        checked: dict[str, Any] | None,
        token: str | None,
    ) -> tuple[Any, ...]:
        form = Upload(feed, contents, filename, day, clock)
        if ctx.triggered_id == Id.FEEDS_CHECK:
            return dry_run(backend, token, form, utc_now()).outputs()
        if ctx.triggered_id == Id.FEEDS_STORE:
            return store(backend, token, form, checked, utc_now()).outputs()
        return changed(form).outputs()
