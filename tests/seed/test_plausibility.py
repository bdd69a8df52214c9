"""A generated system's figures, computed by `metrics`, land where a real system's would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
import pytest

from ledger import reference
from metrics import compute
from seed.commands import seed_database
from seed.generate import RunSpec
from store.database import Database
from tests.conftest import make_empty_database

SPEC = RunSpec.of("small", 60, 11, date(2025, 1, 6))
START, END = SPEC.start, SPEC.start + timedelta(days=SPEC.days - 1)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url, drop = make_empty_database(str(tmp_path_factory.mktemp("seeded")))
    seed_database(url, SPEC)
    database = Database(url)
    yield database
    database.dispose()
    drop()


def figure(db: Database, name: str, **options: object) -> pd.DataFrame:
    with db.engine.connect() as connection:
        return compute(connection, name, start=START, end=END, **options).rows  # type: ignore[arg-type]


def by_pathway(db: Database, name: str) -> dict[str, float]:
    rows = figure(db, name, interval="total", group_by="pathway")
    return dict(zip(rows["group"].astype(str), rows["value"].astype(float), strict=True))


def test_the_pathway_mix_is_near_50_45_4_1(seeded: Database) -> None:
    mix = by_pathway(seeded, "pathway_mix")
    for pathway, share, within in (("0", 50, 3), ("1", 45, 3), ("2", 4, 1.5), ("3", 1, 0.8)):
        assert abs(mix[pathway] - share) <= within, mix


def test_about_95_percent_go_home_first(seeded: Database) -> None:
    rate = figure(seeded, "home_first_rate", interval="total")["value"].iloc[0]
    assert 93 <= rate <= 97


def test_bed_based_pathways_wait_longer_than_going_home(seeded: Database) -> None:
    delay = by_pathway(seeded, "discharge_delay")
    assert min(delay["2"], delay["3"]) > 2 * max(delay["0"], delay["1"]), delay


def test_there_are_stranded_and_super_stranded_patients(seeded: Database) -> None:
    assert figure(seeded, "stranded_7")["value"].min() > 0
    assert figure(seeded, "stranded_21")["value"].mean() > 0


def test_d2a_services_run_mostly_70_to_100_percent_full(seeded: Database) -> None:
    weekly = figure(seeded, "d2a_occupancy", group_by="pathway", interval="week")["value"]
    assert ((weekly >= 70) & (weekly <= 100)).mean() >= 0.75


def test_fewer_discharges_at_weekends_and_most_in_the_afternoon(seeded: Database) -> None:
    weekend = figure(seeded, "weekend_discharge_ratio", interval="total")["value"].iloc[0]
    before_noon = figure(seeded, "discharged_before_noon_rate", interval="total")["value"].iloc[0]
    assert 0.5 <= weekend <= 0.9
    assert 5 <= before_noon <= 30


def test_some_patients_come_back_within_30_days(seeded: Database) -> None:
    rate = figure(seeded, "readmission_30d_rate", interval="total")["value"].iloc[0]
    assert 2 <= rate <= 20


def test_every_organisation_has_data_from_the_start(seeded: Database) -> None:
    with seeded.session() as session:
        starts = {o.code: o.data_from for o in reference.list_organisations(session)}
    assert starts and set(starts.values()) == {START}
    week_before = (START - timedelta(days=7), START - timedelta(days=1))
    with seeded.engine.connect() as connection:
        before = compute(connection, "acute_occupied", start=week_before[0], end=week_before[1])
    assert before.rows["value"].isna().all()  # the warm-up: its census is there, not its flow


def test_the_run_starts_in_a_steady_state(seeded: Database) -> None:
    """The warm-up's people are in their beds on day one, with their past admissions, so no
    census climbs from zero: the first week is within a fifth of the later weeks' mean."""
    for name, group_by in (
        ("acute_occupied", None),
        ("stranded_7", None),
        ("stranded_21", None),
        ("ready_to_leave", None),
        ("d2a_occupancy", "pathway"),
    ):
        rows = figure(seeded, name, interval="week", group_by=group_by)
        for _group, weeks in rows.groupby("group", dropna=False):
            values = weeks["value"].astype(float).to_numpy()
            assert values[0] >= 0.8 * values[1:].mean(), (name, list(values))
    first_day = figure(seeded, "acute_occupied")["value"].iloc[0]
    assert first_day >= 0.8 * figure(seeded, "acute_occupied", interval="total")["value"].iloc[0]
