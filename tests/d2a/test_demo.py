"""`d2a demo` loads its demonstration system once, and always hands out two new tokens, each
under its label: a coordinator's for the dashboard and an admin's for tokens and the audit log.
Its feeds are live: one trust's last days arrived as HL7 v2 messages and readiness lists,
and nothing of the messages' identifiers is stored."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from access.tokens import hash_token
from d2a.cli import app
from d2a.server import create_app
from feeds.config import FeedConfig
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.readiness.receive import ListOutcome
from feeds.receive import Answered
from ledger import reference
from metrics import compute
from models import ApiToken, AuditEntry, Event, Spell
from models.clock import local_date, utc_now
from models.reference import D2A_SETTINGS
from seed import trust_send
from seed.commands import demo_start
from store.database import Database
from store.settings import Settings, get_settings
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


def printed_tokens(stdout: str) -> dict[str, str]:
    """{role: token} from the demo's output: each token on the line after its label."""
    lines = stdout.strip().splitlines()
    return {
        label.split(" token")[0]: token
        for label, token in zip(lines, lines[1:], strict=False)
        if label.endswith("):") and " token (" in label
    }


def test_the_demo_twice_loads_its_data_once(demo_url: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert first.exit_code == 0, first.output
    loaded = counts(demo_url)
    second = runner.invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert second.exit_code == 0, second.output
    assert loaded[0] > 10_000
    assert counts(demo_url) == (loaded[0], loaded[1] + 2)
    printed = printed_tokens(second.stdout)
    assert set(printed) == {"coordinator", "admin"}
    assert all(token.startswith("d2a_") for token in printed.values())
    database = Database(demo_url)
    try:
        with database.session() as session:
            roles = {
                role: session.scalar(
                    select(ApiToken.role).where(ApiToken.token_hash == hash_token(token))
                )
                for role, token in printed.items()
            }
            entries = session.execute(
                select(AuditEntry.action, AuditEntry.token_id, AuditEntry.detail).order_by(
                    AuditEntry.id
                )
            ).all()
    finally:
        database.dispose()
    assert roles == {"coordinator": "coordinator", "admin": "admin"}
    assert_fifteen_steady_months(demo_url)
    # Each run: its two tokens, then the demo itself; all by the command line.
    assert [a for a, _t, _d in entries] == ["token.create", "token.create", "demo"] * 2
    assert {t for _a, t, _d in entries} == {None}
    demos = [json.loads(d or "{}") for a, _t, d in entries if a == "demo"]
    assert [d["loaded"] for d in demos] == [True, False]
    text = " ".join(d or "" for _a, _t, d in entries)
    assert not any(token in text for token in printed.values())


def test_the_demo_starts_on_the_first_of_the_month_fifteen_months_before() -> None:
    assert demo_start(date(2026, 12, 2)) == date(2025, 9, 1)
    assert demo_start(date(2026, 1, 31)) == date(2024, 10, 1)
    assert demo_start(date(2026, 3, 1), months=2) == date(2026, 1, 1)


def assert_fifteen_steady_months(url: str) -> None:
    """Every organisation's data starts on the demo's first day, nothing before it has a
    figure, and each of the 15 complete months since has one (a monthly SPC chart of 15
    points), with a census that does not climb from zero."""
    today = local_date(utc_now())
    start = demo_start(today)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    database = Database(url)
    try:
        with database.session() as session:
            starts = {o.code: o.data_from for o in reference.list_organisations(session)}
            connection = session.connection()
            months = compute(
                connection, "acute_occupied", start=start, end=last_month_end, interval="month"
            ).rows["value"]
            day_before = start - timedelta(days=1)
            before = compute(connection, "acute_occupied", start=day_before, end=day_before)
    finally:
        database.dispose()
    assert set(starts.values()) == {start}
    assert before.rows["value"].isna().all()
    assert len(months) == 15 and months.notna().all()
    assert months.iloc[0] >= 0.85 * months.mean()


def identifiers(bodies: list[str], lists: list[bytes]) -> set[str]:
    """Every MRN and NHS number of the messages' PID-3 (and the MRNs of the lists)."""
    found = set()
    for body in bodies:
        for segment in body.split("\r"):
            if segment.startswith("PID|"):
                for repetition in segment.split("|")[3].split("~"):
                    found.add(repetition.split("^")[0])
    for listed in lists:
        found |= {row["local_patient_id"] for row in csv.DictReader(io.StringIO(listed.decode()))}
    return found


def test_the_demo_sends_a_trust_through_its_feeds_and_keeps_no_identifier(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies: list[str] = []
    lists: list[bytes] = []
    receive_for, receive_list = trust_send.receive_for, trust_send.receive_list

    def hl7(session: Session, code: str, body: str, **kwargs: Any) -> Answered:
        bodies.append(body)
        return receive_for(session, code, body, **kwargs)

    def listed(
        session: Session, feed: FeedConfig, key: bytes, body: bytes, *a: Any, **k: Any
    ) -> ListOutcome:
        lists.append(body)
        return receive_list(session, feed, key, body, *a, **k)

    monkeypatch.setattr(trust_send, "receive_for", hl7)
    monkeypatch.setattr(trust_send, "receive_list", listed)
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--size", "small"])
    assert result.exit_code == 0, result.output
    assert "HL7 v2 ADT messages" in result.output and "readiness lists" in result.output
    secrets = identifiers(bodies, lists)
    assert {s[:3] for s in secrets} == {"RH3", "999"} and len(secrets) > 200
    admin = {"Authorization": f"Bearer {printed_tokens(result.stdout)['admin']}"}
    database = Database(demo_url)
    try:
        api = create_app(Settings(database_url=demo_url), database=database)
        with TestClient(api) as client:
            answer = client.get("/api/v1/feeds", headers=admin)
        assert answer.status_code == 200, answer.text
        feeds = {feed["code"]: feed for feed in answer.json()}
        assert set(feeds) == {"RH1-PAS", "RH2-PAS", "RH3-PAS"}
        assert feeds["RH3-PAS"]["health"]["today"]["accepted"] > 0
        assert feeds["RH3-PAS"]["locations"]["AMU1"] == "RH3-AMU1"
        with database.session() as session:
            assert_nothing_holds(session, secrets)
            assert_the_feeds_patients_journeys_link(session, secrets)
    finally:
        database.dispose()


def assert_nothing_holds(session: Session, secrets: set[str]) -> None:
    """Every text value of every table, searched for any of the MRNs and NHS numbers (each is
    RH3 and seven digits, or ten digits: every run of that shape is looked up)."""
    shape = re.compile(r"(?=(RH3\d{7}|\d{10}))")
    connection = session.connection()
    found = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f"SELECT * FROM {table}")):
            for value in row:
                if isinstance(value, str) and any(
                    m.group(1) in secrets for m in shape.finditer(value)
                ):
                    found.append((table, value[:80]))
    assert found == []


def assert_the_feeds_patients_journeys_link(session: Session, secrets: set[str]) -> None:
    """Events came from messages and from lists; each D2A spell that follows a discharge the
    feed sent belongs to that acute spell's journey, under the feed's pseudonym."""
    key = pseudonym_key(session, get_settings().pseudonym_key)
    pseudonyms = {pseudonym(key, "RH3-PAS", s) for s in secrets if s.startswith("RH3")}
    hl7 = session.execute(
        select(Event.patient_id, Event.type, Event.occurred_at).where(
            Event.event_id.like("hl7:RH3-PAS:%")
        )
    ).all()
    assert {p for p, _t, _at in hl7} <= pseudonyms
    listed = session.scalar(select(func.count()).where(Event.event_id.like("rl#%")))
    assert listed and listed > 10
    spells = session.execute(
        select(Spell.spell_id, Spell.patient_id, Spell.setting, Spell.admitted_at)
        .add_columns(Spell.discharged_at, Spell.journey_id)
        .where(Spell.patient_id.in_({p for p, _t, _at in hl7}))
    ).all()
    acute = {(s.patient_id, s.discharged_at): s.spell_id for s in spells if s.setting == "acute"}
    linked = 0
    for patient, kind, at in hl7:
        if kind != "discharged":
            continue
        after = [
            s
            for s in spells
            if s.patient_id == patient
            and s.setting in D2A_SETTINGS
            and at <= s.admitted_at <= at + timedelta(hours=48)
        ]
        for spell in after:
            assert spell.journey_id == acute[(patient, at)]
            linked += 1
    assert linked > 5
