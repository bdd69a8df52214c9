"""The people ready to leave acute beds at an instant (the coordinator's patient-level list):
the question as a caller asks it (filters, order), who may see whom, and the audit of each read,
for the API and the dashboard alike."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from access import audit
from access.principal import Principal
from access.scope import patient_scope, scope_target
from metrics.calendar import as_days
from metrics.grid import delay_bands
from metrics.instants import Window
from metrics.snapshot_answer import NO_REASON, iso
from metrics.snapshot_counts import fetch
from models import DelayReason, ReadySpan, Spell, Unit
from models.clock import local_date
from models.reference import ACUTE_SETTINGS, Scope, is_system, members_on, scope_has, scope_sql
from store.dialect.locks import for_point_reads

SORT_FIELDS = ("days_waiting", "discharge_ready_date", "unit_code", "pathway", "los_days")
DESCENDING_BY_DEFAULT = ("days_waiting", "los_days")
PATHWAY_CHOICES = ("0", "1", "2", "3", "unknown")


class ReadyListError(ValueError):
    """A question the list cannot answer; `field` names the parameter (API: 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class ReadyQuestion:
    """Who is ready at `as_of` (naive UTC), filtered and ordered as asked."""

    as_of: datetime
    sort: str = "days_waiting"
    order: str | None = None  # asc | desc; default desc for days_waiting and los_days
    pathway: str | None = None  # 0, 1, 2, 3 or unknown
    # The site at as_of, or a system's sites (read_ready_list resolves a system code).
    organisation: str | tuple[str, ...] | None = None
    local_authority: str | None = None

    @property
    def descending(self) -> bool:
        if self.sort not in SORT_FIELDS:
            raise ReadyListError("sort", f"must be one of {', '.join(SORT_FIELDS)}")
        if self.pathway is not None and self.pathway not in PATHWAY_CHOICES:
            raise ReadyListError("pathway", f"must be one of {', '.join(PATHWAY_CHOICES)}")
        return (self.order or ("desc" if self.sort in DESCENDING_BY_DEFAULT else "asc")) == "desc"

    def keeps(self, patient: dict[str, Any]) -> bool:
        planned = patient["pathway"]
        if self.pathway is not None and (
            (planned is None and self.pathway != "unknown")
            or (planned is not None and str(planned) != self.pathway)
        ):
            return False
        if self.organisation is not None and not scope_has(
            self.organisation, patient["organisation_code"]
        ):
            return False
        return self.local_authority is None or patient["local_authority"] == self.local_authority


def read_ready_list(
    session: Session,
    principal: Principal,
    question: ReadyQuestion,
    *,
    now: datetime,
    via: str | None = None,
    client: str | None = None,
) -> list[dict[str, Any]]:
    """The list the principal may see (a partner: the people of its scope), filtered and
    sorted as asked; the read is written to the audit log at `now`, with the patient ids
    returned (`via`: the dashboard; `client`: the caller's address).
    Raises ReadyListError for a bad question, access.scope.ScopeMissing for a partner token
    without a scope."""
    descending = question.descending
    scope = patient_scope(principal)
    if isinstance(question.organisation, str) and is_system(
        session.connection(), question.organisation
    ):
        members = members_on(
            session.connection(), question.organisation, local_date(question.as_of)
        )
        question = replace(question, organisation=members)
    patients = ready_patients(
        session.connection(), as_of=question.as_of, scope=scope, only=question
    )
    patients = sort_patients([p for p in patients if question.keeps(p)], question.sort, descending)
    detail = {
        "as_of": question.as_of.isoformat(),
        "scope": scope_target(principal, scope),
        "sort": question.sort,
        "order": "desc" if descending else "asc",
        "pathway": question.pathway,
        "organisation": question.organisation,
        "local_authority": question.local_authority,
        "count": len(patients),
        "patient_ids": [p["patient_id"] for p in patients],
    }
    if via is not None:
        detail["via"] = via
    audit.record(
        session,
        principal,
        "patients.ready",
        now=now,
        client=client,
        target=scope_target(principal, scope),
        detail=detail,
    )
    return patients


def ready_patients(
    connection: Connection,
    *,
    as_of: datetime,
    scope: Scope = None,
    only: ReadyQuestion | None = None,
) -> list[dict[str, Any]]:
    """People ready to leave acute beds at `as_of` (naive UTC), longest waiting first.

    `scope` (a partner's organisation or local authority code) keeps the people whose site at
    `as_of`, whose spell's organisation (its latest unit's) or whose local authority is `scope`.
    `only` keeps the people its filters (pathway, site, local authority) keep, asking the
    database for them alone (ReadyQuestion.keeps, in SQL).
    """
    for_point_reads(connection)
    w = Window.around(as_of)
    joined, r, where = w.rows(ReadySpan, ACUTE_SETTINGS, instants=1)
    s = Spell.__table__.c
    # Unit names and reasons are looked up here, and the discharge ready date is the local
    # date of the readiness's start (as its readiness_period row has it, ledger.timeline):
    # joined in SQL, by nested loops (for_point_reads), they were three index probes per
    # person on a national list.
    query = (
        select(
            r.patient_id,
            r.unit_code,
            r.organisation_code,
            s.local_authority,
            r.planned_pathway.label("pathway"),
            r.reason_code,
            r.ready_since,
            s.admitted_date,
        )
        .select_from(joined)
        .where(*where, w.in_now(r))
    )
    if scope is not None:
        query = query.where(
            or_(
                scope_sql(r.organisation_code, scope),
                scope_sql(s.organisation_code, scope),
                scope_sql(s.local_authority, scope),
            )
        )
    if only is not None:
        query = query.where(*_kept(only, r, s))
    rows = fetch(connection, query)
    u, d = Unit.__table__.c, DelayReason.__table__.c
    names = dict(connection.execute(select(u.code, u.name)).all())
    reasons = {
        code: (label, group)
        for code, label, group in connection.execute(select(d.code, d.label, d.group))
    }
    rows["unit_name"] = rows["unit_code"].map(names)
    rows["reason_label"] = rows["reason_code"].map(lambda c: reasons.get(c, (None, None))[0])
    rows["reason_group"] = rows["reason_code"].map(lambda c: reasons.get(c, (None, None))[1])
    since = pd.to_datetime(rows["ready_since"]).dt.to_pydatetime()
    rows["discharge_ready_date"] = pd.Series([local_date(t) for t in since], dtype=object)
    today = np.datetime64(w.now_day, "D")
    waited = pd.Series((today - as_days(rows["discharge_ready_date"])).astype(np.int64))
    rows["days_waiting"] = waited
    rows["band"] = delay_bands(waited)
    rows["reason_label"] = rows["reason_label"].where(rows["reason_code"].notna(), NO_REASON)
    rows["los_days"] = (today - as_days(rows["admitted_date"])).astype(np.int64)
    rows["pathway"] = rows["pathway"].astype("Int64")
    order = ["patient_id", "unit_code", "unit_name", "organisation_code", "local_authority"]
    order += ["pathway", "discharge_ready_date", "days_waiting", "band", "reason_code"]
    order += ["reason_label", "reason_group", "ready_since", "admitted_date", "los_days"]
    rows = rows[order].sort_values(
        ["days_waiting", "patient_id"], ascending=[False, True], kind="stable"
    )
    return plain_rows(rows)


def _kept(question: ReadyQuestion, r: Any, s: Any) -> list[ColumnElement[bool]]:
    """ReadyQuestion.keeps as SQL conditions on the ready span `r` and its spell `s`."""
    kept = []
    if question.pathway == "unknown":
        kept.append(r.planned_pathway.is_(None))
    elif question.pathway is not None:
        kept.append(r.planned_pathway == int(question.pathway))
    if question.organisation is not None:
        kept.append(scope_sql(r.organisation_code, question.organisation))
    if question.local_authority is not None:
        kept.append(s.local_authority == question.local_authority)
    return kept


def sort_patients(
    patients: list[dict[str, Any]], field: str, descending: bool
) -> list[dict[str, Any]]:
    """The list ordered by `field` (one of SORT_FIELDS); unknown values last; ties by patient."""
    if field not in SORT_FIELDS:
        raise ValueError(f"sort must be one of {', '.join(SORT_FIELDS)}")
    by_patient = sorted(patients, key=lambda p: p["patient_id"])
    known = [p for p in by_patient if p[field] is not None]
    unknown = [p for p in by_patient if p[field] is None]
    return sorted(known, key=lambda p: p[field], reverse=descending) + unknown


def plain_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain_row makes them, converted a column at a time: a row at a
    time (DataFrame.to_dict, then plain_row per value) took most of a national list's time."""
    names = [str(name) for name in rows.columns]
    columns = [_plain_column(rows[name]) for name in rows.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _plain_column(column: pd.Series) -> list[Any]:
    """plain_row's values of one column."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return list(column.tolist())  # numpy integers and booleans as Python's
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":
        return [None if pd.isna(t) else iso(t) for t in column.dt.to_pydatetime()]
    values = column.tolist()
    kinds = {type(v) for v in values}
    if kinds <= {str, type(None)}:
        return list(values)  # already plain: text, or nothing
    if kinds <= {date, type(None)}:
        return [None if v is None else v.isoformat() for v in values]
    if kinds <= PLAIN_OR_MISSING:  # a nullable pathway; codes with NaN for none: as plain_row
        return [
            None if v is None or v is pd.NA or (type(v) is float and v != v) else v for v in values
        ]
    return [plain_row({"v": v})["v"] for v in column.astype(object)]


# Values plain_row passes as they are, or makes None (None, pd.NA, NaN): a column of them needs
# no call per value (three such columns took a third of a national list's 250 ms).
PLAIN_OR_MISSING = {str, int, float, bool, type(None), type(pd.NA)}


def plain_row(row: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[str(key)] = None
        elif isinstance(value, pd.Timestamp):
            out[str(key)] = iso(value.to_pydatetime())
        elif isinstance(value, datetime):
            out[str(key)] = iso(value)
        elif isinstance(value, date):
            out[str(key)] = value.isoformat()
        elif isinstance(value, np.integer | np.bool_):
            out[str(key)] = value.item()
        else:
            out[str(key)] = value
    return out
