"""National returns (SPEC §10): NHS England's monthly Discharge Ready Date provider return.

One row per acute organisation and a system total (`TOTAL`), read from the same discharge
counts as the catalogue's delay figures (metrics.discharge_sources), so the return and
Trends agree: delay = local discharge date − the DRD of the final readiness, 0 without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from metrics import sources
from metrics.discharge_sources import counted_discharges
from metrics.grid import BANDS, delay_bands
from metrics.metric import MetricQueryError
from metrics.suppression import suppress_record
from metrics.tables import csv_bytes, xlsx_bytes
from models.clock import day_out_of_range, local_date
from models.reference import ACUTE_SETTINGS, Organisation

TOTAL = "TOTAL"
DRD_COLUMNS: tuple[str, ...] = (
    "org_code",
    "org_name",
    "patients_discharged",
    "bed_days_lost",
    "pct_same_day",
    "pct_one_plus_days",
    *(column for band in BANDS for column in (f"n_{band}", f"bed_days_{band}")),
    "mean_delay_all",
    "mean_delay_delayed",
)
COUNTS = (
    "patients_discharged",
    "bed_days_lost",
    *(f"{kind}_{band}" for band in BANDS for kind in ("n", "bed_days")),
)
RATES = {
    "pct_same_day": ("n_0", "patients_discharged"),
    "pct_one_plus_days": ("delayed", "patients_discharged"),
    "mean_delay_all": ("bed_days_lost", "patients_discharged"),
    "mean_delay_delayed": ("bed_days_lost", "delayed"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class DrdReturn:
    """One month's return: rows in DRD_COLUMNS order (plus the hidden `delayed` count)."""

    month: date
    rows: list[dict[str, Any]]
    incomplete: bool
    events_reflected: int
    latest_event_at: datetime | None

    def records(self, suppress: bool = False) -> list[dict[str, Any]]:
        """The rows with exactly the return's columns; for publication with `suppress`."""
        rows = [suppress_record(r, COUNTS, RATES) for r in self.rows] if suppress else self.rows
        return [{c: row[c] for c in DRD_COLUMNS} for row in rows]

    def answer(self, suppress: bool = False) -> dict[str, Any]:
        latest = self.latest_event_at
        return {
            "month": self.month.strftime("%Y-%m"),
            "suppressed": suppress,
            "incomplete": self.incomplete,
            "events_reflected": self.events_reflected,
            "latest_event_at": latest.isoformat() + "Z" if latest else None,
            "rows": self.records(suppress),
        }

    def filename(self, extension: str) -> str:
        return f"drd_return_{self.month:%Y-%m}.{extension}"

    def csv(self, suppress: bool = False) -> bytes:
        return csv_bytes(DRD_COLUMNS, self.records(suppress))

    def xlsx(self, suppress: bool = False) -> bytes:
        about = [
            (key, str(value) if value is not None else None)
            for key, value in self.answer(suppress).items()
            if key != "rows"
        ]
        records = self.records(suppress)
        return xlsx_bytes("drd_return", DRD_COLUMNS, records, "about", about)


def parse_month(text: str) -> date:
    """The first day of a `YYYY-MM` month; MetricQueryError naming `month` otherwise."""
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError) as error:
        raise MetricQueryError("month", f"{text!r} is not a month written YYYY-MM") from error
    if len(text) != 7:
        raise MetricQueryError("month", f"{text!r} is not a month written YYYY-MM")
    problem = day_out_of_range(first)
    if problem:
        raise MetricQueryError("month", problem)
    return first


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def drd_return(
    connection: Connection, month: date, now: datetime, system: tuple[str, ...] | None = None
) -> DrdReturn:
    """The DRD return of the month starting `month` (naive UTC `now` says if it is over); of
    one system's organisations only (`system`: a system-scoped token's), its total theirs."""
    last = month_end(month)
    counted = counted_discharges(
        connection, ACUTE_SETTINGS, month, last, system, ("delay_days", "organisation", "overnight")
    )
    counted = counted[counted["overnight"].astype(int) == 1]
    orgs = _acute_organisations(connection, counted, system)
    rows = [_row(code, name, counted[counted["organisation"] == code]) for code, name in orgs]
    rows.append(_row(TOTAL, "System total", counted))
    count, latest = sources.events_reflected(connection, last)
    return DrdReturn(month, rows, local_date(now) <= last, count, latest)


def _acute_organisations(
    connection: Connection, counted: pd.DataFrame, system: tuple[str, ...] | None
) -> list[tuple[str, str]]:
    """Every organisation (of `system`) with an acute unit or an acute discharge, by code,
    with its name."""
    codes = set(sources.units(connection, ACUTE_SETTINGS, system)["organisation"])
    codes |= set(counted["organisation"].dropna())
    found = connection.execute(select(Organisation.code, Organisation.name)).all()
    names: dict[str, str] = {str(code): str(name) for code, name in found}
    return [(code, names.get(code, code)) for code in sorted(codes)]


def _row(code: str, name: str, counted: pd.DataFrame) -> dict[str, Any]:
    """One organisation's (or the total's) columns from its discharge counts."""
    n = counted["n"].to_numpy(dtype=np.int64)
    delay = counted["delay_days"].fillna(0).to_numpy(dtype=np.int64)
    bands = delay_bands(pd.Series(delay)).to_numpy()
    discharged, lost = int(n.sum()), int((n * delay).sum())
    delayed = int(n[delay >= 1].sum())
    row: dict[str, Any] = {"org_code": code, "org_name": name}
    row |= {"patients_discharged": discharged, "bed_days_lost": lost}
    row["pct_same_day"] = _ratio(discharged - delayed, discharged, 100.0)
    row["pct_one_plus_days"] = _ratio(delayed, discharged, 100.0)
    for band in BANDS:
        inside = bands == band
        row[f"n_{band}"] = int(n[inside].sum())
        row[f"bed_days_{band}"] = int((n * delay)[inside].sum())
    row["mean_delay_all"] = _ratio(lost, discharged)
    row["mean_delay_delayed"] = _ratio(lost, delayed)
    row["delayed"] = delayed
    return row


def _ratio(numerator: int, denominator: int, scale: float = 1.0) -> float | None:
    return numerator / denominator * scale if denominator else None
