"""The `d2a` command: database, server, tokens, demonstration data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from access import audit
from access.roles import ROLES, SCOPED_ROLES, SYSTEM_SCOPED_ROLES
from access.tokens import (
    DEFAULT_EXPIRY_DAYS,
    TokenRefused,
    create_token,
    list_tokens,
    revoke_token,
    token_state,
)
from metrics.tally import changed_from
from models.clock import to_utc_naive, utc_now
from store import migrate
from store.database import Database
from store.settings import get_settings

app = typer.Typer(help="D2A Flow: the shared record and dashboard of a discharge to assess flow.")
db_app = typer.Typer(help="The database: migrations and rebuilds.")
token_app = typer.Typer(help="API tokens.")
feed_app = typer.Typer(help="Feeds: a hospital system's HL7 v2 ADT messages over MLLP.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(feed_app, name="feed")
console = Console(stderr=True)


def _url() -> str:
    return get_settings().resolved_database_url()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations (creates the database when it does not exist)."""
    migrate.upgrade(_url(), revision)
    console.print(f"database at revision {revision}: {_safe(_url())}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "base") -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(_url(), revision)


@db_app.command("rebuild")
def db_rebuild() -> None:
    """Rebuild the derived stays and spells from the event log (the source of truth)."""
    from ledger.rebuild import rebuild_derived

    database = Database(_url())
    try:
        with database.session(write=True) as session:
            count = rebuild_derived(session, changed_from)
            audit.record_cli(session, "db.rebuild", now=utc_now(), detail={"patients": count})
    finally:
        database.dispose()
    console.print(f"rebuilt the derived tables of {count} patients from the event log")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    scope: Annotated[
        str | None,
        typer.Option(
            help="required for "
            + "; ".join(f"{role}: {what}" for role, what in SCOPED_ROLES.items())
            + "; optional for "
            + ", ".join(SYSTEM_SCOPED_ROLES)
            + ": a system (ICB code), to see only that system"
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="who or what holds it")] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(help=f"days until it expires (default {DEFAULT_EXPIRY_DAYS})"),
    ] = None,
    expires: Annotated[
        datetime | None, typer.Option(help="or an expiry, ISO 8601 (UTC if no offset)")
    ] = None,
) -> None:
    """Create a token; the token is printed as the last line (it is stored only hashed)."""
    expires_at = (
        to_utc_naive(expires if expires.tzinfo else expires.replace(tzinfo=UTC))
        if expires
        else None
    )
    database = Database(_url())
    try:
        with database.session(write=True) as session:
            now = utc_now()
            row, token = create_token(
                session,
                role=role,
                scope=scope,
                name=name,
                now=now,
                expires_at=expires_at,
                expires_days=expires_days,
            )
            detail = {"role": row.role, "scope": row.scope, "expires_at": row.expires_at}
            audit.record_cli(session, "token.create", now=now, target=str(row.id), detail=detail)
            console.print(
                f"token {row.id} for {row.name!r}, role {row.role}, scope {row.scope or '-'}, "
                f"expires {_when(row.expires_at)}"
            )
    except TokenRefused as refusal:
        console.print(f"[red]error:[/red] {refusal.field}: {refusal.message}")
        raise typer.Exit(2) from refusal
    finally:
        database.dispose()
    print(token)


@token_app.command("list")
def token_list() -> None:
    """Every token: id, name, role, scope, when made, when it expires, and whether it is live
    (never the token itself: only its hash is stored)."""
    database = Database(_url())
    try:
        with database.session() as session:
            now = utc_now()
            table = Table(title="API tokens")
            for heading in ("id", "name", "role", "scope", "created", "expires", "state"):
                table.add_column(heading, justify="right" if heading == "id" else "left")
            for row in list_tokens(session):
                table.add_row(
                    str(row.id),
                    row.name,
                    row.role,
                    row.scope or "-",
                    _when(row.created_at),
                    _when(row.expires_at),
                    token_state(row, now)
                    + (f" {_when(row.revoked_at)}" if row.revoked_at is not None else ""),
                )
    finally:
        database.dispose()
    Console().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="the token's id (d2a token list)")],
) -> None:
    """Revoke a token: it stops working at once, on the API and the dashboard."""
    database = Database(_url())
    try:
        with database.session(write=True) as session:
            now = utc_now()
            if not revoke_token(session, token_id, now):
                console.print(f"[red]error:[/red] no live token {token_id}")
                raise typer.Exit(1)
            audit.record_cli(session, "token.revoke", now=now, target=str(token_id))
    finally:
        database.dispose()
    console.print(f"token {token_id} revoked")


def _when(at: datetime | None) -> str:
    return "never" if at is None else f"{at:%Y-%m-%d %H:%M} UTC"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="server processes: more answer reads and take batches side by side on more "
            "cores (the figure tallies are then recounted by this command's own process)",
        ),
    ] = 1,
) -> None:
    """Serve the API (and the dashboard) with uvicorn."""
    import uvicorn

    from d2a.listener import run_workers
    from d2a.logs import log_config
    from d2a.server import create_app, start_refresher

    # Refused here rather than served: every request on a database without the code's schema
    # would fail (a 500), and the tally refresher with it.
    url = _url()
    problem = migrate.behind(url)
    if problem is not None:
        console.print(f"[red]error:[/red] {problem}: {_safe(url)}; run `d2a db upgrade`")
        raise typer.Exit(2)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info"}
    options["log_config"] = log_config()
    if workers == 1:
        uvicorn.run(create_app(tallies=True), **options)
        return
    # Each worker imports the application afresh; the one recount runs here, beside them.
    settings = get_settings()
    database = Database(settings.resolved_database_url())
    refresher = start_refresher(database, settings)
    try:
        run_workers("d2a.server:create_app", workers, **options)
    finally:
        if refresher is not None:
            refresher.stop()
        database.dispose()


@feed_app.command("mllp")
def feed_mllp(
    feed: Annotated[str, typer.Option(help="the registered feed's code")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 2575,
) -> None:
    """Serve one feed's HL7 v2 ADT messages over MLLP, one ACK per message (SPEC §9)."""
    import asyncio

    from feeds.listener import mllp_handler
    from feeds.mllp import serve_mllp
    from metrics.tally import changed_from

    database = Database(_url())
    try:
        handler = mllp_handler(database, feed, get_settings().pseudonym_key, changed_from)
    except LookupError as exc:
        database.dispose()
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc

    async def listen() -> None:
        server = await serve_mllp(None, host, port, batch_handler=handler)
        console.print(f"feed {feed}: MLLP on {host}:{port}")
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(listen())
    except KeyboardInterrupt:
        pass
    finally:
        database.dispose()


@app.command()
def tally() -> None:
    """Recount the figure tallies now (d2a serve also does it in the background)."""
    from metrics.catalogue import tallied_reads
    from metrics.tally import refresh
    from store.database import Database

    database = Database(_url())
    try:
        done = refresh(database.engine, tallied_reads(), database.write_engine)
    finally:
        database.dispose()
    first = f" from {done.first}" if done.first else ""
    console.print(
        f"tallies: {done.sources} sources recounted{first}, {done.rows:,} rows, "
        f"{done.seconds:.1f} s"
    )


def _safe(url: str) -> str:
    """A URL without its password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app.command("seed")
def seed_command(
    days: Annotated[int, typer.Option(help="days of activity to generate")] = 90,
    size: Annotated[str, typer.Option(help="small, medium, large or national")] = "small",
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same events")] = 1,
    start: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day (default: DAYS ago)")
    ] = None,
) -> None:
    """Generate a synthetic system and load it through the same validation as real feeds."""
    from seed.commands import SeedFailed, default_start, print_report, seed_database
    from seed.generate import RunSpec

    now = datetime.now(UTC)
    first = start.date() if start else default_start(days, now)
    try:
        spec = RunSpec.of(size, days, seed, first, end_limit=int(now.timestamp()) // 60)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"seeding {_safe(_url())}: {size}, {days} days from {first}, seed {seed}")
    asked = {"size": size, "days": days, "seed": seed, "start": first.isoformat()}
    try:
        report = seed_database(_url(), spec, console=console)
    except SeedFailed as exc:
        _audit_cli("seed", asked | {"refused": str(exc)[:500]})
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    load = report.load
    _audit_cli("seed", asked | {"accepted": load.accepted, "duplicates": load.duplicates})
    print_report(console, report)


def _audit_cli(action: str, detail: dict[str, object], target: str | None = None) -> None:
    """An audit entry of a command-line action (actor cli), in its own transaction."""
    database = Database(_url())
    try:
        with database.session(write=True) as session:
            audit.record_cli(session, action, now=utc_now(), target=target, detail=detail)
    finally:
        database.dispose()


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    size: Annotated[str, typer.Option(help="small or medium")] = "medium",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="load and stop")] = False,
) -> None:
    """Database, demonstration data (the last 15 complete months and this month so far) and
    server in one step."""
    from seed.commands import load_demo

    result = load_demo(_url(), size=size, console=console)
    console.print(f"D2A Flow: http://{host}:{port}/  (API docs at /docs); {result.events:,} events")
    # Both on stdout, each under its label; as 'Authorization: Bearer <token>' on the API.
    print("coordinator token (sign in to the dashboard; figures, patients, events):")
    print(result.coordinator_token)
    print("admin token (reference data, feeds, tokens, the audit log; no figures):")
    print(result.admin_token, flush=True)
    if not no_serve:
        serve(host=host, port=port)


if __name__ == "__main__":
    app()
