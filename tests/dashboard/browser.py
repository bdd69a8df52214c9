"""For the browser tests: a live system near the present, a real uvicorn server, Chromium.

The events are dated relative to the moment the fixture runs, so "now" on the Today page, the
Explore page's default twelve weeks and the wall all show them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.registry import put_feed
from ledger import reference
from ledger.ingest import ingest
from ledger.triggers import TriggerIn, set_levels
from metrics.tally import changed_from
from models import FeedMessage
from models.clock import local_date, utc_now
from store import migrate
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
VIEWPORTS = ((1280, 800), (1920, 1080))
WALL_REFRESH_SECONDS = 2

ORGANISATIONS = (
    ("RX1", "Riverside Hospital", "acute"),
    ("RX2", "Hilltop Hospital", "acute"),
    ("RX3", "Valley Hospital", "acute"),
    ("CP1", "Community Partnership", "community"),
    ("CH1", "Oak Care Home", "care_home"),
    ("LA1", "Shire Council", "local_authority"),
    ("LA2", "City Council", "local_authority"),
)
UNITS = (
    ("W1", "Ward 1", "RX1", "acute", None, 20),
    ("W2", "Ward 2", "RX1", "acute", None, 20),
    ("W3", "Ward 3", "RX2", "acute", None, 20),
    ("W4", "Ward 4", "RX3", "acute", None, 20),
    ("H1", "Home reablement", "CP1", "home_service", 1, 10),
    ("B1", "Recovery beds", "CP1", "community_bed", 2, 4),
    ("C1", "Oak beds", "CH1", "care_home_bed", 3, 2),
)
TRIGGER_LEVELS = {1: (2, 4), 2: (1, 3), 3: (2, 4)}
REASONS = ("C1", "H1", "I2", "C5", "W1")
# Two feeds: Valley's PAS, sending (its last message two minutes before the server starts), and
# Hilltop's, silent for three hours (over the default 60 minutes). Valley's ward W4 holds only
# the people of its readiness list: V1001 (not ready) and V1002 (ready on pathway 1).
FEEDS = (
    ("VAL", "Valley PAS", "RX3", {"WARD4": "W4"}),
    ("HIL", "Hilltop PAS", "RX2", {"WARD3": "W3"}),
)
VALLEY_READY_AGO = timedelta(days=1, hours=3)  # V1002's readiness
# feed, minutes before now, outcome, message id, field, reason
FEED_MESSAGES = (
    ("VAL", 9, "accepted", "V-1", None, None),
    ("VAL", 8, "accepted", "V-2", None, None),
    ("VAL", 7, "accepted", "V-3", None, None),
    ("VAL", 6, "duplicate", "V-3", None, None),
    ("VAL", 5, "ignored", "V-4", None, None),
    ("VAL", 2, "refused", "V-5", "PV1-3", "unknown location 'WARD8'"),
    ("HIL", 200, "refused", "H-1", "PID-3", "no identifier of authority RX2"),
    ("HIL", 180, "accepted", "H-2", None, None),
)


@dataclass(frozen=True)
class LiveSystem:
    url: str  # the server's base URL
    database: Database
    tokens: dict[str, str]  # role → bare token
    started_at: datetime
    pseudonyms: dict[str, str]  # Valley's MRN → the patient id its feed gives

    def api(self, path: str, role: str = "coordinator") -> Answer:
        """GET a path of the API with the role's token."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return get(self.url + path, headers)


@dataclass(frozen=True)
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


def get(url: str, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        error.close()
        return Answer(error.code, body)


def install_reference(database: Database) -> None:
    with database.session(write=True) as session:
        reference.upsert_system(session, "QAA", "North ICB")
        reference.upsert_system(session, "QBB", "South ICB")
        for code, name, kind in ORGANISATIONS:
            reference.upsert_organisation(session, code, name, kind)
            # Two systems: Hilltop (RX2) and Shire Council (LA1) in South, the rest in North.
            system = "QBB" if code in ("RX2", "LA1") else "QAA"
            reference.set_organisation_system(session, code, system, date(2020, 1, 1))
        for code, name, org, setting, pathway, capacity in UNITS:
            fields: dict[str, Any] = {"name": name, "organisation_code": org, "setting": setting}
            fields |= {"pathway": pathway, "capacity": capacity}
            reference.upsert_unit(
                session, code, fields | {"capacity_from": date(2020, 1, 1)}, changed_from
            )
        # Trigger levels (shortfall = waiting − free), so the statuses are not all unknown.
        for pathway, (pressure, escalation) in TRIGGER_LEVELS.items():
            levels = {
                "pressure": pressure,
                "escalation": escalation,
                "effective_from": "2020-01-01",
            }
            set_levels(session, pathway, TriggerIn.model_validate(levels), utc_now())


def recent_events(now: datetime) -> list[dict[str, Any]]:
    """Forty patients over the last five weeks: discharges on every pathway, some still
    waiting with a reason, a few in D2A services."""
    events: list[dict[str, Any]] = []
    for n in range(40):
        p = Patient(f"P{n:04d}")
        ward, la = ("W1", "W2", "W3")[n % 3], ("LA1", "LA2")[n % 2]
        admitted = now - timedelta(days=35 - (n * 31) // 40, hours=3)
        p.admitted(_at(admitted), ward, local_authority=la, admission_method="emergency")
        ready = admitted + timedelta(days=2 + n % 5)
        pathway = (0, 1, 1, 0, 2, 1, 3, 0)[n % 8]
        if ready < now - timedelta(hours=1):
            p.ready(_at(ready), pathway=pathway)
            p.add("delay_reason", _at(ready + timedelta(minutes=30)), reason_code=REASONS[n % 5])
        leaves = ready + timedelta(days=n % 4, hours=4)
        if n % 3 and leaves < now - timedelta(hours=1):
            destination = {0: "usual_residence", 1: "usual_residence", 2: "community_bed"}
            p.discharged(_at(leaves), destination.get(pathway, "care_home_new"), pathway=pathway)
            if pathway in (1, 2):
                unit = "H1" if pathway == 1 else "B1"
                p.admitted(_at(leaves + timedelta(hours=2)), unit, local_authority=la)
        events += p.events
    return events


def install_feeds(database: Database, now: datetime) -> dict[str, str]:
    """The feeds, their messages and Valley's two patients; their pseudonyms by MRN."""
    with database.session(write=True) as session:
        for code, name, organisation, locations in FEEDS:
            fields: dict[str, Any] = {"name": name, "organisation_code": organisation}
            fields |= {"patient_id_authority": organisation, "locations": locations}
            put_feed(session, code, fields, now)
        for feed, minutes, outcome, message_id, field, reason in FEED_MESSAGES:
            session.add(
                FeedMessage(
                    feed_code=feed,
                    received_at=now - timedelta(minutes=minutes),
                    kind="hl7v2",
                    message_id=message_id,
                    trigger="A01",
                    outcome=outcome,
                    field=field,
                    reason=reason,
                )
            )
        key = pseudonym_key(session, "")
        ids = {mrn: pseudonym(key, "VAL", mrn) for mrn in ("V1001", "V1002", "V1003")}
        waiting, ready = Patient(ids["V1001"]), Patient(ids["V1002"])
        # Off the minute 24 hours back: Today compares with the minute, the API the second.
        waiting.admitted(_at(now - timedelta(days=2, hours=3)), "W4", local_authority="LA1")
        ready.admitted(_at(now - timedelta(days=3, hours=3)), "W4", local_authority="LA2")
        ready.ready(_at(now - VALLEY_READY_AGO), pathway=1)
        ingest(session, waiting.events + ready.events, now=now, changes=changed_from)
        # Valley's data is complete from the start of the others' (its first event, 3 days
        # back, would otherwise start every system-wide figure then: the board's last complete
        # week would hold a day or two, and no figure at all on some days of the week).
        first = local_date(now - timedelta(days=36))
        reference.upsert_organisation(session, "RX3", "Valley Hospital", "acute", data_from=first)
    return ids


def _at(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds") + "+00:00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_system(url: str) -> tuple[LiveSystem, subprocess.Popen[bytes]]:
    """Migrates and fills the database, then serves create_app on a free port."""
    migrate.upgrade(url)
    database = Database(url)
    install_reference(database)
    now = utc_now().replace(second=0, microsecond=0)
    with database.session(write=True) as session:
        ingest(session, recent_events(now), now=now, changes=changed_from)
    pseudonyms = install_feeds(database, now)
    roles = ("coordinator", "board", "analyst", "display")
    tokens = {r: token_for(database, r)["Authorization"].removeprefix("Bearer ") for r in roles}
    north = token_for(database, "coordinator", "QAA")["Authorization"].removeprefix("Bearer ")
    tokens["coordinator of QAA"] = north
    port = free_port()
    env = os.environ | {
        "D2A_DATABASE_URL": url,
        "D2A_WALL_REFRESH_SECONDS": str(WALL_REFRESH_SECONDS),
        "D2A_STALE_AFTER_MINUTES": "60",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "d2a.server:create_app"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(base, server)
    return LiveSystem(base, database, tokens, now, pseudonyms), server


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr and server.stderr.read()!r}")
        try:
            if get(base + "/health").status_code == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start within 30 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if server.stderr:
        server.stderr.close()
