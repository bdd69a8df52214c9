"""A small populated database for the migration tests: what a live system stores, made once.

`store_dataset` stores, on a database at head, through the current code (as a deployment would
have stored them): organisations (one with a data_from) and units of every setting with a
capacity history, two API tokens and an audit entry, and three batches of events of six
patients, received at three different times, each batch ingested by ledger.ingest (which writes
the derived rows and the tallies); then the daily call's rows: trigger levels with a history
and two actions, one of them changed twice (`_store_daily_call`). `Dump` is every table's rows;
`insert_dump` writes them into an older schema, projected onto the tables and columns it has,
so a test can upgrade that database and compare.

The patients (times are sent with the offset the feed would use; London is on BST until
26 October 2025, when 01:00 UTC becomes 01:00 GMT):
  p1  W1 from 2 Jun 23:30 UTC (3 Jun locally), to W2; ready (P1) with a reason, pathway changed
      to P2 and a new reason; discharged to a community bed, admitted to B1 (its journey) four
      hours later; discharged home from B1.
  p2  W1; ready (P0), withdrawn, ready again (P1); discharged home, then home reablement H1,
      still open.
  p3  W2 from 30 May, ready (P3) with a reason, moved to W1 on 14 Jun; still in hospital.
  p4  W1 from 5 Jun; a discharge on 9 Jun 23:20 UTC (10 Jun locally) voided on 14 Jun (the
      void counts on 10 Jun); a late readiness of 12 Jun; still in hospital.
  p5  W2, ready (P3), discharged to a new care home, C1 the same day; died there on 26 Oct
      00:30 UTC (still BST: 01:30 locally).
  p6  W1 from 25 Oct 23:30 UTC (26 Oct locally); a readiness voided the next day; still in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, inspect

from access.audit import record
from access.tokens import create_token
from feeds.receive import receive_for
from feeds.registry import put_feed
from ledger import chart_notes, reference, triggers
from ledger.actions import ActionChange, ActionIn, change_action, create_action
from ledger.ingest import ingest
from ledger.sender import Sender
from metrics.tally import changed_from
from store.database import Database, make_engine

Row = dict[str, Any]
Key = tuple[Any, ...]
BOOKKEEPING = {"alembic_version"}  # Alembic's own: not data, never dumped

ORGANISATIONS = (
    ("RX1", "Riverside Hospital", "acute"),
    ("CP1", "Community Partnership", "community"),
    ("CH1", "Oak Care Home", "care_home"),
    ("LA1", "Shire Council", "local_authority"),
)
# The organisations whose data_from is set (the others keep the default, their first event).
DATA_FROM = {"CP1": date(2025, 6, 1)}
# code, name, organisation, setting, pathway, [(capacity, from)]
UNITS = (
    ("W1", "Ward 1", "RX1", "acute", None, [(20, date(2025, 1, 1)), (24, date(2025, 9, 1))]),
    ("W2", "Ward 2", "RX1", "acute", None, [(18, date(2025, 1, 1))]),
    ("H1", "Home reablement", "CP1", "home_service", 1, [(10, date(2025, 1, 1))]),
    ("B1", "Recovery beds", "CP1", "community_bed", 2, [(4, date(2025, 1, 1))]),
    ("C1", "Oak beds", "CH1", "care_home_bed", 3, [(2, date(2025, 1, 1))]),
)


def _event(event_id: str, type_: str, at: str, **payload: Any) -> Row:
    """An event as a feed sends it; the patient is the event id's prefix (p1-3: p1)."""
    patient = event_id.split("-")[0]
    return {
        "event_id": event_id,
        "type": type_,
        "patient_id": patient,
        "occurred_at": at,
        **payload,
    }


def _batches() -> list[tuple[datetime, list[Row]]]:
    """The events as the feeds sent them: (received at, batch)."""
    e = _event
    first = [
        e(
            "p1-1",
            "admitted",
            "2025-06-02T23:30:00+00:00",
            unit_code="W1",
            age=81,
            local_authority="LA1",
            admission_method="emergency",
            source="usual_residence",
        ),
        e("p1-2", "transferred", "2025-06-04T10:00:00+01:00", unit_code="W2"),
        e("p1-3", "discharge_ready", "2025-06-05T09:00:00+01:00", pathway=1),
        e("p1-4", "delay_reason", "2025-06-05T10:00:00+01:00", reason_code="T2"),
        e("p1-5", "pathway_changed", "2025-06-06T11:00:00+01:00", pathway=2),
        e("p1-6", "delay_reason", "2025-06-06T12:00:00+01:00", reason_code="I1"),
        e(
            "p1-7",
            "discharged",
            "2025-06-08T11:00:00+01:00",
            destination="community_bed",
            pathway=2,
        ),
        e("p1-8", "admitted", "2025-06-08T15:00:00+01:00", unit_code="B1"),
        e(
            "p2-1",
            "admitted",
            "2025-06-03T08:00:00+01:00",
            unit_code="W1",
            age=67,
            local_authority="LA1",
            admission_method="elective",
        ),
        e("p2-2", "discharge_ready", "2025-06-04T16:00:00+01:00", pathway=0),
        e("p2-3", "readiness_withdrawn", "2025-06-05T08:00:00+01:00"),
        e("p2-4", "discharge_ready", "2025-06-07T09:00:00+01:00", pathway=1),
        e(
            "p2-5",
            "discharged",
            "2025-06-09T10:00:00+01:00",
            destination="usual_residence",
            pathway=1,
        ),
        e("p2-6", "admitted", "2025-06-09T14:00:00+01:00", unit_code="H1"),
        e(
            "p3-1",
            "admitted",
            "2025-05-30T22:15:00+00:00",
            unit_code="W2",
            age=90,
            admission_method="emergency",
            source="care_home_return",
        ),
        e("p3-2", "discharge_ready", "2025-06-02T10:00:00+01:00", pathway=3),
        e("p3-3", "delay_reason", "2025-06-02T11:00:00+01:00", reason_code="C5"),
        e("p4-1", "admitted", "2025-06-05T12:00:00+01:00", unit_code="W1", age=55),
        e("p4-2", "discharged", "2025-06-09T23:20:00+00:00", destination="died"),
    ]
    second = [
        e(
            "p4-3",
            "void",
            "2025-06-14T09:00:00+01:00",
            voids_event_id="p4-2",
            note="sent for the wrong patient",
        ),
        e("p4-4", "discharge_ready", "2025-06-12T10:00:00+01:00", pathway=1),
        e("p1-9", "discharged", "2025-06-14T10:00:00+01:00", destination="usual_residence"),
        e(
            "p5-1",
            "admitted",
            "2025-06-10T08:00:00+01:00",
            unit_code="W2",
            age=88,
            local_authority="LA1",
            admission_method="emergency",
        ),
        e("p5-2", "discharge_ready", "2025-06-11T09:30:00+01:00", pathway=3),
        e(
            "p5-3",
            "discharged",
            "2025-06-13T11:00:00+01:00",
            destination="care_home_new",
            pathway=3,
        ),
        e("p5-4", "admitted", "2025-06-13T15:00:00+01:00", unit_code="C1"),
        e("p3-4", "transferred", "2025-06-14T23:40:00+00:00", unit_code="W1"),
    ]
    third = [
        e("p5-5", "discharged", "2025-10-26T01:30:00+01:00", destination="died"),
        e(
            "p6-1",
            "admitted",
            "2025-10-25T23:30:00+00:00",
            unit_code="W1",
            age=72,
            admission_method="other",
        ),
        e("p6-2", "discharge_ready", "2025-10-26T09:00:00+00:00"),
        e("p6-3", "void", "2025-10-27T10:00:00+00:00", voids_event_id="p6-2"),
    ]
    return [
        (datetime(2025, 6, 10, 12, 0, 0, 250000), first),
        (datetime(2025, 6, 15, 9, 0), second),
        (datetime(2025, 10, 27, 12, 0), third),
    ]


def store_dataset(database: Database) -> None:
    """Stores the reference data, the access rows and the events (module text)."""
    with database.session(write=True) as session:
        assert reference.upsert_system(session, "QE1", "Lancashire and South Cumbria ICB")
        assert reference.upsert_system(session, "QYG", "Cheshire and Merseyside ICB")
        for code, name, kind in ORGANISATIONS:
            reference.upsert_organisation(session, code, name, kind, DATA_FROM.get(code))
            reference.set_organisation_system(session, code, "QE1", date(2024, 4, 1))
        # One organisation moves to another system: a history of two rows.
        reference.set_organisation_system(session, ORGANISATIONS[0][0], "QYG", date(2025, 7, 1))
        for code, name, org, setting, pathway, capacities in UNITS:
            fields: Row = {"name": name, "organisation_code": org, "setting": setting}
            for capacity, start in capacities:
                fields |= {"pathway": pathway, "capacity": capacity, "capacity_from": start}
                assert not reference.upsert_unit(session, code, fields, changed_from).problems
        issued = datetime(2025, 5, 1, 9, 0)
        create_token(session, role="admin", now=issued, name="ops")
        create_token(session, role="coordinator", scope="QE1", now=issued, name="QE1 hub")
        create_token(
            session, role="partner", scope="LA1", now=issued, expires_at=datetime(2026, 5, 1)
        )
        detail = {"scope": "LA1"}
        record(session, None, "token.create", now=issued, target="partner", detail=detail)
    for received_at, batch in _batches():
        with database.session(write=True) as session:
            result = ingest(session, batch, now=received_at, changes=changed_from)
            assert result.accepted == len(batch)
    _store_feed(database)
    _store_daily_call(database)
    _store_annotations(database)


ADT = (
    "MSH|^~\\&|PAS|RX1|D2AFLOW|ICB|{at}||ADT^{trigger}^ADT_A01|{control}|P|2.5\r"
    "EVN|{trigger}|{at}\rPID|1||MRN77^^^RX1^MR\rPV1|1|I|WARD1^B1^1^RX1"
)


def _store_feed(database: Database) -> None:
    """A feed of RX1, one message stored through it (a pseudonymous patient), one ignored and
    one refused: the feed, feed_message and deployment_secret tables hold rows."""
    with database.session(write=True) as session:
        feed = {"name": "Riverside PAS", "organisation_code": "RX1", "patient_id_authority": "RX1"}
        feed["locations"] = {"WARD1": "W1"}  # type: ignore[assignment]
        assert not put_feed(session, "PAS", feed, datetime(2025, 6, 1)).problems
        body = "\r".join(
            ADT.format(at=at, trigger=trigger, control=control)
            for at, trigger, control in (
                ("202506011000", "A01", "H1"),
                ("202506011100", "A08", "H2"),
                ("202506011200", "A01", "H3"),  # a second admission while the first is open
            )
        )
        answer = receive_for(
            session,
            "PAS",
            body,
            now=datetime(2025, 6, 1, 13, 0),
            changes=changed_from,
            sender=Sender(organisation="RX1"),
            configured_key="",
        )
        assert [r.outcome for r in answer.results] == ["accepted", "ignored", "refused"]


def _store_daily_call(database: Database) -> None:
    """The daily call's tables: pathway 2's trigger levels changed once (a history), and two
    actions, one about p3 changed twice (escalated, then handed to CH1 and done) and one
    about no patient, still open."""
    with database.session(write=True) as session:
        for pressure, escalation, start in ((0, 3, date(2025, 1, 1)), (1, 4, date(2025, 9, 1))):
            levels = triggers.TriggerIn(
                pressure=pressure, escalation=escalation, effective_from=start
            )
            triggers.set_levels(session, 2, levels, datetime(2025, 6, 1, 8, 0))
        made = datetime(2025, 6, 16, 9, 0)
        about_p3 = ActionIn(
            patient_id="p3", organisation_code="CP1", title="Find a P3 bed", due=date(2025, 6, 17)
        )
        first = create_action(session, about_p3, now=made, by=None, owner=None).action
        for hours, change in (
            (2, ActionChange(status="escalated", note="No bed before Friday")),
            (30, ActionChange(status="done", organisation_code="CH1")),
        ):
            at = made + timedelta(hours=hours)
            change_action(session, first["id"], change, now=at, by=None, owner=None)
        other = ActionIn(organisation_code="RX1", title="Ward 1 board round", due=date(2025, 6, 18))
        create_action(session, other, now=made, by=None, owner=None)


def _store_annotations(database: Database) -> None:
    """A chart's annotations with a history: a rebase set, its text replaced, and a note
    set and removed."""
    with database.session(write=True) as session:
        at = datetime(2025, 7, 1, 9, 0)
        for hours, day, text, rebase in (
            (0, date(2025, 6, 2), "Discharge hub opened", True),
            (1, date(2025, 6, 2), "Discharge hub opened on ward 1", True),
            (2, date(2025, 6, 9), "Half term", False),
        ):
            body = chart_notes.AnnotationIn(day=day, text=text, rebase=rebase)
            chart_notes.put_annotation(
                session, "home_first_rate", body, at + timedelta(hours=hours), None
            )
        chart_notes.remove_annotation(
            session, "home_first_rate", date(2025, 6, 9), at + timedelta(hours=3), None
        )


@dataclass(frozen=True)
class Dump:
    """Every table's rows (but Alembic's), twice: `rows` as SQLAlchemy reads them (Python values,
    to write into another database), and `stored` as the database driver returns them, keyed by
    primary key, to compare: on SQLite that is the stored text of each date and time, so a
    migration that wrote a time in another form (which SQLite compares as text) differs."""

    rows: dict[str, list[Row]]
    stored: dict[str, dict[Key, Row]]


def dump(url: str) -> Dump:
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        tables = [t for t in meta.sorted_tables if t.name not in BOOKKEEPING]
        rows: dict[str, list[Row]] = {}
        stored: dict[str, dict[Key, Row]] = {}
        quote = engine.dialect.identifier_preparer.quote
        with engine.connect() as conn:
            for table in tables:
                rows[table.name] = [dict(r) for r in conn.execute(table.select()).mappings()]
                names = [c.name for c in table.columns]
                key = [names.index(c.name) for c in table.primary_key.columns]
                listed = ", ".join(quote(n) for n in names)
                result = conn.exec_driver_sql(f"SELECT {listed} FROM {quote(table.name)}")
                stored[table.name] = {
                    tuple(r[i] for i in key): dict(zip(names, r, strict=True)) for r in result
                }
        return Dump(rows, stored)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    """The data tables of the database at `url`."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - BOOKKEEPING
    finally:
        engine.dispose()


def insert_dump(url: str, source: Dump, leave_out: set[str]) -> set[str]:
    """Writes `source`'s rows into the database at `url`, into each table it has but those in
    `leave_out`, each row projected onto the table's columns there (in foreign-key order).
    Returns the tables written."""
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        written = set()
        with engine.begin() as conn:
            for table in meta.sorted_tables:
                if table.name in BOOKKEEPING | leave_out or table.name not in source.rows:
                    continue
                rows = [
                    {c.name: row[c.name] for c in table.columns} for row in source.rows[table.name]
                ]
                if rows:
                    conn.execute(table.insert(), rows)
                written.add(table.name)
        return written
    finally:
        engine.dispose()
