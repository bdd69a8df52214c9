"""Feeds (SPEC §9): the registry of senders' systems, what each message came to (never its
content), and the deployment's pseudonym key."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Feed(Base):
    """A registered feed: whose it is, which PID-3 authority is its local patient id, and the
    map from its points of care (PV1-3.1) to our unit codes (a JSON object)."""

    __tablename__ = "feed"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"))
    patient_id_authority: Mapped[str] = mapped_column(String(64))
    locations: Mapped[str] = mapped_column(Text)  # {"<PV1-3.1>": "<unit code>", ...}
    silent_after_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class FeedMessage(Base):
    """One message a feed sent, by its outcome: accepted, duplicate, ignored or refused (with
    the field and reason). No identifier, name or content of the message is kept."""

    __tablename__ = "feed_message"
    __table_args__ = (Index("ix_feed_message_feed_received", "feed_code", "received_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    feed_code: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16))  # hl7v2 | readiness
    message_id: Mapped[str | None] = mapped_column(String(64))  # MSH-10 (no patient detail)
    trigger: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(12))
    field: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(300))
    event_id: Mapped[str | None] = mapped_column(String(64))


class DeploymentSecret(Base):
    """A secret made once for this deployment, when no setting gives it (the pseudonym key)."""

    __tablename__ = "deployment_secret"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
