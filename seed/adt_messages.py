"""UK-shaped HL7 v2 ADT messages, as the demonstration trust's PAS sends them (SPEC §9).

Each patient has the trust's MRN in PID-3 under the trust's assigning authority, and an
NHS-shaped number (from the 999 range the NHS keeps for testing, passing the modulus 11
check) in a second repetition typed NHS, which the door must drop; the name is "DEMO^PATIENT"
and the date of birth follows the generated age. Times are local wall-clock times without an
offset (EVN-2, PV1-44, PV1-45), as most English PAS send them; only in the hour the clocks go
back, which happens twice, is the offset added, as a careful integration engine does. PV1-3 is
ward^room^bed^facility, PV1-4 the NHS admission method, PV1-14 the source of admission and
PV1-37 the discharge destination, both as NHS Data Dictionary codes taken from the destination
table (`reference/destinations.csv`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from models.clock import LONDON

NAME = "DEMO^PATIENT"
VERSION = "2.4"
STRUCTURE = {"A01": "ADT_A01", "A02": "ADT_A02", "A03": "ADT_A03", "A08": "ADT_A01"}
# NHS admission methods: mostly via A&E (21), some from a GP (22) or otherwise (28); planned
# patients from the waiting list (11) or booked (12).
ADMISSION_METHODS = {"emergency": ("21", "21", "21", "22", "28"), "elective": ("11", "12")}
OTHER_METHOD = "81"  # transfer from another hospital's bed
DIED = "79"
# Where the national list gives a destination several codes and the trust's choice is plain:
# another hospital's general ward, not its secure or maternity units.
PREFERRED = {"other_hospital": "51"}


@dataclass(frozen=True)
class Identity:
    """What the PAS knows a generated patient by: none of it may be stored but as a pseudonym."""

    number: int  # the generated patient's number, for deterministic choices
    mrn: str
    nhs_number: str
    birth_date: str  # YYYYMMDD


def identity(authority: str, number: int, age: int, first_seen: date) -> Identity:
    """Patient `number`'s MRN (the trust's code and seven scrambled digits, never ten digits),
    NHS-shaped number and date of birth (`age` on `first_seen`)."""
    mrn = f"{authority}{(number * 7919 + 1_000_003) % 10_000_000:07d}"
    offset = zlib.crc32(f"birth:{number}".encode()) % 365
    born = date(first_seen.year - age, first_seen.month, 1) - timedelta(days=offset)
    return Identity(number, mrn, nhs_number(number), born.strftime("%Y%m%d"))


def nhs_number(number: int) -> str:
    """A 10-digit number of the 999 range that passes the modulus 11 check, one per `number`
    (below 90,909): the first valid one of the eleven candidates 999 + (11 × number + j)."""
    for j in range(11):
        digits = f"999{11 * number + j:06d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return digits + str(check)
    raise ValueError(f"no NHS-shaped number for {number}")  # pragma: no cover: never happens


def hl7_time(minute: int) -> str:
    """The local wall-clock time of a simulated minute as YYYYMMDDHHMM, with its offset only
    when that wall-clock time happens twice (the hour the clocks go back)."""
    local = datetime.fromtimestamp(minute * 60, UTC).astimezone(LONDON)
    text = local.strftime("%Y%m%d%H%M")
    wall = local.replace(tzinfo=None)
    first = wall.replace(tzinfo=LONDON, fold=0).utcoffset()
    if first == wall.replace(tzinfo=LONDON, fold=1).utcoffset():
        return text
    hours = int((local.utcoffset() or timedelta(0)).total_seconds()) // 3600
    return f"{text}+{hours:02d}00"


@dataclass(frozen=True)
class Movement:
    """One ADT message to write: `trigger` at `minute` for `who`, in `point_of_care`."""

    trigger: str
    minute: int
    who: Identity
    point_of_care: str
    admitted_at: int
    method: str  # emergency, elective or other
    source: str | None  # a destination code: where the person came from
    destination: str | None = None  # A03: a destination code (died: PID-30 Y)


@dataclass
class AdtWriter:
    """Writes the messages of one trust's PAS, numbering them (MSH-10) in the order written."""

    facility: str  # the trust's code: PV1-3.4, MSH-4 and the MRN's assigning authority
    nhs_codes: Mapping[str, Sequence[str]]  # destination code → its NHS Data Dictionary codes
    written: int = field(default=0)

    def write(self, move: Movement) -> str:
        self.written += 1
        at = hl7_time(move.minute)
        who = move.who
        msh = (
            f"MSH|^~\\&|PAS|{self.facility}|D2AFLOW|ICB|{at}||ADT^{move.trigger}^"
            f"{STRUCTURE[move.trigger]}|ADT{self.written:09d}|P|{VERSION}"
        )
        pid = {
            1: "1",
            3: f"{who.mrn}^^^{self.facility}^MR~{who.nhs_number}^^^NHS^NH",
            5: NAME,
            7: who.birth_date,
        }
        if move.destination == "died":
            pid[30] = "Y"
        hashed = zlib.crc32(f"{who.number}:{move.point_of_care}".encode())
        pv1 = {
            1: "1",
            2: "I",
            3: f"{move.point_of_care}^B{hashed % 6 + 1}^{hashed // 6 % 8 + 1:02d}^{self.facility}",
            4: self._method(move),
            14: self._code(move.source, who.number),
            44: hl7_time(move.admitted_at),
        }
        if move.trigger == "A03":
            died = move.destination == "died"
            pv1[37] = DIED if died else self._code(move.destination, who.number)
            pv1[45] = at
        segments = (
            msh,
            segment("EVN", {1: move.trigger, 2: at}),
            segment("PID", pid),
            segment("PV1", pv1),
        )
        return "\r".join(segments)

    def _method(self, move: Movement) -> str:
        codes = ADMISSION_METHODS.get(move.method)
        return codes[move.who.number % len(codes)] if codes else OTHER_METHOD

    def _code(self, destination: str | None, pick: int) -> str:
        """An NHS code of `destination`; empty for one that has none (a D2A community bed: the
        national list has no code for it)."""
        if destination in PREFERRED:
            return PREFERRED[destination]
        codes = self.nhs_codes.get(destination or "", ())
        return codes[pick % len(codes)] if codes else ""


def segment(name: str, values: Mapping[int, str]) -> str:
    """`NAME|f1|f2|…` with the given fields at their positions, the others empty."""
    last = max(values, default=0)
    return "|".join([name, *(values.get(i, "") for i in range(1, last + 1))])
