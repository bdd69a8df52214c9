"""Annotations of a metric's chart (reference data with history): a short note on a date, and
whether the process changed then (a rebase: SPC starts a new group with its own limits).

Every change appends a version, whole, and no row is updated or deleted: the annotations as they
stood at any instant are, per (metric, day), the latest version recorded at or before it, unless
that version is a removal. Times are naive UTC; `day` is a Europe/London local date.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class MetricAnnotation(Base):
    """One version of the annotation of `metric` on `day`."""

    __tablename__ = "metric_annotation"
    __table_args__ = (Index("ix_metric_annotation_metric_day", "metric", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(200))
    rebase: Mapped[bool] = mapped_column(Boolean)
    removed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(Integer)  # a token id; None: command line
