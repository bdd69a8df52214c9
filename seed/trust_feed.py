"""The demonstration's smallest acute trust goes live on its feeds (SPEC §9) for the run's last
FEED_DAYS days: its PAS sends its patients' acute movements as HL7 v2 ADT, and its discharge
hub sends the list of people ready to leave each morning at 08:30, both through the code a real
trust's feeds use (`seed.trust_send`). Everything else is loaded as JSON events, as before.

- **Who.** Every patient of the trust (a generated patient is always admitted to one site) is
  known by the pseudonym the feed gives their MRN, in every event, JSON or not: the hub's list
  names people by MRN, so each open stay of the trust must be one the list can name, and an
  ADT patient's D2A stays (JSON, sent by the services) link to their acute spell by that id.
- **Before go-live** (08:30 on the first of the last FEED_DAYS days) the trust's patients'
  events are loaded as JSON with everyone else's (`divert` hands them back, shortened).
- **From go-live** their acute admissions, transfers and discharges become A01, A02 and A03
  messages; their readiness in an acute bed (ready, pathway, reason, withdrawn) is what the
  morning lists say, compared with the position (`feeds.readiness`); everything else of
  theirs (the D2A stays after discharge) is JSON. `stream()` gives all of it in time order, a
  list after everything at or before its `as_of`.
- **What the feeds cannot say**, as for a real trust: someone ready and gone between two
  lists is never on one, so their discharge has no ready date (no delay is lost: they left
  on the day they were ready) and its pathway is the A03's default by destination (0 for
  home, where the simulation had many on pathway 1); an ADT admission has no age or local
  authority (the date of birth and address are never read); a discharge to a D2A community
  bed has no NHS destination code (PV1-37 is empty: destination unknown). That is why the
  smallest trust goes live: it moves the system's figures least.
- **A little untidiness** a live feed has: one admission in A08_EVERY is followed by an A08
  (acknowledged, ignored), one discharge home in LOUNGE_EVERY is preceded by a move to the
  discharge lounge, which is no location of the feed (refused), and `seed.trust_send` sends a
  message again now and then (a duplicate).
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from feeds.pseudonym import pseudonym
from models.clock import LONDON, local_date
from seed.adt_messages import AdtWriter, Identity, Movement, identity
from seed.clock import minute_of, utc_naive
from seed.feed import event_row
from seed.generate import RunSpec
from seed.patient import Patient
from seed.system import SystemPlan

FEED_DAYS = 14
LIST_AT = time(8, 30)  # local: the hub's list is as at this time each morning
A08_EVERY = 8
LOUNGE_EVERY = 40
LOUNGE = "DLOUNGE"  # the discharge lounge: a place the PAS records, not a ward of the feed
HOME = frozenset({"usual_residence", "temporary_residence", "care_home_return"})
READINESS = frozenset({"discharge_ready", "readiness_withdrawn", "delay_reason", "pathway_changed"})
LIST_COLUMNS = ("local_patient_id", "ready_date", "pathway", "reason_code")


def feed_code(organisation: str) -> str:
    return f"{organisation}-PAS"


def point_of_care(unit_code: str, organisation: str) -> str:
    """The ward as the PAS names it in PV1-3.1: the unit code without the trust's prefix."""
    return unit_code.removeprefix(f"{organisation}-")


def feed_fields(plan: SystemPlan, organisation: str) -> dict[str, Any]:
    """The registration of `organisation`'s PAS feed: its MRNs' assigning authority is the
    trust's code, and each of its acute units is a location."""
    names = {code: name for code, name, _kind in plan.organisations}
    units = [
        code
        for code, unit in plan.units
        if unit["organisation_code"] == organisation and unit["setting"] == "acute"
    ]
    return {
        "name": f"{names[organisation]} PAS",
        "organisation_code": organisation,
        "patient_id_authority": organisation,
        "locations": {point_of_care(unit, organisation): unit for unit in units},
    }


@dataclass(frozen=True)
class Listed:
    """A row of the hub's list."""

    mrn: str
    ready_date: date
    pathway: int
    reason_code: str | None


def list_csv(rows: Sequence[Listed]) -> bytes:
    """The list as the hub exports it from its spreadsheet: UK dates, pathways as P0–P3."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LIST_COLUMNS)
    for row in sorted(rows, key=lambda r: (r.ready_date, r.mrn)):
        day = row.ready_date.strftime("%d/%m/%Y")
        writer.writerow((row.mrn, day, f"P{row.pathway}", row.reason_code or ""))
    return out.getvalue().encode()


@dataclass(order=True, frozen=True)
class Item:
    """One thing to send, in time order: an ADT message (`what` a Movement), a JSON event
    (`what` its dict) or a list (`what` its index); at one minute a list comes last."""

    minute: int
    rank: int  # 0 a message or an event, 1 a list
    seq: int
    kind: str = field(compare=False)  # adt, json or list
    patient: str = field(compare=False)  # the pseudonym ('' for a list)
    what: Any = field(compare=False)


@dataclass
class Record:
    pid: str  # the pseudonym
    who: Identity
    source: str  # where the person lives: the admission source
    events: list[tuple[int, str, dict[str, Any]]]  # those sent at all (up to the run's end)


@dataclass
class Stream:
    """Everything the trust sends from go-live, and the rows of each morning's list."""

    items: list[Item]
    lists: list[list[Listed]]
    replaced: int  # readiness events of the trust's acute beds that the lists stand for


class TrustFeed:
    """The smallest acute trust of `plan`: its feed's code, its PAS's message writer, and its
    patients taken aside (known by the pseudonyms the feed gives their MRNs under `key`)."""

    def __init__(
        self,
        plan: SystemPlan,
        spec: RunSpec,
        key: bytes,
        nhs_codes: Mapping[str, Sequence[str]],
    ) -> None:
        self.site = len(plan.sites) - 1  # sites are largest first
        site = plan.sites[self.site]
        self.organisation = site.code
        self.writer = AdtWriter(site.code, nhs_codes)
        self.feed = feed_code(site.code)
        self.units = frozenset(feed_fields(plan, site.code)["locations"].values())
        self.start, self.end = spec.window()
        last_day = local_date(utc_naive(self.end))
        first_day = max(spec.start, last_day - timedelta(days=FEED_DAYS - 1))
        days = (last_day - first_day).days + 1
        self.list_minutes = [
            at for at in (_local_minute(first_day, n) for n in range(days)) if at <= self.end
        ]
        self.go_live = _local_minute(first_day, 0)
        self.key = key
        self.records: list[Record] = []

    def divert(self, patient: Patient, system: int) -> Patient | None:
        """The trust's patient `patient` kept for `stream`, and handed back under its
        pseudonym with its events before go-live, for the JSON load; anyone else as is."""
        if system != 0 or patient.site != self.site:
            return patient
        kept = [e for e in patient.events if e[0] <= self.end]
        if not kept or (kept[-1][0] < self.start and not patient.in_a_bed):
            return None  # all over before the run starts: never sent (seed.feed.Batcher)
        number = int(patient.pid.rsplit("P", 1)[1])
        first_seen = local_date(utc_naive(kept[0][0]))
        who = identity(self.organisation, number, patient.age, first_seen)
        pid = pseudonym(self.key, self.feed, who.mrn)
        self.records.append(Record(pid, who, patient.source, kept))
        before = Patient(pid, patient.age, patient.authority, patient.site, patient.source)
        before.events = [e for e in kept if e[0] < self.go_live]  # in a bed: all are sent
        return before

    def stream(self) -> Stream:
        """Every record's events from go-live as ADT messages, JSON events and list rows."""
        stream = Stream([], [[] for _ in self.list_minutes], 0)
        for record in self.records:
            _Replay(self, record, stream).run()
        stream.items.extend(
            Item(minute, 1, n, "list", "", n) for n, minute in enumerate(self.list_minutes)
        )
        stream.items.sort()
        return stream


@dataclass
class _Replay:
    """One patient's record read in time order: where they are, whether ready, and what of it
    the trust's feeds send."""

    feed: TrustFeed
    record: Record
    stream: Stream
    unit: str | None = None  # the acute unit of the trust the patient is in, if any
    admitted_at: int = 0
    method: str = "emergency"
    ready_since: int | None = None
    pathway: int | None = None
    reason: str | None = None
    last: int = -1  # the minute of the event before

    def run(self) -> None:
        minutes = self.feed.list_minutes
        listed = 0
        for k, event in enumerate(self.record.events):
            minute, kind, payload = event
            while listed < len(minutes) and minutes[listed] < minute:
                self._on_list(listed)
                listed += 1
            if not self._acute(minute, kind, payload) and minute >= self.feed.go_live:
                self._add(minute, "json", event_row(self.record.pid, k, event))
            self.last = minute
        for index in range(listed, len(minutes)):
            self._on_list(index)

    def _acute(self, minute: int, kind: str, payload: dict[str, Any]) -> bool:
        """Applies an event of the trust's acute beds (True), sending what is due from go-live;
        False for any other event (a D2A stay's)."""
        live = minute >= self.feed.go_live
        if kind == "admitted" and payload["unit_code"] in self.feed.units:
            self.unit, self.admitted_at = payload["unit_code"], minute
            self.method = payload.get("admission_method") or "other"
            self.ready_since = self.pathway = self.reason = None
            if live:
                self._move("A01", minute)
                if self._one_in(A08_EVERY, "A08", minute):
                    self._move("A08", minute)
            return True
        if self.unit is None:
            return False
        if kind == "transferred":
            self.unit = payload["unit_code"]
            if live:
                self._move("A02", minute)
        elif kind == "discharged":
            destination = payload["destination"]
            if live:
                if destination in HOME and self._one_in(LOUNGE_EVERY, "lounge", minute):
                    self._move("A02", max(self.last + 1, minute - 30), LOUNGE)
                self._move("A03", minute, destination=destination)
            self.unit = self.ready_since = self.reason = None
        elif kind in READINESS:
            self._readiness(minute, kind, payload)
            self.stream.replaced += live
        else:
            return False
        return True

    def _readiness(self, minute: int, kind: str, payload: dict[str, Any]) -> None:
        if kind == "discharge_ready" and self.ready_since is None:
            self.ready_since, self.reason = minute, None
        if kind == "readiness_withdrawn":
            self.ready_since = self.reason = None
        if kind in ("discharge_ready", "pathway_changed") and payload.get("pathway") is not None:
            self.pathway = payload["pathway"]
        if kind == "delay_reason":
            self.reason = payload["reason_code"]

    def _one_in(self, n: int, what: str, minute: int) -> bool:
        """True for about one in `n` patients and minutes, the same on every run."""
        return zlib.crc32(f"{what}:{self.record.who.number}:{minute}".encode()) % n == 0

    def _on_list(self, index: int) -> None:
        """The patient on list `index` when in one of the trust's beds and ready then."""
        if self.unit is None or self.ready_since is None:
            return
        ready = local_date(utc_naive(self.ready_since))
        row = Listed(self.record.who.mrn, ready, self.pathway or 0, self.reason)
        self.stream.lists[index].append(row)

    def _move(self, trigger: str, minute: int, place: str | None = None, **more: Any) -> None:
        assert self.unit is not None
        poc = place or point_of_care(self.unit, self.feed.organisation)
        move = Movement(
            trigger,
            minute,
            self.record.who,
            poc,
            self.admitted_at,
            self.method,
            self.record.source,
            **more,
        )
        self._add(minute, "adt", move)

    def _add(self, minute: int, kind: str, what: Any) -> None:
        seq = len(self.stream.items)
        self.stream.items.append(Item(minute, 0, seq, kind, self.record.pid, what))


def _local_minute(first: date, days: int) -> int:
    """The minute of LIST_AT local time, `days` after `first`."""
    day = first + timedelta(days=days)
    return minute_of(datetime.combine(day, LIST_AT, tzinfo=LONDON))


def nhs_codes(rows: Sequence[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    """Destination code → its NHS Data Dictionary codes, from the destination table's rows."""
    return {code: tuple(c.strip() for c in nhs.split(";") if c.strip()) for code, nhs in rows}
