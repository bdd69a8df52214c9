"""The DRD return (SPEC §10) for a hand-worked month, every column, as JSON, CSV and XLSX.

March 2025 (GMT all month before the 30th, so UTC = local), acute discharges:

  RX1 (W1)  a  in 1 Mar 10:00, out 1 Mar 18:00: no night in hospital    not in the return
            b  in 2 Mar, never ready, out 5 Mar                         delay 0
            c  in 2 Mar, ready 4 Mar, out 5 Mar                         delay 1
            d  in 3 Mar, ready 5 Mar, out 8 Mar                         delay 3   (2-3)
            e  in 1 Feb, ready 10 Feb, out 10 Mar                       delay 28  (21+)
            f  in 5 Mar, ready 6 Mar, out 6 Mar (on the DRD)            delay 0
            g  in 20 Feb, ready 21 Feb, out 28 Feb                      February: not in it
            h  in 25 Mar, ready 26 Mar, out 1 Apr (BST)                 April: not in it
  RX2 (W3)  i  in 3 Mar, ready 5 Mar, out 10 Mar                        delay 5   (4-6)
            j  in 1 Mar, ready 3 Mar, out 17 Mar                        delay 14  (14-20)
            k  in 4 Mar, ready 5 Mar, out 13 Mar to a new care home     delay 8   (7-13)

RX1: 5 discharged, 32 bed days lost, 2 on the DRD (40%), 3 delayed (60%), mean 32 ÷ 5 = 6.4,
     mean of the delayed 32 ÷ 3. RX2: 3, 27, 0%, 100%, 9, 9.
TOTAL: 8, 59, 25%, 75%, 59 ÷ 8 = 7.375, 59 ÷ 6.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger import reference
from metrics.returns import DRD_COLUMNS
from metrics.tally import changed_from
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient, events_of, load

URL = "/api/v1/returns/drd"
MARCH = {"month": "2025-03"}
BANDS = ("0", "1", "2-3", "4-6", "7-13", "14-20", "21+")


def stay(
    p: Patient, unit: str, admitted: str, out: str, ready: str | None = None, **kw: Any
) -> None:
    p.admitted(f"{admitted}+00:00", unit=unit)
    if ready:
        p.ready(f"{ready}+00:00", pathway=1)
    p.discharged(
        out if "+" in out else f"{out}+00:00",
        pathway=kw.get("pathway", 1),
        **{k: v for k, v in kw.items() if k != "pathway"},
    )


@pytest.fixture
def march(system: Database) -> Database:
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        fields: dict[str, object] = {"name": "Ward 3", "organisation_code": "RX2"}
        fields |= {"setting": "acute"}
        fields |= {"pathway": None, "capacity": 20, "capacity_from": date(2024, 1, 1)}
        reference.upsert_unit(session, "W3", fields, changed_from)
    a, b, c, d, e, f, g, h, i, j, k = (Patient(x) for x in "abcdefghijk")
    stay(a, "W1", "2025-03-01T10:00:00", "2025-03-01T18:00:00")
    stay(b, "W1", "2025-03-02T10:00:00", "2025-03-05T10:00:00")
    stay(c, "W1", "2025-03-02T10:00:00", "2025-03-05T10:00:00", "2025-03-04T10:00:00")
    stay(d, "W1", "2025-03-03T10:00:00", "2025-03-08T10:00:00", "2025-03-05T10:00:00")
    stay(e, "W1", "2025-02-01T10:00:00", "2025-03-10T10:00:00", "2025-02-10T10:00:00")
    stay(f, "W1", "2025-03-05T10:00:00", "2025-03-06T15:00:00", "2025-03-06T09:00:00")
    stay(g, "W1", "2025-02-20T10:00:00", "2025-02-28T10:00:00", "2025-02-21T10:00:00")
    stay(h, "W1", "2025-03-25T10:00:00", "2025-04-01T10:00:00+01:00", "2025-03-26T10:00:00")
    stay(i, "W3", "2025-03-03T10:00:00", "2025-03-10T10:00:00", "2025-03-05T10:00:00")
    stay(j, "W3", "2025-03-01T10:00:00", "2025-03-17T10:00:00", "2025-03-03T10:00:00")
    stay(
        k,
        "W3",
        "2025-03-04T10:00:00",
        "2025-03-13T10:00:00",
        "2025-03-05T10:00:00",
        destination="care_home_new",
        pathway=3,
    )
    load(system, events_of(a, b, c, d, e, f, g, h, i, j, k))
    return system


def expected_row(
    code: str, name: str, n: list[int], days: list[int], pct: list[float], means: list[float]
) -> dict[str, Any]:
    row: dict[str, Any] = {"org_code": code, "org_name": name}
    row |= {"patients_discharged": sum(n), "bed_days_lost": sum(days)}
    row |= {"pct_same_day": pct[0], "pct_one_plus_days": pct[1]}
    for band, count, lost in zip(BANDS, n, days, strict=True):
        row |= {f"n_{band}": count, f"bed_days_{band}": lost}
    return row | {"mean_delay_all": means[0], "mean_delay_delayed": means[1]}


EXPECTED = [
    expected_row(
        "RX1",
        "Riverside Hospital",
        [2, 1, 1, 0, 0, 0, 1],
        [0, 1, 3, 0, 0, 0, 28],
        [40.0, 60.0],
        [6.4, 32 / 3],
    ),
    expected_row(
        "RX2",
        "Hilltop Hospital",
        [0, 0, 0, 1, 1, 1, 0],
        [0, 0, 0, 5, 8, 14, 0],
        [0.0, 100.0],
        [9.0, 9.0],
    ),
    expected_row(
        "TOTAL",
        "System total",
        [2, 1, 1, 1, 1, 1, 1],
        [0, 1, 3, 5, 8, 14, 28],
        [25.0, 75.0],
        [7.375, 59 / 6],
    ),
]


@pytest.fixture
def analyst(march: Database) -> dict[str, str]:
    return token_for(march, "analyst")


def test_the_drd_return_of_a_hand_worked_month(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.get(URL, params=MARCH, headers=analyst)
    assert response.status_code == 200
    answer = response.json()
    assert answer["month"] == "2025-03" and answer["incomplete"] is False
    assert [list(r) for r in answer["rows"]] == [list(DRD_COLUMNS)] * 3
    for got, want in zip(answer["rows"], EXPECTED, strict=True):
        assert got == pytest.approx(want)


def test_csv_and_xlsx_have_the_same_columns_and_figures(
    client: TestClient, analyst: dict[str, str]
) -> None:
    text = client.get(URL, params=MARCH | {"format": "csv"}, headers=analyst).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(DRD_COLUMNS)
    assert [r[0] for r in rows[1:]] == ["RX1", "RX2", "TOTAL"]
    assert rows[3][2:6] == ["8", "59", "25.0", "75.0"]
    body = client.get(URL, params=MARCH | {"format": "xlsx"}, headers=analyst).content
    sheet = load_workbook(io.BytesIO(body))["drd_return"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == list(DRD_COLUMNS)
    for got, want in zip(table[1:], EXPECTED, strict=True):
        assert dict(zip(DRD_COLUMNS, got, strict=True)) == pytest.approx(want)


def test_the_return_for_publication_is_suppressed(
    client: TestClient, analyst: dict[str, str]
) -> None:
    rows = client.get(URL, params=MARCH | {"suppress": "true"}, headers=analyst).json()["rows"]
    rx1, rx2, total = rows
    # RX1 and RX2 discharged 5 and 3 (1–7): every rate of theirs is on a suppressed count.
    assert rx1["patients_discharged"] == "*" and rx1["bed_days_lost"] == 30
    assert rx1["bed_days_21+"] == 30 and rx1["bed_days_2-3"] == "*" and rx1["n_4-6"] == 0
    assert {rx1[c] for c in ("pct_same_day", "pct_one_plus_days", "mean_delay_all")} == {"*"}
    assert rx2["bed_days_14-20"] == 15 and rx2["mean_delay_delayed"] == "*"
    # TOTAL: 8 → 10, 59 → 60; 2 on the DRD and 6 delayed are small, so those rates go;
    # 59 ÷ 8 is on two counts that are not suppressed, so it stands.
    assert (total["patients_discharged"], total["bed_days_lost"]) == (10, 60)
    assert [total[f"n_{b}"] for b in BANDS] == ["*"] * 7
    assert [total[f"bed_days_{b}"] for b in BANDS] == [0, "*", "*", "*", 10, 15, 30]
    assert total["pct_same_day"] == total["pct_one_plus_days"] == "*"
    assert total["mean_delay_all"] == 7.375 and total["mean_delay_delayed"] == "*"


def test_the_return_agrees_with_the_catalogue(client: TestClient, analyst: dict[str, str]) -> None:
    params = {"start": "2025-03-01", "end": "2025-03-31", "interval": "month"}
    for name, column in (
        ("delayed_discharge_rate", "pct_one_plus_days"),
        ("mean_delay_delayed", "mean_delay_delayed"),
    ):
        (row,) = client.get(f"/api/v1/metrics/{name}", params=params, headers=analyst).json()[
            "rows"
        ]
        assert row["value"] == pytest.approx(EXPECTED[-1][column])


@pytest.mark.parametrize("month", ["2025-13", "March", "2025-3", "1999-12", "2025-03-01"])
def test_a_month_that_is_not_one_is_a_422_naming_it(
    client: TestClient, analyst: dict[str, str], month: str
) -> None:
    response = client.get(URL, params={"month": month}, headers=analyst)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "month"


def test_only_roles_that_export_get_the_return(client: TestClient, march: Database) -> None:
    for role, status in (("board", 403), ("coordinator", 200), ("display", 403)):
        response = client.get(URL, params=MARCH, headers=token_for(march, role))
        assert response.status_code == status, role
