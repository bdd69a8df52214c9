"""Test databases: D2A_TEST_DB=sqlite (default) or postgresql; the schema comes from migrations.

A PostgreSQL run creates a fresh database on 127.0.0.1:5432 and drops it afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from access.tokens import create_token
from d2a.server import create_app
from ledger import reference
from metrics.tally import changed_from
from models.clock import utc_now
from store import migrate
from store.database import Database
from store.scratch import scratch_database
from store.settings import Settings

KEPT_TABLES = {"alembic_version", "delay_reason", "destination"}


def backend() -> str:
    return os.environ.get("D2A_TEST_DB", "sqlite")


def make_empty_database(tmp_dir: str) -> tuple[str, Callable[[], None]]:
    """A new empty database of the backend under test; returns its URL and its drop."""
    return scratch_database(backend(), tmp_dir, prefix="d2a_test")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_empty_database(str(tmp_path_factory.mktemp("db")))
    migrate.upgrade(url)
    yield url
    drop()


def _clear(database: Database) -> None:
    with database.session(write=True) as session:
        tables = [t for t in reversed(_table_order()) if t not in KEPT_TABLES]
        if database.engine.dialect.name == "postgresql":
            session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                session.execute(text(f"DELETE FROM {table}"))


def _table_order() -> list[str]:
    import models

    return [t.name for t in models.Base.metadata.sorted_tables]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    _clear(database)
    yield database
    database.dispose()


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as test_client:
        yield test_client


def token_for(db: Database, role: str, scope: str | None = None) -> dict[str, str]:
    with db.session(write=True) as session:
        _row, token = create_token(session, role=role, scope=scope, now=utc_now())
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    """Reference data, tokens, the audit log: no events, no figures, no patients."""
    return token_for(db, "admin")


@pytest.fixture
def coordinator(db: Database) -> dict[str, str]:
    """Everything but tokens and the audit log: events, figures, patients."""
    return token_for(db, "coordinator")


SYSTEM_DATA_FROM = date(2024, 1, 1)


@pytest.fixture
def system(db: Database) -> Database:
    """A small system: acute trust RX1 (wards W1, W2), community trust CP1 (home service H1,
    community beds B1), care home CH1 (care-home beds C1). Every organisation's data is complete
    from 1 Jan 2024 (`data_from`), the day its capacities start, so a day of the scenarios
    without events has figures of 0; tests/metrics/test_data_start.py tries other starts."""
    with db.session(write=True) as session:
        for code, name, kind in (
            ("RX1", "Riverside Hospital", "acute"),
            ("CP1", "Community Partnership", "community"),
            ("CH1", "Oak Care Home", "care_home"),
            ("LA1", "Shire Council", "local_authority"),
        ):
            reference.upsert_organisation(session, code, name, kind, SYSTEM_DATA_FROM)
        units = (
            ("W1", "Ward 1", "RX1", "acute", None, 20),
            ("W2", "Ward 2", "RX1", "acute", None, 20),
            ("H1", "Home reablement", "CP1", "home_service", 1, 10),
            ("B1", "Recovery beds", "CP1", "community_bed", 2, 4),
            ("C1", "Oak beds", "CH1", "care_home_bed", 3, 2),
        )
        for code, name, org, setting, pathway, capacity in units:
            fields: dict[str, object] = {
                "name": name,
                "organisation_code": org,
                "setting": setting,
                "pathway": pathway,
            }
            fields |= {"capacity": capacity, "capacity_from": date(2024, 1, 1)}
            reference.upsert_unit(session, code, fields, changed_from)
    return db
