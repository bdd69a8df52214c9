"""A server process leaves what start-up made out of the cyclic collector's passes
(d2a.server._freeze_start_up): an application that opens its own database freezes it; one
given a database (as every test's is) does not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from d2a.server import create_app
from store.database import Database
from store.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # what a test froze goes back to the collector


def test_an_application_opening_its_own_database_freezes_start_up(
    unfrozen: None, database_url: str
) -> None:
    assert gc.get_freeze_count() == 0
    app = create_app(Settings(database_url=database_url, tally_refresh_seconds=0))
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert gc.get_freeze_count() > 0


def test_an_application_given_a_database_freezes_nothing(unfrozen: None, db: Database) -> None:
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert gc.get_freeze_count() == 0
