"""The command line's token commands (create with an expiry, list, revoke) and the audit of
every command that changes data or tokens (actor cli, with this host as client)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from access.tokens import verify_token
from d2a.cli import app
from models import ApiToken, AuditEntry
from models.clock import utc_now
from store.database import Database
from store.settings import get_settings


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("D2A_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _entries(db: Database) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_token_create_prints_the_token_last_and_expires_in_a_year(
    cli: CliRunner, db: Database
) -> None:
    made = cli.invoke(app, ["token", "create", "--role", "board", "--name", "Board pack"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    with db.session() as session:
        principal = verify_token(session, token, utc_now())
        [row] = session.scalars(select(ApiToken)).all()
    assert principal is not None and principal.role == "board"
    assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=365)
    [entry] = _entries(db)
    assert (entry.action, entry.token_id, entry.role) == ("token.create", None, "cli")
    assert entry.target == str(row.id) and entry.client == socket.gethostname()
    detail = entry.detail or ""
    assert token not in detail and "Board pack" not in detail  # no token, no name
    assert json.loads(detail)["role"] == "board"


def test_expires_days(cli: CliRunner, db: Database) -> None:
    made = cli.invoke(app, ["token", "create", "--role", "analyst", "--expires-days", "7"])
    assert made.exit_code == 0, made.output
    with db.session() as session:
        [row] = session.scalars(select(ApiToken)).all()
    assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=7)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "partner"], "scope"),
        (["--role", "partner", "--scope", "NOWHERE"], "scope"),
        (["--role", "feed", "--scope", "NOWHERE"], "scope"),
        (["--role", "board", "--expires", "2020-01-01T00:00:00"], "expires_at"),
        (["--role", "board", "--expires-days", "0"], "expires_days"),
        (["--role", "wizard"], "role"),
    ],
)
def test_token_create_refuses_and_stores_nothing(
    cli: CliRunner, db: Database, args: list[str], says: str
) -> None:
    refused = cli.invoke(app, ["token", "create", *args])
    assert refused.exit_code == 2
    assert f"error: {says}:" in refused.stderr
    assert "d2a_" not in refused.stdout
    with db.session() as session:
        assert session.scalars(select(ApiToken)).all() == []
    assert _entries(db) == []


def test_token_list_and_revoke(cli: CliRunner, system: Database) -> None:
    made = cli.invoke(app, ["token", "create", "--role", "partner", "--scope", "RX1"])
    token = made.stdout.strip().splitlines()[-1]
    cli.invoke(app, ["token", "create", "--role", "feed", "--scope", "RX1", "--name", "PAS"])
    listed = cli.invoke(app, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    assert "partner" in listed.stdout and "PAS" in listed.stdout and "live" in listed.stdout
    with system.session() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert token not in listed.stdout and not any(h in listed.stdout for h in hashes)
    with system.session() as session:
        first = session.scalars(select(ApiToken.id).order_by(ApiToken.id)).first()
    revoked = cli.invoke(app, ["token", "revoke", str(first)])
    assert revoked.exit_code == 0, revoked.output
    with system.session() as session:
        assert verify_token(session, token, utc_now()) is None
    assert "revoked" in cli.invoke(app, ["token", "list"]).stdout
    again = cli.invoke(app, ["token", "revoke", str(first)])
    assert again.exit_code == 1 and "no live token" in again.stderr
    actions = [(e.action, e.target) for e in _entries(system)]
    assert actions == [("token.create", "1"), ("token.create", "2"), ("token.revoke", "1")]


def test_db_rebuild_and_seed_are_audited(cli: CliRunner, db: Database) -> None:
    seeded = cli.invoke(app, ["seed", "--days", "3", "--size", "small"])
    assert seeded.exit_code == 0, seeded.output
    rebuilt = cli.invoke(app, ["db", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    entries = _entries(db)
    assert [e.action for e in entries] == ["seed", "db.rebuild"]
    assert {(e.token_id, e.role, e.client) for e in entries} == {
        (None, "cli", socket.gethostname())
    }
    seed = json.loads(entries[0].detail or "{}")
    assert seed["days"] == 3 and seed["accepted"] > 0
    assert json.loads(entries[1].detail or "{}")["patients"] > 0


def test_serve_refuses_a_database_without_the_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every request on it would fail: `d2a serve` says why and exits 2 before listening, and
    leaves no file behind."""
    missing = tmp_path / "never-made.sqlite3"
    monkeypatch.setenv("D2A_DATABASE_URL", f"sqlite:///{missing}")
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2, refused.output
    assert "there is no database file" in refused.output
    assert "run `d2a db upgrade`" in " ".join(refused.output.split())
    assert not missing.exists()
