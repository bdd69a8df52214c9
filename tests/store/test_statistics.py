"""A seed leaves PostgreSQL with planner statistics for what it loaded (store.database.
refresh_statistics); SQLite, whose queries are steered without statistics, gets none."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from seed.commands import seed_database
from seed.generate import RunSpec
from store.database import Database
from store.dialect.locks import grouped_by_hash


def test_a_seed_leaves_statistics_on_postgresql_only(db: Database) -> None:
    seed_database(db.url, RunSpec.of("small", 3, 5, date(2025, 3, 3)))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            analysed = connection.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                    " AND relname IN ('event', 'spell', 'stay', 'ready_span')"
                )
            ).scalars()
            assert sorted(analysed) == ["event", "ready_span", "spell", "stay"]
            # The planner now knows the spells are many, not the default guess for a table
            # it never looked at.
            rows = connection.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'spell'")
            ).scalar_one()
            assert rows > 100
        else:
            stat = connection.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            assert stat == 0


def test_grouping_by_hash_is_for_the_queries_inside_only(db: Database) -> None:
    """store.dialect.locks.grouped_by_hash: inside, PostgreSQL may not sort to group (the
    snapshot's stays in at two instants, misjudged as few); after, it plans as before. The
    plan of a GROUP BY shows which; SQLite is left as it is."""
    query = "SELECT unit_code, count(*) FROM stay GROUP BY unit_code"
    with db.engine.connect() as connection:
        if db.engine.dialect.name != "postgresql":
            with grouped_by_hash(connection):
                assert connection.execute(text(query)).all() == []
            return
        connection.execute(text("SET LOCAL enable_hashagg = on"))

        def plan() -> str:
            return "\n".join(connection.execute(text(f"EXPLAIN {query}")).scalars())

        connection.execute(text("SET LOCAL enable_sort = on"))
        with grouped_by_hash(connection):
            inside = plan()
            assert connection.execute(text("SHOW enable_sort")).scalar() == "off"
        assert "HashAggregate" in inside
        assert connection.execute(text("SHOW enable_sort")).scalar() == "on"
