"""GET /api/v1/metrics, /metrics/{name} (JSON, CSV, XLSX) and /metrics/{name}/spc."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from d2a.server import create_app
from metrics.catalogue import METRICS
from store.database import Database
from store.settings import Settings
from tests.conftest import token_for
from tests.metrics.scenario import Patient

URL = "/api/v1/metrics"
WEEK = {"start": "2025-03-03", "end": "2025-03-09"}


def _post(client: TestClient, headers: dict[str, str], events: list[dict[str, Any]]) -> None:
    response = client.post("/api/v1/events", json=events, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
def one_discharge(client: TestClient, system: Database, coordinator: dict[str, str]) -> TestClient:
    """Admitted Mon 3 March 14:00, ready Tue 09:00 (P1), discharged Wed 10:00 (UTC = local)."""
    p = Patient("p1")
    p.admitted("2025-03-03T14:00:00+00:00")
    p.ready("2025-03-04T09:00:00+00:00", pathway=1)
    p.discharged("2025-03-05T10:00:00+00:00", pathway=1)
    _post(client, coordinator, p.events)
    return client


def test_the_catalogue_lists_every_metric_once(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    answer = client.get(URL, headers=coordinator).json()
    names = [m["name"] for m in answer["metrics"]]
    assert names == [m.name for m in METRICS] and len(set(names)) == 23
    home_first = next(m for m in answer["metrics"] if m["name"] == "home_first_rate")
    assert home_first["target"] == 95.0 and home_first["direction"] == "increase"
    assert home_first["rate"] is True and "excluding" in home_first["definition"]
    assert home_first["headline"] is True
    assert "events_reflected" in answer["conventions"]
    assert "data_from" in answer["conventions"]["data_start"]


def test_a_figure_answers_in_the_spec_shape(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    # Stay Mon 14:00 → Wed 10:00 is in the Mon and Tue censuses: 2 patient-days over 7 days.
    answer = one_discharge.get(
        f"{URL}/acute_occupied", params=WEEK | {"interval": "week"}, headers=coordinator
    ).json()
    assert {k: answer[k] for k in ("metric", "start", "end", "interval", "group_by")} == {
        "metric": "acute_occupied",
        "start": "2025-03-03",
        "end": "2025-03-09",
        "interval": "week",
        "group_by": None,
    }
    assert answer["rows"] == [
        {
            "period": "2025-03-03",
            "group": None,
            "value": 2 / 7,
            "numerator": 2,
            "denominator": 7,
            "days": 7,
            "incomplete": False,
        }
    ]
    assert answer["events_reflected"] == 3
    assert answer["latest_event_at"].endswith("Z")


def test_a_rate_carries_numerator_and_denominator(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    # One discharge on pathway 1: Home First 1 / 1 = 100%.
    rows = one_discharge.get(
        f"{URL}/home_first_rate", params=WEEK | {"interval": "total"}, headers=coordinator
    ).json()["rows"]
    assert rows == [
        {
            "period": "2025-03-03",
            "group": None,
            "value": 100.0,
            "numerator": 1,
            "denominator": 1,
            "days": 7,
            "incomplete": False,
        }
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (WEEK | {"interval": "fortnight"}, "interval"),
        (WEEK | {"group_by": "destination"}, "group_by"),
        (WEEK | {"group_by": "colour"}, "group_by"),
        ({"start": "2025-03-09", "end": "2025-03-03"}, "start"),
        ({"start": "2025-03-32", "end": "2025-04-03"}, "start"),
        ({"end": "2025-03-09"}, "start"),
        (WEEK | {"organisation": "NOPE"}, "organisation"),
        (WEEK | {"baseline_start": "2025-01-01"}, "baseline_start"),
    ],
)
def test_bad_questions_are_422_naming_the_field(
    client: TestClient,
    system: Database,
    coordinator: dict[str, str],
    params: dict[str, str],
    field: str,
) -> None:
    response = client.get(f"{URL}/acute_occupied", params=params, headers=coordinator)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


ISO_DATE = "must be an ISO 8601 date, e.g. 2025-01-06"
OUTSIDE = "dates from 2000-01-01 to 2100-12-31 are accepted"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "0001-01-01", "end": "0001-01-07"}, "start", f"is before 2000-01-01: {OUTSIDE}"),
        ({"start": "1999-12-31", "end": "2000-01-06"}, "start", f"is before 2000-01-01: {OUTSIDE}"),
        ({"start": "2100-12-31", "end": "2101-01-01"}, "end", f"is after 2100-12-31: {OUTSIDE}"),
        ({"start": "9999-12-25", "end": "9999-12-31"}, "start", f"is after 2100-12-31: {OUTSIDE}"),
        (WEEK | {"baseline_start": "0001-01-01"}, "baseline_start", "is before 2000-01-01"),
        (WEEK | {"baseline_end": "9999-12-31"}, "baseline_end", "is after 2100-12-31"),
        ({"start": "20250303", "end": "2025-03-09"}, "start", "must be an ISO 8601 date"),
        ({"start": "1741000000", "end": "2025-03-09"}, "start", f"{ISO_DATE}, not a number"),
    ],
)
@pytest.mark.parametrize("path", ["bed_days_saved", "bed_days_saved/spc"])
def test_dates_outside_the_calendar_are_422_naming_the_parameter(
    client: TestClient,
    system: Database,
    params: dict[str, str],
    field: str,
    message: str,
    path: str,
) -> None:
    # Each of these used to be a 500 (OverflowError in the date arithmetic), or, for the
    # epoch number, a question about 1 January 1970.
    response = client.get(f"{URL}/{path}", params=params, headers=token_for(system, "analyst"))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == field and error["message"].startswith(message), error


def test_the_ends_of_the_calendar_are_answered(client: TestClient, system: Database) -> None:
    # The first and last weeks the record knows: no events, so zero patients each day from the
    # system's data_from (2024), and no figure (null) in 2000, before it.
    for params, value in (
        ({"start": "2000-01-01", "end": "2000-01-07"}, None),
        ({"start": "2100-12-25", "end": "2100-12-31"}, 0),
    ):
        response = client.get(
            f"{URL}/ready_to_leave", params=params, headers=token_for(system, "analyst")
        )
        assert response.status_code == 200, response.text
        assert [r["value"] for r in response.json()["rows"]] == [value] * 7


@pytest.mark.parametrize("rebase", ["0001-01-01", "9999-12-31", "2101-01-01"])
def test_a_rebase_outside_the_calendar_is_422_naming_it(
    client: TestClient, system: Database, rebase: str
) -> None:
    params = WEEK | {"rebase": rebase}
    response = client.get(
        f"{URL}/ready_to_leave/spc", params=params, headers=token_for(system, "analyst")
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"].startswith("rebase") and "2000-01-01 to 2100-12-31" in error["message"]


def test_unknown_metric_and_daily_weekend_ratio_are_422(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    unknown = client.get(f"{URL}/beds_in_heaven", params=WEEK, headers=coordinator)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "name"
    daily = client.get(f"{URL}/weekend_discharge_ratio", params=WEEK, headers=coordinator)
    assert daily.status_code == 422 and daily.json()["errors"][0]["field"] == "interval"


def test_an_empty_period_is_zeros(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    rows = client.get(f"{URL}/ready_to_leave", params=WEEK, headers=coordinator).json()["rows"]
    assert [r["value"] for r in rows] == [0.0] * 7


def test_csv_download(one_discharge: TestClient, coordinator: dict[str, str]) -> None:
    response = one_discharge.get(
        f"{URL}/acute_discharges", params=WEEK | {"format": "csv"}, headers=coordinator
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="acute_discharges_2025-03-03_2025-03-09_day.csv"'
        in (response.headers["content-disposition"])
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["value"] for r in rows] == ["0", "0", "1", "0", "0", "0", "0"]
    assert list(rows[0]) == [
        "period",
        "group",
        "value",
        "numerator",
        "denominator",
        "days",
        "incomplete",
    ]


def test_xlsx_download(one_discharge: TestClient, coordinator: dict[str, str]) -> None:
    params = WEEK | {"format": "xlsx", "interval": "total", "group_by": "pathway"}
    response = one_discharge.get(f"{URL}/acute_discharges", params=params, headers=coordinator)
    assert response.status_code == 200
    assert (
        "acute_discharges_2025-03-03_2025-03-09_total_pathway.xlsx"
        in (response.headers["content-disposition"])
    )
    book = load_workbook(io.BytesIO(response.content))
    figures = list(book["figures"].iter_rows(values_only=True))
    assert figures[0][:4] == ("period", "group", "label", "value")
    assert [(r[1], r[2], r[3]) for r in figures[1:]] == [
        ("0", "Pathway 0", 0),
        ("1", "Pathway 1", 1),
        ("2", "Pathway 2", 0),
        ("3", "Pathway 3", 0),
    ]
    assert dict(book["definition"].iter_rows(values_only=True))["unit"] == "discharges"


def test_aggregates_need_a_token_and_are_not_for_the_display_role(
    one_discharge: TestClient, db: Database
) -> None:
    assert one_discharge.get(f"{URL}/acute_occupied", params=WEEK).status_code == 401
    display = token_for(db, "display")  # the wall's figures only (tests/api/test_roles.py)
    assert (
        one_discharge.get(f"{URL}/acute_occupied", params=WEEK, headers=display).status_code == 403
    )
    feed = token_for(db, "feed", scope="RX1")
    assert one_discharge.get(URL, headers=feed).status_code == 403


def test_spc_chart_uses_the_metric_direction(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    params = {"start": "2025-02-01", "end": "2025-03-31"}
    answer = one_discharge.get(
        f"{URL}/acute_occupied/spc", params=params, headers=coordinator
    ).json()
    assert answer["improvement"] == "neutral" and answer["target"] is None
    (chart,) = answer["charts"]
    assert len(chart["points"]) == 59
    first = chart["points"][0]
    assert first["period"] == "2025-02-01"
    assert set(first) >= {"value", "mean", "lpl", "upl", "near_lpl", "near_upl", "point_type"}
    # Two patient-days in 59: the many zero days after 5 March are a run below the mean.
    assert chart["variation"] == "special_cause_neutral_low"


def test_spc_leaves_out_periods_without_a_figure_and_refuses_bad_options(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    params = {"start": "2025-02-01", "end": "2025-03-31"}
    answer = one_discharge.get(f"{URL}/home_first_rate/spc", params=params, headers=coordinator)
    # Only 5 March has a discharge; the other 58 days have no Home First figure.
    (chart,) = answer.json()["charts"]
    assert [p["period"] for p in chart["points"]] == ["2025-03-05"]
    assert any("58 period(s)" in w for w in chart["warnings"])
    bad = one_discharge.get(
        f"{URL}/acute_occupied/spc", params=params | {"fix_after_n_points": 3}, headers=coordinator
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fix_after_n_points"


def test_spc_charts_each_group_and_rebases(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    params_rebased: list[tuple[str, str | int | float | bool | None]] = [
        ("start", "2025-02-01"),
        ("end", "2025-03-31"),
        ("group_by", "unit"),
        ("rebase", "2025-03-01"),
        ("rebase", "2025-03-15"),
    ]
    answer = one_discharge.get(
        f"{URL}/acute_occupied/spc", params=params_rebased, headers=coordinator
    ).json()
    assert [c["group"] for c in answer["charts"]] == ["W1", "W2"]
    points = answer["charts"][0]["points"]
    # Three groups: February, 1–14 March and 15–31 March, each with its own mean.
    feb, early, late = points[0], points[28], points[42]
    assert (feb["period"], early["period"], late["period"]) == (
        "2025-02-01",
        "2025-03-01",
        "2025-03-15",
    )
    assert feb["mean"] == 0.0 and early["mean"] == pytest.approx(2 / 14) and late["mean"] == 0.0


def test_bed_days_saved_priced_at_the_configured_cost(
    system: Database, coordinator: dict[str, str]
) -> None:
    # Baseline (12 weeks before 3 March): one P1 discharge with delay 3. The week: one P1
    # discharge with delay 1: 3 − 1 = 2 bed days saved, at £350 = £700.
    app = create_app(Settings(database_url=system.url, cost_per_bed_day=350.0), database=system)
    before, now = Patient("b"), Patient("n")
    before.admitted("2025-02-01T10:00:00+00:00")
    before.ready("2025-02-02T10:00:00+00:00", pathway=1)
    before.discharged("2025-02-05T10:00:00+00:00", pathway=1)
    now.admitted("2025-03-03T10:00:00+00:00")
    now.ready("2025-03-04T10:00:00+00:00", pathway=1)
    now.discharged("2025-03-05T10:00:00+00:00", pathway=1)
    with TestClient(app) as client:
        _post(client, coordinator, before.events + now.events)
        answer = client.get(
            f"{URL}/bed_days_saved", params=WEEK | {"interval": "total"}, headers=coordinator
        ).json()
    assert answer["cost_per_bed_day"] == 350.0
    assert answer["baseline_start"] == "2024-12-09" and answer["baseline_end"] == "2025-03-02"
    (row,) = answer["rows"]
    assert (row["value"], row["priced_value"]) == (2, 700.0)


def test_figures_for_publication_are_suppressed(
    one_discharge: TestClient, coordinator: dict[str, str]
) -> None:
    # One discharge in the week: 1 is a small count, shown as *; the empty days stay 0.
    params = WEEK | {"suppress": "true"}
    answer = one_discharge.get(f"{URL}/acute_discharges", params=params, headers=coordinator)
    assert answer.json()["suppressed"] is True
    assert [r["value"] for r in answer.json()["rows"]] == [0, 0, "*", 0, 0, 0, 0]
    text = one_discharge.get(
        f"{URL}/home_first_rate",
        params=params | {"interval": "total", "format": "csv"},
        headers=coordinator,
    ).text
    assert text.splitlines()[1].startswith("2025-03-03,,*,*,*,7")
