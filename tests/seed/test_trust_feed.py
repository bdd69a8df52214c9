"""The demo trust's feeds (seed.adt_messages, seed.trust_feed, seed.trust_send): messages the
feeds' own mapping reads as the events they stand for, a stream in time order with a list
each morning, and a run sent through the feeds with nothing refused but what is meant to be."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import select

from feeds.adt import Mapped, map_adt
from feeds.config import CARE_HOME_DESTINATIONS, FeedConfig, destination_codes_from_rows
from feeds.hl7v2.messages import split_messages
from feeds.hl7v2.times import parse_time
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.readiness.position import read_position
from ledger.events import PAYLOAD
from ledger.nhs_number import identifier_is_nhs_number
from models import Event, FeedMessage
from models.clock import LONDON, local_date
from models.reference import read_reference_csv
from seed.adt_messages import AdtWriter, Movement, hl7_time, identity, nhs_number
from seed.clock import minute_of, utc_naive
from seed.commands import seed_database
from seed.generate import RunSpec, generate, plans
from seed.trust_feed import FEED_DAYS, LOUNGE, TrustFeed, nhs_codes
from store.database import Database
from store.settings import get_settings

ROWS = read_reference_csv("destinations")
CODES = nhs_codes([(r["code"], r["nhs_discharge_destination_codes"]) for r in ROWS])
FEED = FeedConfig(
    code="RH3-PAS",
    organisation_code="RH3",
    patient_id_authority="RH3",
    locations={"AMU1": "RH3-AMU1", "W01": "RH3-W01"},
    unit_settings={"RH3-AMU1": "acute", "RH3-W01": "acute"},
    destination_codes=destination_codes_from_rows(ROWS),
    care_home_source_codes=frozenset(
        code for r in ROWS if r["code"] in CARE_HOME_DESTINATIONS for code in CODES[r["code"]]
    ),
)
WHO = identity("RH3", 4321, 84, date(2025, 7, 1))
JULY = minute_of(datetime(2025, 7, 1, 9, 0, tzinfo=UTC))  # 10:00 in London


def test_nhs_shaped_numbers_pass_the_check_and_mrns_never_look_like_one() -> None:
    numbers = [nhs_number(n) for n in range(0, 60_000, 7)]
    assert all(n.startswith("999") and identifier_is_nhs_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    mrns = [identity("RH3", n, 80, date(2025, 7, 1)).mrn for n in range(0, 60_000, 7)]
    assert not any(identifier_is_nhs_number(m) for m in mrns)
    assert len(set(mrns)) == len(mrns)


def test_local_times_have_no_offset_but_in_the_hour_that_happens_twice() -> None:
    assert hl7_time(JULY) == "202507011000"
    first = minute_of(datetime(2025, 10, 26, 0, 30, tzinfo=UTC))  # 01:30 BST
    second = first + 60  # 01:30 GMT, an hour later
    assert (hl7_time(first), hl7_time(second)) == ("202510260130+0100", "202510260130+0000")
    for minute in (JULY, first, second):
        parsed = parse_time(hl7_time(minute), "EVN^1^2")
        assert isinstance(parsed, datetime)
        assert minute_of(parsed) == minute


def mapped(move: Movement, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    [received] = split_messages(AdtWriter("RH3", CODES).write(move))
    outcome = map_adt(received, FEED, history or [], now=datetime(2026, 1, 1, tzinfo=UTC))
    assert isinstance(outcome, Mapped), outcome
    assert outcome.local_id == WHO.mrn
    return outcome.event


def stored(event: dict[str, Any]) -> dict[str, Any]:
    row = {name: event.get(name) for name in PAYLOAD} | {"event_id": event["event_id"]}
    at = datetime.fromisoformat(event["occurred_at"]).astimezone(UTC).replace(tzinfo=None)
    return row | {"type": event["type"], "occurred_at": at}


def test_the_writer_s_messages_are_read_as_the_movements_they_stand_for() -> None:
    admitted = mapped(Movement("A01", JULY, WHO, "AMU1", JULY, "emergency", "care_home_return"))
    assert admitted["type"] == "admitted"
    assert (admitted["unit_code"], admitted["admission_method"]) == ("RH3-AMU1", "emergency")
    assert admitted["source"] == "care_home_return"
    assert minute_of(datetime.fromisoformat(admitted["occurred_at"])) == JULY
    history = [stored(admitted)]
    moved = mapped(Movement("A02", JULY + 300, WHO, "W01", JULY, "emergency", "usual_residence"))
    assert (moved["type"], moved["unit_code"]) == ("transferred", "RH3-W01")
    history.append(stored(moved))
    for destination, expected in (
        ("usual_residence", ("usual_residence", 0)),
        ("care_home_new", ("care_home_return", 0)),  # she came from a care home
        ("community_bed", ("unknown", 0)),  # the national list has no code for it
        ("other_hospital", ("other_hospital", 0)),
        ("died", ("died", None)),
    ):
        move = Movement("A03", JULY + 900, WHO, "W01", JULY, "emergency", "usual_residence")
        gone = mapped(replace(move, destination=destination), history)
        assert (gone["destination"], gone.get("pathway")) == expected, destination


@cache
def trust_run(days: int = 20) -> tuple[TrustFeed, list[dict[str, Any]]]:
    spec = RunSpec.of("small", days, 3, date(2025, 10, 13))
    trust = TrustFeed(plans(spec)[0], spec, b"k" * 32, CODES)
    events = [event for batch in generate(spec, trust.divert) for event in batch.events]
    return trust, events


def test_the_trust_s_patients_are_pseudonyms_and_its_last_days_are_in_time_order() -> None:
    trust, events = trust_run()
    assert trust.organisation == "RH3"
    trusts = {e["patient_id"] for e in events if e.get("unit_code", "").startswith("RH3-")}
    assert trusts and all(p.startswith("ps-") for p in trusts)
    go_live = utc_naive(trust.go_live).replace(tzinfo=UTC)
    for event in events:  # but a void of a wrong reason, which may come days later
        if event["patient_id"] in trusts and event["type"] != "void":
            assert datetime.fromisoformat(event["occurred_at"]) < go_live
    stream = trust.stream()
    assert [i.minute for i in stream.items] == sorted(i.minute for i in stream.items)
    lists = [i.minute for i in stream.items if i.kind == "list"]
    assert len(lists) == FEED_DAYS
    assert lists[0] == trust.go_live
    for minute in lists:
        local = utc_naive(minute).replace(tzinfo=UTC).astimezone(LONDON)
        assert (local.hour, local.minute) == (8, 30)  # across the clocks going back too
    adt = [i for i in stream.items if i.kind == "adt"]
    assert {i.what.trigger for i in adt} == {"A01", "A02", "A03", "A08"}
    assert all(i.minute >= trust.go_live for i in stream.items)
    assert any(i.kind == "json" for i in stream.items)
    for rows, minute in zip(stream.lists, lists, strict=True):
        assert rows, "a list of nobody"
        assert all(row.ready_date <= local_date(utc_naive(minute)) for row in rows)


def test_a_trust_sent_through_its_feeds_is_refused_only_its_discharge_lounge(
    db: Database,
) -> None:
    spec = RunSpec.of("small", 30, 5, date(2025, 3, 3))
    report = seed_database(db.url, spec, feeds=True)
    assert report.feed is not None
    load = report.feed
    assert load.messages["accepted"] > 200
    assert load.messages["ignored"] > 0 and load.messages["duplicate"] > 0
    assert (load.json_refused, load.list_warnings) == (0, 0)
    assert load.lists == {"accepted": FEED_DAYS}
    with db.session(write=True) as session:
        refusals = session.scalars(
            select(FeedMessage.reason).where(FeedMessage.outcome == "refused")
        ).all()
        assert len(refusals) == load.messages["refused"] > 0
        assert all(LOUNGE in (reason or "") for reason in refusals)
        key = pseudonym_key(session, get_settings().pseudonym_key)
        trust = TrustFeed(plans(spec)[0], spec, key, CODES)
        for _batch in generate(spec, trust.divert):
            pass
        stream = trust.stream()
        last = trust.list_minutes[-1]
        position = read_position(session, "RH3", utc_naive(last))
        ready = {p: s.ready_date for p, s in position.items() if s.ready}
        listed = {pseudonym(key, trust.feed, r.mrn): r.ready_date for r in stream.lists[-1]}
        assert listed and ready == listed
        hl7 = session.scalar(select(Event.event_id).where(Event.event_id.like("hl7:RH3-PAS:%")))
        assert hl7 is not None
