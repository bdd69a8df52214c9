"""Tables derived from the event log, rebuilt per patient on every write.

A *spell* runs from an admission to its discharge (an acute spell across ward transfers, or a
D2A episode across moves between units of the same setting). A *stay* is the part of a spell
spent in one unit. A *readiness period* runs from a discharge_ready to its withdrawal or the
discharge. A *ready span* is a piece of a readiness period in which unit, planned pathway and
delay reason are constant, so any census can be grouped by them as they were at that time.
Stays, readiness periods and ready spans are found through their spell (the key starts with
spell_id); only spells are indexed by patient. No foreign key ties a child to its spell:
ledger.ingest.write_derived brings a patient's spells and all their children to what the
replay of their events gives, in one transaction (deleting and inserting only the rows that
differ), and the keys' checks cost each batch a query per row (migration 6b2d9e4f1a37).
Times are naive UTC; `*_date` columns are Europe/London local dates.

Stays and ready spans also keep a *length class*, so that the rows in at an instant are found
without reading every row that started before it (`metrics.instants`): a row of class k < 16
lasted at most 2**k hours, so it can be in at an instant t only if it started at or after
t − 2**k hours. Class 16 (UNBOUNDED) holds the open rows and any that lasted longer than 2**15
hours (about 3.7 years): they have no such bound. (Not NULL for open rows: PostgreSQL cannot
start an index range at "IS NULL", and read the whole index instead.)
"""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

UNBOUNDED = 16
_HOUR = timedelta(hours=1)


def length_class(start_at: datetime, end_at: datetime | None) -> int:
    """The smallest k ≥ 0 with end_at − start_at ≤ 2**k hours, at most UNBOUNDED; UNBOUNDED
    while the row is open."""
    if end_at is None:
        return UNBOUNDED
    hours = -((start_at - end_at) // _HOUR)  # whole hours, rounded up
    return min(UNBOUNDED, (max(hours, 1) - 1).bit_length())


class Spell(Base):
    __tablename__ = "spell"
    __table_args__ = (
        Index("ix_spell_setting_discharged", "setting", "discharged_at"),
        Index("ix_spell_setting_admitted", "setting", "admitted_at"),
        # One organisation's discharges of a few days (a recount of its tallies, a figure of
        # its days since the last one) without walking every organisation's.
        Index("ix_spell_organisation_discharged", "organisation_code", "discharged_at"),
    )

    spell_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the admission event_id
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    setting: Mapped[str] = mapped_column(String(20))
    admitted_at: Mapped[datetime] = mapped_column(DateTime)
    admitted_date: Mapped[date] = mapped_column(Date)
    discharged_at: Mapped[datetime | None] = mapped_column(DateTime)
    discharged_date: Mapped[date | None] = mapped_column(Date)
    first_unit_code: Mapped[str] = mapped_column(String(32))
    last_unit_code: Mapped[str] = mapped_column(String(32))
    organisation_code: Mapped[str] = mapped_column(String(16))  # of the last unit
    admission_method: Mapped[str | None] = mapped_column(String(16))
    local_authority: Mapped[str | None] = mapped_column(String(64))
    age: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(32))
    planned_pathway: Mapped[int | None] = mapped_column(Integer)  # latest planned pathway
    delay_reason: Mapped[str | None] = mapped_column(String(8))  # latest reason while ready
    ready_at: Mapped[datetime | None] = mapped_column(DateTime)  # start of the final readiness
    discharge_ready_date: Mapped[date | None] = mapped_column(Date)  # its local date (DRD)
    destination: Mapped[str | None] = mapped_column(String(32))
    discharge_pathway: Mapped[int | None] = mapped_column(Integer)
    delay_days: Mapped[int | None] = mapped_column(Integer)  # set when discharged
    journey_id: Mapped[str | None] = mapped_column(String(64))


class Stay(Base):
    __tablename__ = "stay"
    __table_args__ = (
        Index("ix_stay_setting_period", "setting", "start_at", "end_at"),
        # An organisation's first stay (the default start of its data, metrics.data_start).
        Index("ix_stay_organisation_start", "organisation_code", "start_at"),
        # The stays of some organisations (a system's) in at an instant, one range per length
        # class as ix_stay_length_start gives every organisation's (metrics.instants).
        Index("ix_stay_organisation_length", "organisation_code", "length_class", "start_at"),
        # With every column the coordinator views read from a stay, so SQLite counts the stays
        # in at an instant from the index alone.
        Index(
            "ix_stay_length_start",
            "length_class",
            "start_at",
            "end_at",
            "setting",
            "unit_code",
            "organisation_code",
            "spell_admitted_date",
        ),
    )

    spell_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # its spell's
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))  # found through their spell
    unit_code: Mapped[str] = mapped_column(String(32))
    organisation_code: Mapped[str] = mapped_column(String(16))
    setting: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))  # transferred | discharged
    length_class: Mapped[int] = mapped_column(SmallInteger)  # see the module's text
    # The spell's admission date (LOS runs across ward transfers), so a census of stays by
    # length of stay needs no join to the spells.
    spell_admitted_date: Mapped[date] = mapped_column(Date)


class ReadinessPeriod(Base):
    __tablename__ = "readiness_period"

    spell_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # its spell's
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))  # found through their spell
    setting: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(DateTime)
    start_date: Mapped[date] = mapped_column(Date)
    end_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by: Mapped[str | None] = mapped_column(String(24))  # readiness_withdrawn | discharged


class ReadySpan(Base):
    __tablename__ = "ready_span"
    __table_args__ = (
        Index("ix_ready_span_setting_period", "setting", "start_at", "end_at"),
        Index("ix_ready_span_length_start", "length_class", "start_at"),
        Index("ix_ready_span_organisation_start", "organisation_code", "start_at"),
        # The pieces of readiness of some organisations (a system's) in at an instant, one range
        # per length class as ix_ready_span_length_start gives every organisation's.
        Index("ix_ready_span_organisation_length", "organisation_code", "length_class", "start_at"),
    )

    spell_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # its spell's
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(64))  # found through their spell
    setting: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str] = mapped_column(String(32))
    organisation_code: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime | None] = mapped_column(DateTime)
    ready_since: Mapped[datetime] = mapped_column(DateTime)  # start of its readiness period
    planned_pathway: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(8))
    # The spell's local authority (set at admission, never changed), so the people ready at an
    # instant are counted by local authority without a join to their spells.
    local_authority: Mapped[str | None] = mapped_column(String(64))
    length_class: Mapped[int] = mapped_column(SmallInteger)  # see the module's text


class EventTally(Base):
    """Events per hour, so a figure or a view can say cheaply how many events it reflects.

    An event counts in the hour it occurred (`hour_at`, the hour's first instant, naive UTC)
    and on that hour's local date (`day`: a Europe/London midnight is a whole UTC hour, so an
    hour lies in one local day); a void in the earlier of its own hour and its target's. So
    "events before the census of D, with their voids" is the sum of days ≤ D, and "events before
    the instant t" the sum of the hours before t's, plus t's own hour counted from the log
    (metrics.reflected): a few thousand events at most, where a day of a national deployment
    holds some 80,000.
    """

    __tablename__ = "event_tally"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    latest_received_at: Mapped[datetime] = mapped_column(DateTime)


class FigureTally(Base):
    """Per-day counts of what a figure reads (metrics.tally): a source's rows for one local day.

    `key` holds the row's breakdown values as a JSON list (in the order of the source's
    `columns`), but for an organisation, kept in `part` ('' for a source without one) so that
    one organisation's rows are read alone; `n` and `m` its one or two counts. Days before the
    source's `upto` that no change has touched since (tally_change) equal what the derived
    tables give.
    """

    __tablename__ = "figure_tally"
    # SQLite keeps the rows in key order (a source's days are read together), not by rowid.
    __table_args__ = {"sqlite_with_rowid": False}

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    part: Mapped[str] = mapped_column(String(16), primary_key=True)  # organisation, or ''
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    m: Mapped[int | None] = mapped_column(BigInteger)


class TallySource(Base):
    """A tallied source: its days before `upto` are in figure_tally; its key columns."""

    __tablename__ = "tally_source"

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    upto: Mapped[date] = mapped_column(Date)
    columns: Mapped[str] = mapped_column(String(1000))  # JSON list of the key's columns
    built_at: Mapped[datetime] = mapped_column(DateTime)


class TallyChange(Base):
    """The earliest local day each write could change a figure on, until a refresh of the
    tallies takes it in, and the organisation whose figures it could change (None: any).
    Written by ingest in its own transaction (a row per organisation its batch touched)."""

    __tablename__ = "tally_change"
    __table_args__ = (Index("ix_tally_change_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    organisation: Mapped[str | None] = mapped_column(String(16))
