"""Migrations are the only way the schema is made: a round trip leaves it equal to the models,
and a database holding data upgrades from any revision to what the current code would store."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import Script, ScriptDirectory
from sqlalchemy import MetaData, Table, insert, inspect, select

from models.derived import length_class
from models.reference import delay_reason_rows, destination_rows
from store import migrate
from store.database import Database, make_engine
from tests.conftest import backend, make_empty_database
from tests.migration_dataset import Dump, dump, insert_dump, store_dataset, table_names
from tests.shared_dir import shared_dir


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
    shared = shared_dir() / "reference"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout; only the packaged copy exists")
    package = Path(__file__).resolve().parents[1] / "models" / "reference"
    for name in ("delay_reasons.csv", "destinations.csv"):
        assert (package / name).read_bytes() == (shared / name).read_bytes()


def test_reference_tables_at_head_equal_the_shipped_lists(tmp_path: Path) -> None:
    """After `upgrade head` the destination and delay_reason tables hold exactly the lists the
    package ships (models/reference/*.csv): the migrations that load and later change the lists
    carry their rows frozen, so a change to a CSV without a migration that stores it fails here.
    Downgrading the last list change gives back the rows its parent revision had."""
    url, drop = make_empty_database(str(tmp_path))
    try:
        migrate.upgrade(url, LAST_LIST_CHANGE + "-1")
        before = _reference_tables(url)
        migrate.upgrade(url)
        stored = _reference_tables(url)
        assert stored["destination"] == {str(r["code"]): r for r in destination_rows()}
        assert stored["delay_reason"] == {str(r["code"]): r for r in delay_reason_rows()}
        migrate.downgrade(url, LAST_LIST_CHANGE + "-1")
        assert _reference_tables(url) == before
    finally:
        drop()


LAST_LIST_CHANGE = "1bcfa6bd3156"  # the migration that last changed a national list


def _reference_tables(url: str) -> dict[str, dict[str, dict[str, object]]]:
    """{table: {code: row}} of the two national lists as stored."""
    engine = make_engine(url)
    meta = MetaData()
    stored: dict[str, dict[str, dict[str, object]]] = {}
    with engine.connect() as conn:
        for name in ("destination", "delay_reason"):
            table = Table(name, meta, autoload_with=engine)
            rows = conn.execute(select(table)).mappings()
            stored[name] = {row["code"]: dict(row) for row in rows}
    engine.dispose()
    return stored


def test_the_length_class_migration_fills_stored_rows(tmp_path: Path) -> None:
    # Rows stored before a3f9c2e71b04 get the class ingest would give them (models.derived):
    # a stay of exactly 1 hour is class 0; 1 hour and 1 second rounds up to 2 hours, class 1;
    # 29 days 8 hours = 704 hours is class 10 (512 < 704 ≤ 1,024); an open stay is class 16.
    # A ready span of 5 hours 30 minutes (6 hours: class 3) and an open one (16).
    # (Each spell here is admitted on 10 Feb; the stays take that date as spell_admitted_date.)
    url, drop = make_empty_database(str(tmp_path))
    start = datetime(2025, 2, 10, 10, 0)
    stays = {
        0: start + timedelta(hours=1),
        1: start + timedelta(hours=1, seconds=1),
        2: start + timedelta(days=29, hours=8),
        3: None,
    }
    spans = {0: start + timedelta(hours=5, minutes=30), 1: None}
    try:
        migrate.upgrade(url, "8d41f0a6c2b9")
        engine = make_engine(url)
        meta = MetaData()
        spell, stay, span = (Table(n, meta, autoload_with=engine) for n in TABLES)
        common = {"setting": "acute", "start_at": start}
        with engine.begin() as conn:
            conn.execute(insert(spell), [SPELL | {"spell_id": f"s{n}"} for n in stays])
            conn.execute(
                insert(stay),
                [STAY | common | {"spell_id": f"s{n}", "end_at": e} for n, e in stays.items()],
            )
            conn.execute(
                insert(span),
                [
                    SPAN | common | {"spell_id": "s0", "seq": n, "end_at": e}
                    for n, e in spans.items()
                ],
            )
        engine.dispose()
        migrate.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            got: dict[str, int] = dict(
                conn.exec_driver_sql("SELECT spell_id, length_class FROM stay").all()
            )
            admitted = set(conn.exec_driver_sql("SELECT spell_admitted_date FROM stay").scalars())
            spans_got: dict[int, int] = dict(
                conn.exec_driver_sql("SELECT seq, length_class FROM ready_span").all()
            )
        engine.dispose()
        assert got == {"s0": 0, "s1": 1, "s2": 10, "s3": 16}
        assert spans_got == {0: 3, 1: 16}
        # Each stay also gets its spell's admission date (10 Feb for all four spells here).
        assert {str(d)[:10] for d in admitted} == {"2025-02-10"}
        assert got == {f"s{n}": length_class(start, e) for n, e in stays.items()}
    finally:
        drop()


TABLES = ("spell", "stay", "ready_span")
SPELL = {
    "patient_id": "p1",
    "setting": "acute",
    "admitted_at": datetime(2025, 2, 10, 10, 0),
    "admitted_date": date(2025, 2, 10),
    "first_unit_code": "W1",
    "last_unit_code": "W1",
    "organisation_code": "RX1",
}
STAY = {"seq": 0, "patient_id": "p1", "unit_code": "W1", "organisation_code": "RX1"}
SPAN = STAY | {"ready_since": datetime(2025, 2, 10, 10, 0)}


# Upgrading a populated database ---------------------------------------------------------------

# Tables the migrations fill themselves: the national lists (5b1d2c7e9a01 loads them, later
# migrations change them). A database at any revision holds the rows its migrations put there,
# never a copy of head's.
MIGRATIONS_FILL = {"delay_reason", "destination"}
# The event tally before d1b4a7560369, which recounts it from the event log per hour: a row per
# day there, which head's rows would not fit. Left out, what the migration counts is compared
# with what ingest kept.
DAILY_TALLY = {"event_tally"}
# The figure tallies' tables (8d41f0a6c2b9): a refresh's counts and the changes ingest recorded
# since. A database from before them has neither, and the migration creates them empty, which is
# right: with no tally_source row no figure reads a tally, and the first refresh counts every
# day. So from an older revision they are expected empty at head, not as in the head dump.
# Tables a migration creates empty: upgraded from before it, they hold no rows.
CREATED_EMPTY = {"figure_tally", "tally_source", "tally_change"}
CREATED_EMPTY |= {"feed", "feed_message", "deployment_secret"}
CREATED_EMPTY |= {"action", "action_version", "pathway_trigger"}
CREATED_EMPTY |= {"metric_annotation"}
CREATED_EMPTY |= {"care_system", "organisation_system"}
# 5e0c3a7b9d21: a patient's lock row is made the first time a write locks them, so a database
# upgraded from before it has none until its patients' next events (PostgreSQL only).
CREATED_EMPTY |= {"patient_lock"}
# Columns a migration adds as null for the rows already stored (9c4d7e2a6b13:
# organisation.data_from, whose null is the default, the first event's day): upgraded from
# before it, they hold null where the dataset set a value.
# c4e8a1d9b2f6: tally_change.organisation, whose null means "any organisation" (the refresh then
# recounts every organisation, as before the column).
ADDED_NULL = {"organisation": ("data_from",), "tally_change": ("organisation",)}


def _revisions_before_head() -> list[Script]:
    """Every revision but head, oldest first (the migrations form one line)."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    (head,) = scripts.get_heads()
    return [s for s in reversed(list(scripts.walk_revisions())) if s.revision != head]


def _case_id(script: Script) -> str:
    """The revision and its file's slug: 0fcf756e7f46-initial_schema."""
    dated_slug = Path(script.path).stem.removesuffix("_" + script.revision)
    slug = dated_slug.split("_", 3)[3]  # after the date, YYYY_MM_DD
    return f"{script.revision}-{slug}"


@pytest.fixture(scope="module")
def head_dump(tmp_path_factory: pytest.TempPathFactory) -> Dump:
    """Every table of a database at head that holds the dataset of tests/migration_dataset.py,
    stored through the current code: what each older revision's database should become."""
    url, drop = make_empty_database(str(tmp_path_factory.mktemp("head")))
    try:
        migrate.upgrade(url)
        database = Database(url)
        try:
            store_dataset(database)
        finally:
            database.dispose()
        return dump(url)
    finally:
        drop()


@pytest.mark.parametrize(
    "script", [pytest.param(s, id=_case_id(s)) for s in _revisions_before_head()]
)
def test_a_populated_database_upgrades_to_head(
    script: Script, head_dump: Dump, tmp_path: Path
) -> None:
    """A database at an older revision that holds events, their derived rows and tallies, and
    the reference data a system has, upgrades to head with every row as the current code would
    have stored it, and a schema equal to the models.

    The data is head's (built once by ingest), written at the revision into the tables and
    columns that exist there: so every column a later migration adds and fills (a stay's
    spell_admitted_date, the length classes) and every table it builds from stored rows
    (event_tally from the events) is compared with what ingest gives. A migration that cannot
    run on stored rows, or computes them differently, fails here; one that imports application
    code which has since changed fails too (8d2f6b3a4c21 once did: 'no such table:
    tally_change')."""
    url, drop = make_empty_database(str(tmp_path))
    try:
        migrate.upgrade(url, script.revision)
        at_revision = table_names(url)
        columns_at = _column_names(url)
        if "event" not in at_revision:
            pytest.skip(f"{script.revision} has no event log to upgrade")
        daily = "hour_at" not in columns_at.get("event_tally", {"hour_at"})
        filled = MIGRATIONS_FILL | (DAILY_TALLY if daily else set())
        written = insert_dump(url, head_dump, leave_out=filled)
        assert written == at_revision - filled
        migrate.upgrade(url)
        upgraded = dump(url).stored
        assert set(upgraded) == set(head_dump.stored)
        for table, expected in head_dump.stored.items():
            if table in CREATED_EMPTY and table not in at_revision:
                expected = {}
            for column in ADDED_NULL.get(table, ()):
                if table in at_revision and column not in columns_at[table]:
                    expected = {k: row | {column: None} for k, row in expected.items()}
            assert upgraded[table] == expected, table
        migrate.check(url)
    finally:
        drop()


def _column_names(url: str) -> dict[str, set[str]]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}
    finally:
        engine.dispose()


def test_the_upgrade_dataset_holds_every_kind_of_row(head_dump: Dump) -> None:
    """The dataset the upgrade test writes at each revision has what a live system stores (so
    a migration is tried on each): every table but the figure tallies, which only a refresh
    fills, and the patients' lock rows, which only PostgreSQL keeps, holds rows; there are
    transfers, withdrawn readiness, a void, D2A spells in an acute spell's journey, and stays
    and ready spans both closed and still open."""
    rows = {table: list(stored.values()) for table, stored in head_dump.stored.items()}
    empty = {"figure_tally", "tally_source"} | (
        {"patient_lock"} if backend() == "sqlite" else set()
    )
    assert {table for table, stored in rows.items() if not stored} == empty
    assert {"transferred", "discharged"} <= {s["ended_by"] for s in rows["stay"]}
    assert None in {s["end_at"] for s in rows["stay"]}
    assert None in {s["end_at"] for s in rows["ready_span"]}
    assert "readiness_withdrawn" in {p["ended_by"] for p in rows["readiness_period"]}
    assert "void" in {e["type"] for e in rows["event"]}
    d2a_in_journeys = [s for s in rows["spell"] if s["setting"] != "acute" and s["journey_id"]]
    assert {s["setting"] for s in d2a_in_journeys} == {
        "home_service",
        "community_bed",
        "care_home_bed",
    }
    assert len(rows["unit_capacity"]) > len(rows["unit"])  # a capacity history
    assert {str(o["data_from"]) for o in rows["organisation"]} == {"None", "2025-06-01"}


def test_behind_names_an_empty_or_older_database_and_passes_the_head(tmp_path: Path) -> None:
    """What `d2a serve` checks before serving: nothing at all, a revision short of the head,
    and the head."""
    url, drop = make_empty_database(str(tmp_path))
    try:
        head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
        # An empty SQLite database is a file not made yet; an empty PostgreSQL one is there.
        nothing = (
            "there is no database file" if backend() == "sqlite" else "the database holds no schema"
        )
        assert migrate.behind(url) == f"{nothing} (the migrations' head is {head})"
        migrate.upgrade(url, "head")
        assert migrate.behind(url) is None
        migrate.downgrade(url, "-1")
        older = migrate.behind(url)
        assert older is not None and older.startswith("the database is at revision ")
        assert older.endswith(f", this code's migrations end at {head}")
    finally:
        drop()


def test_behind_makes_no_sqlite_file_where_there_was_none(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite3"
    problem = migrate.behind(f"sqlite:///{missing}")
    assert problem is not None and problem.startswith("there is no database file")
    assert not missing.exists()


def test_behind_says_why_a_database_cannot_be_opened_without_its_password() -> None:
    problem = migrate.behind("postgresql+psycopg://d2a:s3cret-pw@127.0.0.1:1/nothing")
    assert problem is not None and problem.startswith("the database could not be opened (")
    assert "s3cret-pw" not in problem
