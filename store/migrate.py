"""Runs the Alembic migrations from the installed package, for the CLI and the tests."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from store.database import make_engine, sqlite_file


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raises if the models and the migrated schema differ."""
    command.check(alembic_config(url))


def behind(url: str) -> str | None:
    """Why the database at `url` cannot be served by this code (out of reach, empty, or at a
    revision other than the migrations' head), or None when it is at the head. Opens the
    database only to read its revision: no file or table is made."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    file = sqlite_file(url)
    if file is not None and not Path(file).exists():
        # Connecting would make an empty file where there was none.
        return f"there is no database file (the migrations' head is {head})"
    engine = make_engine(url)  # the project's: its URL forms and connection settings
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:  # the driver's first line: no password in it
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"the database could not be opened ({reason})"
    finally:
        engine.dispose()
    if current == head:
        return None
    if current is None:
        return f"the database holds no schema (the migrations' head is {head})"
    return f"the database is at revision {current}, this code's migrations end at {head}"
