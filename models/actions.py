"""Actions and escalations (SPEC §6): the coordinator's and partners' to-do list of the daily
call, kept beside the event log as a log of its own.

An *action* is made once and never changed: its id, title, the patient it is about (if any),
when and by whom it was made. Everything that can change (status, owner organisation, due date,
note) lives in its *versions*: each change appends version n + 1, whole, and no row is ever
updated or deleted, so the action as it stood at any instant is its latest version recorded at
or before that instant. Times are naive UTC; `due` is a Europe/London local date.
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

ACTION_STATUSES = ("open", "escalated", "done")


class Action(Base):
    __tablename__ = "action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(Integer)  # a token id; None: command line


class ActionVersion(Base):
    """One state of an action, from `recorded_at` until its next version."""

    __tablename__ = "action_version"

    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, 2, ...
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    recorded_by: Mapped[int | None] = mapped_column(Integer)  # a token id; None: command line
    status: Mapped[str] = mapped_column(String(12))  # one of ACTION_STATUSES
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"))  # the owner
    due: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
