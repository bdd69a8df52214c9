"""The append-only event log: the source of truth. Rows are never updated or deleted."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# The event types are declared once, as ledger.events.EventType.
# Payload fields an event may carry besides event_id, type, patient_id and occurred_at.
PAYLOAD_FIELDS = (
    "unit_code",
    "pathway",
    "reason_code",
    "destination",
    "age",
    "local_authority",
    "admission_method",
    "source",
    "voids_event_id",
    "note",
)


class Event(Base):
    """One movement as the sender sent it; times are naive UTC."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_patient_occurred", "patient_id", "occurred_at"),
        # Only voids name a target: indexing the NULLs of every other event cost each insert.
        Index(
            "ix_event_voids_event_id",
            "voids_event_id",
            sqlite_where=text("voids_event_id IS NOT NULL"),
            postgresql_where=text("voids_event_id IS NOT NULL"),
        ),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(24))
    patient_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    unit_code: Mapped[str | None] = mapped_column(String(32))
    pathway: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(8))
    destination: Mapped[str | None] = mapped_column(String(32))
    age: Mapped[int | None] = mapped_column(Integer)
    local_authority: Mapped[str | None] = mapped_column(String(64))
    admission_method: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(32))
    voids_event_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    # The token that sent it (SPEC §7); None for the command line and the seed loader.
    sent_by: Mapped[int | None] = mapped_column(Integer)


class PatientLock(Base):
    """A row per patient key (a 64-bit hash of the patient id: no identifier is kept here),
    locked by each transaction that writes the patient's events, until it commits
    (store.dialect.locks.lock_patients; PostgreSQL only). A row lock lives in the row, not in
    the server's shared lock table, so a batch of 10,000 patients holds 10,000 of them without
    filling it, and two batches of other patients go on side by side."""

    __tablename__ = "patient_lock"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
