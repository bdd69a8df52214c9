"""Settings from the environment (prefix D2A_), read when asked for, never at import."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_FILE = "d2a.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="D2A_", extra="ignore")

    database_url: str = ""
    # A read replica of database_url (PostgreSQL streaming replication): read-only requests and
    # dashboard callbacks read from it, writes and token checks go to the primary. Unset: one
    # database does both.
    read_database_url: str = ""
    cost_per_bed_day: float | None = None
    cost_currency: str = "GBP"
    stale_after_minutes: int = 60
    wall_refresh_seconds: int = 60
    tally_refresh_seconds: float = 60  # d2a serve recounts the figure tallies this often; 0: never
    # ... once writes have settled (none since the round before), or changes have waited this long
    tally_settle_seconds: float = 300
    # The key of the pseudonyms made from feeds' local ids (SPEC §9). Unset: one is made on
    # first use and kept in the database (deployment_secret); set it from a secrets store in
    # production, so that the database alone cannot turn a local id into its pseudonym.
    pseudonym_key: str = ""
    feed_silent_after_minutes: int = 60  # a feed silent this long is shown as a warning

    def resolved_database_url(self) -> str:
        """The configured URL, or an SQLite file in the working directory when unset."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
