"""`d2a demo` loads its demonstration system once, and always hands out two new tokens, each
under its label: a coordinator's for the dashboard and an admin's for tokens and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from access.tokens import hash_token
from d2a.cli import app
from models import ApiToken, AuditEntry, Event
from store.database import Database
from store.settings import get_settings
from tests.conftest import make_empty_database


@pytest.fixture
def demo_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url, drop = make_empty_database(str(tmp_path))
    monkeypatch.setenv("D2A_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    drop()


def counts(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        with database.session() as session:
            events = session.scalar(select(func.count()).select_from(Event)) or 0
            tokens = session.scalar(select(func.count()).select_from(ApiToken)) or 0
    finally:
        database.dispose()
    return events, tokens


def printed_tokens(stdout: str) -> dict[str, str]:
    """{role: token} from the demo's output: each token on the line after its label."""
    lines = stdout.strip().splitlines()
    return {
        label.split(" token")[0]: token
        for label, token in zip(lines, lines[1:], strict=False)
        if label.endswith("):") and " token (" in label
    }


def test_the_demo_twice_loads_its_data_once(demo_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert first.exit_code == 0, first.output
    loaded = counts(demo_url)
    second = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert second.exit_code == 0, second.output
    assert loaded[0] > 10_000
    assert counts(demo_url) == (loaded[0], loaded[1] + 2)
    printed = printed_tokens(second.stdout)
    assert set(printed) == {"coordinator", "admin"}
    assert all(token.startswith("d2a_") for token in printed.values())
    database = Database(demo_url)
    try:
        with database.session() as session:
            roles = {
                role: session.scalar(
                    select(ApiToken.role).where(ApiToken.token_hash == hash_token(token))
                )
                for role, token in printed.items()
            }
            entries = session.execute(
                select(AuditEntry.action, AuditEntry.token_id, AuditEntry.detail).order_by(
                    AuditEntry.id
                )
            ).all()
    finally:
        database.dispose()
    assert roles == {"coordinator": "coordinator", "admin": "admin"}
    # Each run: its two tokens, then the demo itself; all by the command line.
    assert [a for a, _t, _d in entries] == ["token.create", "token.create", "demo"] * 2
    assert {t for _a, t, _d in entries} == {None}
    demos = [json.loads(d or "{}") for a, _t, d in entries if a == "demo"]
    assert [d["loaded"] for d in demos] == [True, False]
    text = " ".join(d or "" for _a, _t, d in entries)
    assert not any(token in text for token in printed.values())
