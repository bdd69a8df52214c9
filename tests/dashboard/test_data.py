"""dashboard.data: the dashboard reads the same figures, SPC and files as the API serves."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from access.principal import Principal
from dashboard import data
from dashboard.data import Backend
from models import AuditEntry
from store.database import Database
from tests.conftest import token_for
from tests.dashboard.conftest import AS_OF, LOADED_AT
from tests.metrics.scenario import Patient, load

PERIOD = {"start": "2025-02-17", "end": "2025-03-09", "interval": "week"}


def test_comparison_names_codes_and_keeps_the_order() -> None:
    items = [{"group": "RX1", "now": 2, "before": 1}, {"group": "unknown", "now": 0, "before": 3}]
    frame = data.comparison(items, names={"RX1": "Riverside Hospital"})
    assert frame.to_dict("list") == {
        "group": ["Riverside Hospital", "unknown"],
        "now": [2, 0],
        "before": [1, 3],
    }


def test_services_come_sorted_by_pathway_with_free_places(backend: Backend) -> None:
    frame = data.services(data.snapshot(backend, AS_OF))
    assert frame[["unit_code", "pathway", "capacity", "occupied", "free"]].to_dict("list") == {
        "unit_code": ["H1", "B1", "C1"],
        "pathway": [1, 2, 3],
        "capacity": [10, 4, 2],
        "occupied": [1, 0, 0],
        "free": [9, 4, 2],
    }


def test_metric_rows_equal_the_api_answer(
    backend: Backend, client: TestClient, ward: Database
) -> None:
    result = data.metric(
        backend, "ready_to_leave", date(2025, 2, 17), date(2025, 3, 9), "week", "pathway"
    )
    api = client.get(
        "/api/v1/metrics/ready_to_leave",
        params=PERIOD | {"group_by": "pathway"},
        headers=token_for(ward, "analyst"),
    ).json()
    assert result.records() == api["rows"]


def test_spc_charts_equal_the_api_spc_answer(
    backend: Backend, client: TestClient, ward: Database
) -> None:
    params = {"start": "2025-02-17", "end": "2025-03-09", "interval": "day"}
    result = data.metric(backend, "acute_occupied", date(2025, 2, 17), date(2025, 3, 9), "day")
    [chart] = result.spc_charts()
    [api] = client.get(
        "/api/v1/metrics/acute_occupied/spc", params=params, headers=token_for(ward, "board")
    ).json()["charts"]
    assert (chart.assurance, chart.variation) == (api["assurance"], api["variation"])
    mine = chart.points.assign(period=[p.isoformat() for p in chart.points["period"]])
    columns = ["period", "value", "mean", "lpl", "upl", "point_type"]
    assert mine[columns].to_dict("records") == [{c: p[c] for c in columns} for p in api["points"]]


def test_exports_are_the_api_files_byte_for_byte(
    backend: Backend, client: TestClient, ward: Database
) -> None:
    result = data.metric(backend, "acute_occupied", date(2025, 2, 17), date(2025, 3, 9), "week")
    body, filename = data.export(result, "csv")
    api = client.get(
        "/api/v1/metrics/acute_occupied",
        params=PERIOD | {"format": "csv"},
        headers=token_for(ward, "analyst"),
    )
    assert body == api.content
    assert filename in api.headers["content-disposition"]
    xlsx, xlsx_name = data.export(result, "xlsx")
    assert xlsx[:2] == b"PK" and xlsx_name.endswith(".xlsx")


def test_reading_the_patient_list_is_audited(backend: Backend, ward: Database) -> None:
    coordinator = Principal(token_id=1, role="coordinator", scope=None, name="hub")
    rows = data.ready_patients(backend, coordinator, AS_OF, LOADED_AT, client="10.0.0.7")
    assert list(rows["patient_id"]) == ["p1", "p2"]
    with ward.session() as session:
        [entry] = session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.role, entry.at) == ("patients.ready", "coordinator", LOADED_AT)
    assert (entry.token_id, entry.client) == (1, "10.0.0.7")
    detail = json.loads(entry.detail or "{}")
    assert detail["count"] == 2 and detail["via"] == "dashboard"
    assert detail["patient_ids"] == ["p1", "p2"]


def test_organisations_and_the_data_start(backend: Backend) -> None:
    assert [o["code"] for o in data.organisations(backend)] == ["CP1", "CH1", "RX1", "LA1"]
    # No organisation has a data_from here: the data start is the first event's day.
    assert data.data_start(backend) == date(2025, 2, 20)


def test_answers_are_reused_until_an_event_arrives(backend: Backend, ward: Database) -> None:
    first = data.metric(backend, "acute_occupied", date(2025, 3, 1), date(2025, 3, 9), "day")
    again = data.metric(backend, "acute_occupied", date(2025, 3, 1), date(2025, 3, 9), "day")
    assert again is first
    late = Patient("p9")
    late.admitted("2025-03-08T10:00:00+00:00")
    load(ward, late.events, now=LOADED_AT)
    fresh = data.metric(backend, "acute_occupied", date(2025, 3, 1), date(2025, 3, 9), "day")
    assert fresh is not first
    assert fresh.records()[-1]["value"] == first.records()[-1]["value"] + 1


def test_answers_expire(backend: Backend) -> None:
    cache = data.AnswerCache(seconds=0.0)
    result = data.metric(backend, "acute_occupied", date(2025, 3, 1), date(2025, 3, 9), "day")
    cache.put(("k",), result)
    assert cache.get(("k",)) is None


def test_screens_at_the_same_minute_share_a_snapshot(backend: Backend, ward: Database) -> None:
    first = data.snapshot(backend, AS_OF.replace(second=5))
    assert data.snapshot(backend, AS_OF.replace(second=50)) is first
    assert first["as_of"] == AS_OF.isoformat() + "Z"  # taken to the minute
    late = Patient("p9")
    late.admitted("2025-03-10T09:00:00+00:00")
    load(ward, late.events, now=LOADED_AT)
    fresh = data.snapshot(backend, AS_OF.replace(second=50))
    assert fresh["acute_inpatients"]["now"] == first["acute_inpatients"]["now"] + 1


def test_the_silent_feeds_are_found_in_one_query(backend: Backend, with_feeds: Database) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(with_feeds.engine, "before_cursor_execute", count)
    try:
        silent = data.silent_feeds(backend, AS_OF)
    finally:
        event.remove(with_feeds.engine, "before_cursor_execute", count)
    [query] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert "feed_message" in query
    assert [(f.name, f.last_message_at) for f in silent] == [
        ("Community PAS", None),
        ("Riverside hub list", datetime(2025, 3, 10, 7, 0)),
    ]
    later = [f.name for f in data.silent_feeds(backend, AS_OF + timedelta(minutes=16))]
    assert later == ["Community PAS", "Riverside hub list", "Riverside PAS"]
