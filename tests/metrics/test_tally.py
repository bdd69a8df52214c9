"""Figure tallies (metrics.tally): tallied figures equal the derived tables' at every moment.

The hand-worked week of test_census (Mon 3 – Sun 9 March 2025, GMT) is loaded, the tallies are
refreshed, and then late events and voids arrive; each figure is checked against the hand-worked
value and against the same figure read with no tally at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, update

from ledger import reference
from metrics import tally
from metrics.catalogue import CATALOGUE, tallied_reads
from metrics.tally import changed_from
from metrics.tally.reading import named_parts, parts_in
from models import EventTally, FigureTally, TallyChange, TallySource
from store.database import Database
from tests.metrics.scenario import NOW, Patient, events_of, figure, load, values
from tests.metrics.test_census import MON, SUN, at, ward_batches


def refresh(db: Database) -> tally.Refreshed:
    return tally.refresh(db.engine, tallied_reads(), db.write_engine)


def count(db: Database, table: Any) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def every_figure(db: Database, start: date, end: date) -> dict[tuple[Any, ...], pd.DataFrame]:
    """Every metric by every breakdown, system-wide, and for one organisation with none, by
    day and by week."""
    out = {}
    for metric in CATALOGUE.values():
        choices = [metric.fixed_group_by] if metric.fixed_group_by else [None, *metric.group_bys]
        asked = [(g, None) for g in dict.fromkeys(choices)] + [(choices[0], "RX1")]
        for group_by, organisation in asked:
            for interval in ("day", "week"):
                if interval in metric.intervals:
                    options = {"interval": interval, "group_by": group_by}
                    options["organisation"] = organisation
                    answer = figure(db, metric.name, start, end, **options)
                    out[(metric.name, group_by, organisation, interval)] = answer.rows
    return out


def assert_same_as_untallied(db: Database, untallied: Any, start: date, end: date) -> None:
    tallied = every_figure(db, start, end)
    with untallied():
        derived = every_figure(db, start, end)
    for key, rows in tallied.items():
        pd.testing.assert_frame_equal(rows, derived[key], check_dtype=False, obj=str(key))


@pytest.fixture
def ward(system: Database) -> Database:
    """The ward week, plus a long stay and a long wait so that lengths of stay and days ready
    pass every band and stranded threshold (the tally keeps origins exactly for 21 days):
      e  W1 from Sat 1 Feb 10:00, ready since Mon 3 Feb 10:00 (P2), discharged Wed 12 Mar."""
    load(system, *ward_batches())
    e = Patient("e")
    e.admitted(at(1, "10:00", month=2), local_authority="LA1", admission_method="emergency")
    e.ready(at(3, "10:00", month=2), pathway=2)
    e.discharged(at(12, "10:00"), destination="community_bed", pathway=2)
    load(system, events_of(e))
    return system


def test_a_refresh_tallies_every_figure_and_takes_in_the_changes(ward: Database) -> None:
    assert count(ward, TallyChange) == 3  # a row per batch loaded (each touched only RX1)
    done = refresh(ward)
    assert done.sources > 20 and done.rows > 0
    assert done.first == date(2025, 2, 1)  # the first day with an event (e's admission)
    assert count(ward, TallyChange) == 0
    assert count(ward, FigureTally) == done.rows
    assert count(ward, TallySource) == done.sources
    with ward.session() as session:
        names = list(session.execute(select(TallySource.__table__.c.source)).scalars())
    # One organisation's figures with no breakdown read tallies by organisation.
    assert any(name.endswith(":None:by organisation") for name in names)
    # Nothing changed since: a second refresh recounts no source.
    assert refresh(ward).sources == 0


def test_tallied_figures_equal_the_derived_tables(ward: Database, untallied: Any) -> None:
    refresh(ward)
    # A period inside the tallied history, one that starts before any event, and one that
    # runs on past the tallies' last day (read from the derived tables).
    for start, end in ((MON, SUN), (date(2025, 1, 20), date(2025, 3, 16))):
        assert_same_as_untallied(ward, untallied, start, end)
    today = date.today()
    assert_same_as_untallied(ward, untallied, today - timedelta(days=3), today + timedelta(days=3))


def test_the_hand_worked_week_from_the_tallies(ward: Database) -> None:
    """test_census's ready censuses, with e ready every day of the week (it leaves Wed 12):
    ready 1 2 2 1 2 2 1 → 2 3 3 2 3 3 2; occupied 3 4 3 3 3 3 2 → 4 5 4 4 4 4 3.
    e's length of stay at the census of Mon 3 Mar is 31 days: stranded_21 counts b (admitted
    Sat 22 Feb: 10 days on Mon … 16 on Sun, never 21) not at all, and e every day: 1."""
    refresh(ward)
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == [2, 3, 3, 2, 3, 3, 2]
    assert values(figure(ward, "acute_occupied", MON, SUN)) == [4, 5, 4, 4, 4, 4, 3]
    assert values(figure(ward, "stranded_21", MON, SUN)) == [1] * 7


def test_a_late_event_counts_at_once_and_after_the_next_refresh(
    ward: Database, untallied: Any
) -> None:
    """After the refresh, f arrives late: W1 from Tue 4 Mar 09:00, ready Wed 5 Mar 12:00 (P1),
    discharged Fri 7 Mar 10:00. Ready censuses: Wed +1, Thu +1 (gone by Fri's midnight):
    2 3 3 2 3 3 2 → 2 3 4 3 3 3 2. Voiding f's readiness takes them back out."""
    refresh(ward)
    f = Patient("f")
    f.admitted(at(4, "09:00"))
    ready = f.ready(at(5, "12:00"), pathway=1)
    f.discharged(at(7, "10:00"), pathway=1)
    load(ward, events_of(f))
    with ward.session() as session:
        changed = session.execute(select(func.min(TallyChange.__table__.c.day))).scalar()
    assert str(changed)[:10] == "2025-03-04"  # f's admission: the earliest day it touches
    expected = [2, 3, 4, 3, 3, 3, 2]
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == expected  # before any refresh
    # Readmissions reach 29 days back: their discharges are recounted from Mon 3 Feb.
    assert refresh(ward).first == date(2025, 2, 3)
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == expected
    void = {"event_id": "f-void", "type": "void", "patient_id": "f"}
    load(ward, [void | {"occurred_at": at(8, "09:00"), "voids_event_id": ready}])
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == [2, 3, 3, 2, 3, 3, 2]
    assert_same_as_untallied(ward, untallied, MON, SUN)
    refresh(ward)
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == [2, 3, 3, 2, 3, 3, 2]


def test_late_stays_count_as_stranded_from_their_threshold_day(
    ward: Database, untallied: Any
) -> None:
    """Stranded tallies count a stay on the day its length of stay reaches the threshold.
    stranded_7 of the week: b (7 days from Fri 28 Feb) and e every day: 2 each day; b is 14
    days from Fri 7 Mar: stranded_14 1 1 1 1 2 2 2. After the refresh, two stays arrive late:
      g  W1 from Sat 22 Feb 10:00 (7 days from Fri 28 Feb, 14 from Fri 7 Mar), discharged
         Thu 6 Mar 10:00: in at the censuses Mon–Wed, so stranded_7 +1 Mon–Wed, stranded_14 +0;
      h  W1 from Mon 3 Mar 09:00, discharged Sun 9 Mar 10:00: 6 days at Sat's census, never 7.
    """
    refresh(ward)
    assert values(figure(ward, "stranded_7", MON, SUN)) == [2] * 7
    assert values(figure(ward, "stranded_14", MON, SUN)) == [1, 1, 1, 1, 2, 2, 2]
    # A period starting after b's threshold day: b arrives on the period's start.
    assert values(figure(ward, "stranded_14", date(2025, 3, 8), SUN)) == [2, 2]
    g, h = Patient("g"), Patient("h")
    g.admitted(at(22, "10:00", month=2), local_authority="LA2")
    g.discharged(at(6, "10:00"), pathway=0)
    h.admitted(at(3, "09:00"), local_authority="LA1")
    h.discharged(at(9, "10:00"), pathway=0)
    load(ward, events_of(g, h))
    after = [3, 3, 3, 2, 2, 2, 2]
    assert values(figure(ward, "stranded_7", MON, SUN)) == after  # before the refresh
    assert_same_as_untallied(ward, untallied, MON, SUN)
    refresh(ward)
    assert values(figure(ward, "stranded_7", MON, SUN)) == after
    assert values(figure(ward, "stranded_14", MON, SUN)) == [1, 1, 1, 1, 2, 2, 2]
    by_la = figure(ward, "stranded_7", MON, SUN, interval="total", group_by="local_authority")
    # Means of the week's censuses: LA1 e 7; LA2 b 7, g 3; h's LA1 and c's unknown: none.
    assert by_la.records() and {r["group"]: r["value"] for r in by_la.records()} == (
        pytest.approx({"LA1": 1, "LA2": 10 / 7, "unknown": 0})
    )
    assert_same_as_untallied(ward, untallied, date(2025, 2, 1), SUN)


def test_a_later_readmission_reaches_back_to_its_discharge(ward: Database) -> None:
    """d left Wed 5 Mar (P0, home). An emergency admission of d on Mon 31 Mar (day 26 after
    the discharge date) arrives after the refresh: d's discharge becomes a readmission. The
    week's discharges alive and not to another hospital: a (Sun, P1), d (Wed, P0): 1 ÷ 2."""
    refresh(ward)
    before = figure(ward, "readmission_30d_rate", MON, SUN, interval="total").records()
    assert (before[0]["numerator"], before[0]["denominator"]) == (0, 2)
    again = {"event_id": "d-again", "type": "admitted", "patient_id": "d", "unit_code": "W1"}
    again |= {"occurred_at": "2025-03-31T10:00:00+00:00", "admission_method": "emergency"}
    load(ward, [again])
    after = figure(ward, "readmission_30d_rate", MON, SUN, interval="total").records()
    assert (after[0]["numerator"], after[0]["denominator"], after[0]["value"]) == (1, 2, 50.0)


def test_a_unit_moved_to_another_pathway_recounts_every_day(ward: Database) -> None:
    refresh(ward)
    with ward.session(write=True) as session:
        fields: dict[str, Any] = {"name": "Recovery beds", "organisation_code": "CP1"}
        fields |= {"setting": "community_bed", "pathway": 3}
        reference.upsert_unit(session, "B1", fields, changed_from)
    with ward.session() as session:
        changed = session.execute(select(func.min(TallyChange.__table__.c.day))).scalar()
    assert str(changed)[:10] == "0001-01-01"
    assert refresh(ward).first == date(2025, 2, 1)


def test_a_unit_breakdown_and_one_organisation(ward: Database) -> None:
    """By unit (derived tables) and for RX1 (a tally by organisation), the hand-worked week."""
    refresh(ward)
    by_unit = figure(ward, "ready_to_leave", MON, SUN, group_by="unit", interval="total")
    assert {r["group"]: r["value"] for r in by_unit.records()} == pytest.approx(
        # W1: a Mon–Tue (never ready there), b every day, e every day: 14 ready censuses;
        # W2: a ready Wed, Fri, Sat; d ready Tue: 4. Means over 7 days.
        {"W1": 14 / 7, "W2": 4 / 7}
    )
    one = figure(ward, "ready_to_leave", MON, SUN, organisation="RX1")
    assert values(one) == [2, 3, 3, 2, 3, 3, 2]


def test_a_refresh_survives_an_event_of_year_1_stored_before_times_were_checked(
    ward: Database,
) -> None:
    """Before SPEC §3 refused times before 2000, an event of year 1 could be stored; every
    refresh then failed (OverflowError), even after it was voided. The refresh now counts from
    2000-01-01 at the earliest, and the figures are still those of the derived tables."""
    before = values(figure(ward, "acute_occupied", MON, SUN))
    with ward.session(write=True) as session:
        session.execute(
            insert(EventTally).values(
                day=date(1, 1, 1), hour_at=datetime(1, 1, 1), events=1, latest_received_at=NOW
            )
        )
        changed_from(session, date(1, 1, 1))
    done = refresh(ward)
    assert done.first == date(2000, 1, 1)
    assert values(figure(ward, "acute_occupied", MON, SUN)) == before


def test_a_tally_summed_from_a_finer_one_is_the_one_read_from_the_tables(
    ward: Database,
) -> None:
    """A refresh sums a source `within` a finer one (by organisation, by unit) from the finer
    one's rows: the rows stored are those each source's own read would have counted."""

    def stored() -> list[tuple[Any, ...]]:
        t = FigureTally.__table__.c
        with ward.session() as session:
            rows = session.execute(select(t.source, t.day, t.part, t.key, t.n, t.m)).all()
        return sorted((str(r[0]), str(r[1])[:10], *r[2:]) for r in rows)

    sources = tallied_reads()
    assert sum(s.within is not None for s in sources) > 30
    tally.refresh(ward.engine, sources, ward.write_engine)
    summed = stored()
    tally.forget(ward.engine)
    alone = [replace(s, within=None, summed_out=()) for s in sources]
    tally.refresh(ward.engine, alone, ward.write_engine)
    assert stored() == summed


def week_rows_are_their_days_summed(db: Database) -> int:
    """Every stored week row (source + '/week', on a Monday) holds its source's days of that
    week summed per part and key (a census's m: its moves × days after the Monday), and every
    whole week of tallied days before the source's `upto` has its rows; so does every half-week
    row of a flow (source + '/halves': Monday to Friday on the Monday, Saturday and Sunday on the
    Saturday). Returns how many week and half-week rows there are."""
    t, s = FigureTally.__table__.c, TallySource.__table__.c
    with db.session() as session:
        rows = session.execute(select(t.source, t.part, t.day, t.key, t.n, t.m)).all()
        upto = {name: as_day(u) for name, u in session.execute(select(s.source, s.upto))}
    weeks: dict[tuple[Any, ...], list[int | None]] = {}
    summed: dict[tuple[Any, ...], list[int | None]] = {}
    for source, part, day, key, n, m in rows:
        day = as_day(day)
        if source.endswith(tally.WEEK):
            assert day.weekday() == 0, (source, day)
            weeks[(source, part, day, key)] = [n, m]
            continue
        if source.endswith(tally.HALVES):
            assert day.weekday() in (0, 5), (source, day)
            weeks[(source, part, day, key)] = [n, m]
            continue
        monday = day - timedelta(days=day.weekday())
        if source not in WEEKLY or monday + timedelta(days=6) >= upto[source]:
            continue
        half = monday if day.weekday() < 5 else monday + timedelta(days=5)
        kept = [(tally.week_rows(source), monday)]
        if source in HALVED:  # a flow a weekend ratio reads: its halves too
            kept.append((tally.half_rows(source), half))
        for name, first in kept:
            total = summed.setdefault((name, part, first, key), [0, None])
            total[0] = int(total[0] or 0) + n
            weighted = n * (day - monday).days if WEEKLY[source] else m  # a census's moves × day
            total[1] = None if weighted is None else int(total[1] or 0) + weighted
    assert summed == weeks
    return len(weeks)


def as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# The sources that keep week rows (a census by band does not) → whether each is a census.
WEEKLY = {s.name: s.census for s in tallied_reads() if s.weeks is not None}
HALVED = {s.name for s in tallied_reads() if s.halves is not None}


def test_only_the_weekend_ratios_flows_keep_half_weeks() -> None:
    """The acute discharges' plain count (the weekend ratio's read, by each breakdown) keeps
    halves; no census and no other flow does."""
    read = {s.name for s in tallied_reads() if s.key.startswith("discharges:acute:")}
    assert HALVED and HALVED.issubset(read)
    assert not any(WEEKLY.get(name) for name in HALVED)  # no census
    assert all(":lengths" not in n and ":delays" not in n and n.endswith(":False") for n in HALVED)


def test_whole_weeks_are_read_from_week_rows_kept_with_their_days(ward: Database) -> None:
    """Acute discharges of the ward fortnight Mon 3 – Sun 16 Mar, by week: d (Wed 5) and a
    (Sun 9), then e (Wed 12): 2, 1. The refresh keeps each whole week summed, and a figure by
    week or in total reads the week's row, not its days: made ten times larger, the first week
    reads 20; by day, or from a Tuesday (no whole week inside Tue 4 – Sun 9), the days are read.

    Then g arrives late: W1 Mon 3 Mar 10:00, discharged Thu 6 Mar 10:00 (P0). Before any
    refresh the week's row is not read (its days are past the tally's cut): 3, 1; after it,
    the week's row holds the three discharges again."""
    fortnight = date(2025, 3, 16)
    refresh(ward)
    assert week_rows_are_their_days_summed(ward) > 0
    assert values(figure(ward, "acute_discharges", MON, fortnight, interval="week")) == [2, 1]
    t = FigureTally.__table__.c
    with ward.session(write=True) as session:
        first_week = [t.source.like(f"%{tally.WEEK}"), t.day == MON]
        session.execute(update(FigureTally).where(*first_week).values(n=t.n * 10))
    assert values(figure(ward, "acute_discharges", MON, fortnight, interval="week")) == [20, 1]
    # In total, from Mon 3 or from Sun 2 (a day read alone, then the two weeks): 20 + 1.
    assert values(figure(ward, "acute_discharges", MON, fortnight, interval="total")) == [21]
    sunday = date(2025, 3, 2)
    assert values(figure(ward, "acute_discharges", sunday, fortnight, interval="total")) == [21]
    by_day = values(figure(ward, "acute_discharges", MON, SUN))
    assert by_day == [0, 0, 1, 0, 0, 0, 1]
    tuesday = date(2025, 3, 4)
    assert values(figure(ward, "acute_discharges", tuesday, SUN, interval="week")) == [2]
    g = Patient("g")
    g.admitted(at(3, "10:00"))
    g.discharged(at(6, "10:00"), pathway=0)
    load(ward, events_of(g))
    assert values(figure(ward, "acute_discharges", MON, fortnight, interval="week")) == [3, 1]
    refresh(ward)
    assert values(figure(ward, "acute_discharges", MON, fortnight, interval="week")) == [3, 1]
    assert week_rows_are_their_days_summed(ward) > 0


def test_a_weekend_ratio_reads_whole_half_weeks_from_their_rows(ward: Database) -> None:
    """The weekend discharge ratio of the ward fortnight Mon 3 – Sun 16 Mar, by week. Acute
    discharges: d (Wed 5) and a (Sun 9), then e (Wed 12). Week 1: weekend mean 1/2, weekday
    mean 1/5: 2.5; week 2: 0/2 ÷ 1/5 = 0. The refresh keeps each whole week's weekdays and
    weekend summed (on Mon 3 and Sat 8), and a span that is one of those halves reads its row:
    Sat 8's made ten times larger, week 1 reads 10/2 ÷ 1/5 = 25; from Tue 4, the weekdays Tue –
    Fri are read day by day (1/4) and the weekend from its row: 5 ÷ 1/4 = 20; by month
    (March from Mon 3: its weekdays Mon 3 – Fri 7 and 10 – 14 from their rows, then Mon 17 – Mon
    31 by day; its weekends 8–9 from their row, then 15–16, 22–23, 29–30: 10 in 8 weekend days,
    2 in 21 weekdays): 1.25 ÷ 2/21 = 13.125.

    Then g arrives late: W1 Mon 3 Mar 10:00, discharged Sat 8 Mar 10:00. Before any refresh
    the halves past the tally's cut are not read: week 1 2/2 ÷ 1/5 = 5; after it, their rows
    hold the days again: 5."""
    fortnight = date(2025, 3, 16)
    refresh(ward)
    assert week_rows_are_their_days_summed(ward) > 0

    def ratios(start: date, end: date, interval: str = "week") -> list[float]:
        answer = figure(ward, "weekend_discharge_ratio", start, end, interval=interval)
        return [round(v, 3) for v in values(answer)]

    assert ratios(MON, fortnight) == [2.5, 0.0]
    t = FigureTally.__table__.c
    with ward.session(write=True) as session:
        weekend = [t.source.like(f"%{tally.HALVES}"), t.day == date(2025, 3, 8)]
        assert session.execute(select(func.count()).where(*weekend)).scalar_one() > 0
        session.execute(update(FigureTally).where(*weekend).values(n=t.n * 10))
    assert ratios(MON, fortnight) == [25.0, 0.0]
    assert ratios(date(2025, 3, 4), fortnight) == [20.0, 0.0]
    assert ratios(MON, date(2025, 3, 31), "month") == [13.125]
    g = Patient("g")
    g.admitted(at(3, "10:00"))
    g.discharged(at(8, "10:00"), pathway=0)
    load(ward, events_of(g))
    assert ratios(MON, fortnight) == [5.0, 0.0]
    refresh(ward)
    assert ratios(MON, fortnight) == [5.0, 0.0]
    assert week_rows_are_their_days_summed(ward) > 0


def test_a_census_by_week_is_read_as_sums_per_span(
    ward: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ward fortnight Mon 3 – Sun 16 Mar by week. Occupied: 4 5 4 4 4 4 3 = 28, then b and
    c every day and e on Mon 10 and Tue 11 (it leaves Wed 12): 16; ready: 2 3 3 2 3 3 2 = 18,
    then b 7 and e 2: 9. By week and in total the census is read as the database's sums per
    span and key (metrics.tally.census_sums), never day by day from the tally.

    Then f arrives late (W1 from Tue 4 Mar 09:00, ready Wed 5 Mar 12:00, out Fri 7 Mar): in at
    the censuses of Tue, Wed and Thu (+3), ready at Wed's and Thu's (+2). Before the refresh
    the tally's cut is Tue 4, inside the first week: its Monday and earlier days are summed
    by the database, the rest read from the derived tables, the tallied census taken back out
    on the cut."""
    fortnight = date(2025, 3, 16)
    refresh(ward)

    def by_day_from_the_tally(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a census read day by day from the tally")

    def weekly(name: str, interval: str = "week") -> list[tuple[Any, Any, Any]]:
        """(value, numerator, denominator) of each period, read with no day from the tally."""
        with monkeypatch.context() as patch:
            patch.setattr(tally.reading, "_tallied", by_day_from_the_tally)
            rows = figure(ward, name, MON, fortnight, interval=interval).records()
        return [(r["value"], r["numerator"], r["denominator"]) for r in rows]

    assert weekly("acute_occupied") == [(4.0, 28, 7), (16 / 7, 16, 7)]
    assert weekly("acute_occupied", "total") == [(44 / 14, 44, 14)]
    assert weekly("delayed_bed_days") == [(18, None, None), (9, None, None)]
    by_unit = figure(ward, "acute_occupied", MON, fortnight, interval="total", group_by="unit")
    # W1: b 14, c 13 (from Tue), e 9 (to Tue 11), a Mon and Tue 2; W2: a Wed–Sat 4, d Mon, Tue 2.
    assert {r["group"]: r["numerator"] for r in by_unit.records()} == {"W1": 38, "W2": 6}
    f = Patient("f")
    f.admitted(at(4, "09:00"))
    f.ready(at(5, "12:00"), pathway=1)
    f.discharged(at(7, "10:00"), pathway=1)
    load(ward, events_of(f))
    assert weekly("acute_occupied") == [(31 / 7, 31, 7), (16 / 7, 16, 7)]
    assert weekly("delayed_bed_days") == [(20, None, None), (9, None, None)]
    refresh(ward)
    assert weekly("acute_occupied") == [(31 / 7, 31, 7), (16 / 7, 16, 7)]
    assert weekly("delayed_bed_days", "total") == [(29, None, None)]


def test_a_read_of_every_organisation_names_the_source_s_parts(ward: Database) -> None:
    """A read of every organisation's rows of a source with an organisation column names the
    source's parts (so each day range is looked up per part): every part is found, whatever
    its days, and no other source's."""
    rows = [
        ("t:parted", "RX1", date(2025, 3, 3), "[1]", 2),
        ("t:parted", "RX1", date(2025, 3, 9), "[1]", 1),
        ("t:parted", "CP1", date(2025, 3, 4), "[2]", 5),
        ("t:parted", "ZZ9", date(2024, 1, 1), "[3]", 7),  # only long before the others
        ("t:parted/week", "RX1", date(2025, 3, 3), "[1]", 3),
        ("t:other", "QQ1", date(2025, 3, 3), "[1]", 4),
    ]
    keys = ("source", "part", "day", "key", "n")
    with ward.session(write=True) as session:
        session.execute(insert(FigureTally), [dict(zip(keys, r, strict=True)) for r in rows])
    t = FigureTally.__table__.c

    def taken(names: list[str], columns: list[str], parts: Any = None) -> int:
        with ward.engine.connect() as c:
            which = named_parts(c, names, columns, parts)
            query = select(func.count()).where(t.source.in_(names), *which)
            return int(c.execute(query).scalar_one())

    with ward.engine.connect() as c:
        assert parts_in(c, "t:parted") == ["CP1", "RX1", "ZZ9"]
        assert parts_in(c, "t:other") == ["QQ1"]
        assert parts_in(c, "t:none") == []
    parted = ["unit", "organisation"]
    assert taken(["t:parted"], parted) == 4
    assert taken(["t:parted", "t:parted/week", "t:other"], parted) == 6
    assert taken(["t:parted"], parted, ["RX1"]) == 2
    assert taken(["t:parted"], ["unit"]) == 0  # no organisation column: part '' only
    assert taken(["t:none"], parted) == 0


def test_tally_rows_come_back_as_the_source_s_frame(ward: Database) -> None:
    """Tally rows written by hand for a made-up source keyed by organisation and unit, with
    two counts, read back as the frame the source's live read would give: on PostgreSQL
    fetched as one row per key with its days and counts packed (store.dialect.sql.packed),
    on SQLite row by row. The days and keys of the rows are mixed up on purpose (a key's days
    are not next to each other in the table's order), and one key has a single day."""
    source = tally.Tallied(
        key="t:packed",
        day="day",
        values=("n", "m"),
        live=lambda c, a, b, part: pd.DataFrame(),
        days=lambda c, a, b, part: pd.DataFrame(),
    )
    jan = [date(2024, 1, d) for d in (1, 2, 3)]
    rows = [  # part (organisation), day, key (the unit), n, m
        ("RX1", jan[0], '["W1"]', 2, 10),
        ("RX1", jan[0], '["W2"]', 1, 5),
        ("CP1", jan[0], '["P1"]', 7, 0),
        ("RX1", jan[1], '["W1"]', 3, 21),
        ("RX1", jan[2], '["W2"]', 4, 40_000_000_000),  # beyond 32 bits
        ("RX1", jan[2], '["W1"]', 1, 1),
    ]
    with ward.session(write=True) as session:
        session.add(
            TallySource(
                source=source.name,
                upto=date(2024, 2, 1),  # every day read is tallied
                columns='["organisation", "unit"]',
                built_at=datetime(2024, 2, 1),
            )
        )
        session.execute(
            insert(FigureTally),
            [
                {"source": source.name, "part": p, "day": d, "key": k, "n": n, "m": m}
                for p, d, k, n, m in rows
            ],
        )
    with ward.engine.connect() as c:
        got = tally.read(c, source, jan[0], date(2024, 1, 31))
        one = tally.read(c, source, jan[0], date(2024, 1, 31), part="CP1")
    assert list(got.columns) == ["day", "organisation", "unit", "n", "m"]
    assert str(got["day"].dtype) == "datetime64[us]"
    got = got.sort_values(["day", "organisation", "unit"]).reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "day": pd.to_datetime([jan[0], jan[0], jan[0], jan[1], jan[2], jan[2]]),
            "organisation": ["CP1", "RX1", "RX1", "RX1", "RX1", "RX1"],
            "unit": ["P1", "W1", "W2", "W1", "W1", "W2"],
            "n": [7, 2, 1, 3, 1, 4],
            "m": [0, 10, 5, 21, 1, 40_000_000_000],
        }
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["n"].dtype == "int64" and got["m"].dtype == "int64"
    assert one[["organisation", "unit", "n", "m"]].values.tolist() == [["CP1", "P1", 7, 0]]
