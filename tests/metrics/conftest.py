"""Fixtures of the figure tallies' tests: two acute trusts, and switches that make figures
read only the derived tables, or only the tallies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from metrics import census_sources, discharge_sources, readiness_sources, tally
from store.database import Database
from tests.metrics.two_trusts import Switch, two_trusts


@pytest.fixture
def trusts(system: Database) -> Database:
    return two_trusts(system)


@pytest.fixture
def untallied(monkeypatch: pytest.MonkeyPatch) -> Switch:
    """Inside `with untallied():` figures read only the derived tables."""

    @contextmanager
    def switch() -> Iterator[None]:
        with monkeypatch.context() as patch:
            patch.setattr(tally.reading, "_state", lambda *_: None)
            yield

    return switch


@pytest.fixture
def tallies_only(monkeypatch: pytest.MonkeyPatch) -> Switch:
    """Inside `with tallies_only():` a read of the derived tables behind a figure fails: the
    figures must come from the tallies alone."""

    def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("read the derived tables")

    @contextmanager
    def switch() -> Iterator[None]:
        with monkeypatch.context() as patch:
            for module, name in (
                (census_sources, "moves"),
                (census_sources, "flows"),
                (readiness_sources, "counted_readiness_starts"),
                (discharge_sources, "counted_discharges"),
            ):
                patch.setattr(module, name, refused)
            yield

    return switch
