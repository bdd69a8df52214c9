"""Two acute trusts for the figure tallies' tests (tests/metrics/test_*_sources.py).

The ward week of test_census (Mon 3 – Sun 9 March 2025, GMT; trust RX1, wards W1 and W2), and
a second acute trust, RX2, with ward W3:
  g  W3 from Mon 10:00, ready Tue 10:00 (P1), discharged Thu 10:00 (P1, home).    LA1
     In at the censuses of Mon, Tue, Wed; ready at those of Tue, Wed.
After the tallies are counted, f can arrive late (test_tally's f, in W3):
  f  W3 from Tue 4 Mar 09:00, ready Wed 12:00 (P1), discharged Fri 10:00 (P1, home).
     In at Tue, Wed, Thu; ready at Wed, Thu.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select

from ledger import reference
from metrics import tally
from metrics.catalogue import tallied_reads
from metrics.tally import changed_from
from models import TallySource
from store.database import Database
from tests.metrics.scenario import Patient, events_of, figure, load
from tests.metrics.test_census import MON, SUN, at, ward_batches

Switch = Callable[[], Any]


def two_trusts(system: Database) -> Database:
    """The ward week (RX1) and trust RX2's ward W3 with g; the tallies counted."""
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute", date(2024, 1, 1))
        fields: dict[str, object] = {"name": "Ward 3", "organisation_code": "RX2"}
        fields |= {"setting": "acute", "pathway": None, "capacity": 20}
        reference.upsert_unit(
            session, "W3", fields | {"capacity_from": date(2024, 1, 1)}, changed_from
        )
    g = Patient("g")
    g.admitted(at(3, "10:00"), unit="W3", local_authority="LA1")
    g.ready(at(4, "10:00"), pathway=1)
    g.discharged(at(6, "10:00"), pathway=1)
    load(system, *ward_batches(), events_of(g))
    tally.refresh(system.engine, tallied_reads(), system.write_engine)
    return system


def late_f(db: Database) -> None:
    f = Patient("f")
    f.admitted(at(4, "09:00"), unit="W3")
    f.ready(at(5, "12:00"), pathway=1)
    f.discharged(at(7, "10:00"), pathway=1)
    load(db, events_of(f))


def totals(db: Database, name: str, **options: Any) -> dict[Any, Any]:
    """{group: numerator} over the week (a sum's value)."""
    result = figure(db, name, MON, SUN, interval="total", **options)
    records = result.records()
    return {r["group"]: r["value"] if r["numerator"] is None else r["numerator"] for r in records}


def same_as_untallied(db: Database, untallied: Switch, name: str, **options: Any) -> None:
    """The figure by day, from the tallies and from the derived tables."""
    tallied = figure(db, name, MON, SUN, **options).rows
    with untallied():
        derived = figure(db, name, MON, SUN, **options).rows
    pd.testing.assert_frame_equal(tallied, derived, check_dtype=False)


def tally_names(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.execute(select(TallySource.__table__.c.source)).scalars())
