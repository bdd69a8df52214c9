"""A registered feed as the mapping needs it, and the code lists it is built from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CARE_HOME_DESTINATIONS = frozenset({"care_home_return", "care_home_new"})


@dataclass(frozen=True)
class FeedConfig:
    """One HL7 v2 feed (SPEC §9) and the reference data its messages are read with.

    - `patient_id_authority`: the PID-3 assigning authority (CX.4) of the trust's MRN, the
      identifier that is the local patient id.
    - `locations`: PV1-3.1 point of care → unit code. Its units are the feed's units: only
      stays in them are looked at when a message cancels or ends something.
    - `unit_settings`: unit code → setting (acute, home_service, community_bed, care_home_bed).
    - `destination_codes`: NHS Data Dictionary discharge destination code → our destination
      code (`destination_codes_from_rows`). A care-home code may name either care-home
      destination: which one is decided per discharge by where the person came from.
    - `care_home_source_codes`: NHS source of admission codes meaning "came from a care home".
    """

    code: str
    organisation_code: str
    patient_id_authority: str
    locations: Mapping[str, str] = field(default_factory=dict)
    unit_settings: Mapping[str, str] = field(default_factory=dict)
    destination_codes: Mapping[str, str] = field(default_factory=dict)
    care_home_source_codes: frozenset[str] = frozenset()

    @property
    def units(self) -> frozenset[str]:
        """The unit codes this feed's locations map to."""
        return frozenset(self.locations.values())


def destination_codes_from_rows(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """NHS code → destination code from rows shaped like destinations.csv (`code`,
    `nhs_discharge_destination_codes` separated by `;`). The first row naming a code keeps
    it, except that a code shared by the two care-home rows always maps to
    `care_home_new`; the mapping turns it into `care_home_return` when the person came from
    a care home."""
    codes: dict[str, str] = {}
    for row in rows:
        for nhs in (c.strip() for c in row.get("nhs_discharge_destination_codes", "").split(";")):
            if not nhs:
                continue
            if row["code"] in CARE_HOME_DESTINATIONS:
                codes[nhs] = "care_home_new"
            else:
                codes.setdefault(nhs, row["code"])
    return codes
