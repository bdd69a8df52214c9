"""`d2a demo` loads its demonstration system once, and always hands out an admin token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from d2a.cli import app
from models import ApiToken, Event
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


def test_the_demo_twice_loads_its_data_once(demo_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert first.exit_code == 0, first.output
    loaded = counts(demo_url)
    second = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert second.exit_code == 0, second.output
    assert loaded[0] > 10_000
    assert counts(demo_url) == (loaded[0], loaded[1] + 1)
    assert second.stdout.strip().splitlines()[-1].startswith("d2a_")
