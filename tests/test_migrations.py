"""Migrations are the only way the schema is made: a round trip leaves it equal to the models."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from api import migrate
from api.database import make_engine
from tests.conftest import make_empty_database


def test_upgrade_downgrade_upgrade_and_check(tmp_path: Path) -> None:
    url, drop = make_empty_database(str(tmp_path))
    try:
        migrate.upgrade(url)
        migrate.check(url)  # raises if models and schema differ
        migrate.downgrade(url, "base")
        engine = make_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        migrate.upgrade(url)
        migrate.check(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM delay_reason").scalar() == 37
            assert conn.exec_driver_sql("SELECT count(*) FROM destination").scalar() == 10
        engine.dispose()
    finally:
        drop()


def test_reference_lists_match_the_shared_originals() -> None:
    """The copies shipped in the package are the national lists in shared/, unchanged."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "reference"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout; only the packaged copy exists")
    package = Path(__file__).resolve().parents[1] / "models" / "reference"
    for name in ("delay_reasons.csv", "destinations.csv"):
        assert (package / name).read_bytes() == (shared / name).read_bytes()
