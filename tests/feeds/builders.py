"""UK-shaped ADT messages for the tests, written field by field so each test reads its data.

The patient has a trust MRN and an NHS number in PID-3, a name, a date of birth, an address
and the NHS number again in PID-19: none of it may come out of the mapping but the MRN.
"""

from __future__ import annotations

from feeds.config import FeedConfig, destination_codes_from_rows
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import split_messages

MRN = "RX1234567"
NHS_NUMBER = "9434765919"  # the NHS's own example number: passes the modulus 11 check
NAME, BIRTH, POSTCODE = "PEABODY^ARTHUR", "19380214", "LS1 4AP"
PID3 = f"{MRN}^^^RXX^MR~{NHS_NUMBER}^^^NHS^NH"
SECRETS = (NHS_NUMBER, "PEABODY", "ARTHUR", BIRTH, POSTCODE, "943 476 5919")

DESTINATIONS = [  # destinations.csv as in ../shared/reference (code, NHS codes)
    ("usual_residence", "19"),
    ("temporary_residence", "29"),
    ("care_home_return", "55;56;54;65;85"),
    ("care_home_new", "55;56;54;65;85"),
    ("community_bed", ""),
    ("hospice", "88"),
    ("other_hospital", "49;50;51;52;53;84;87"),
    ("died", "79"),
    ("other", "37;38;40;42;66"),
    ("unknown", "99;98"),
]
FEED = FeedConfig(
    code="LTH",
    organisation_code="RXX",
    patient_id_authority="RXX",
    locations={"WARD7": "RXX-W7", "WARD9": "RXX-W9", "AMU": "RXX-AMU", "CHB": "RXX-CHB"},
    unit_settings={
        "RXX-W7": "acute",
        "RXX-W9": "acute",
        "RXX-AMU": "acute",
        "RXX-CHB": "community_bed",
    },
    destination_codes=destination_codes_from_rows(
        {"code": c, "nhs_discharge_destination_codes": n} for c, n in DESTINATIONS
    ),
    care_home_source_codes=frozenset({"54", "65", "85"}),
)


def segment(name: str, values: dict[int, str]) -> str:
    """`NAME|f1|f2|…` with the given fields at their positions, the others empty."""
    last = max(values, default=0)
    return "|".join([name, *(values.get(i, "") for i in range(1, last + 1))])


def adt(
    trigger: str = "A01",
    *,
    control: str = "MSG0001",
    evn: dict[int, str] | None = None,
    pid: dict[int, str] | None = None,
    pv1: dict[int, str] | None = None,
    version: str = "2.5",
) -> str:
    """An ADT message, CR-separated. Defaults: EVN-2 2025-07-01 10:00 local, the patient
    above, an inpatient on WARD7 (Epic-style ward^room^bed^facility)."""
    msh = (
        f"MSH|^~\\&|PAS|RXX01|D2AFLOW|ICB|202507011001||ADT^{trigger}^ADT_A01|{control}|P|{version}"
    )
    evn_fields = {1: trigger, 2: "202507011000"} | (evn or {})
    pid_fields = {1: "1", 3: PID3, 5: NAME, 7: BIRTH, 8: "M"}
    pid_fields |= {11: f"1 PARK ROW^^LEEDS^^{POSTCODE}^GBR", 19: NHS_NUMBER} | (pid or {})
    pv1_fields = {1: "1", 2: "I", 3: "WARD7^B12^03^RXX01", 4: "21"} | (pv1 or {})
    segments = [msh, segment("EVN", evn_fields), segment("PID", pid_fields)]
    return "\r".join([*segments, segment("PV1", pv1_fields)])


def parsed(text: str) -> Message:
    """The one message of `text`, parsed."""
    [received] = split_messages(text)
    assert received.message is not None, received.problem
    return received.message
