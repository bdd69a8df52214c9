"""The benchmark scripts still run: each at a tiny size, on the database under test.

Their figures are reported in issue notes, not asserted here (timings vary with the machine);
what is asserted is that each script runs to the end and prints every line it reports, so a
change elsewhere cannot leave a benchmark broken until someone next needs its figure.
bench_ingest_instructions is left out: it runs valgrind for minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from metrics.catalogue import CATALOGUE
from tests.conftest import backend, make_empty_database

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Thirty days of the small system, seeded as `d2a seed` seeds."""
    url, drop = make_empty_database(str(tmp_path_factory.mktemp("bench")))
    d2a = str(Path(sys.executable).with_name("d2a"))
    command = [d2a, "seed", "--size", "small", "--days", "30"]
    result = subprocess.run(
        [*command, "--start", "2025-01-01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "D2A_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    yield url
    drop()


def test_bench_ingest() -> None:
    out = _run("bench_ingest.py", "--db", backend(), "--events", "400", "--batch", "100")
    assert "events            400 in 4 batches of 100" in out
    assert "throughput" in out
    assert "empty database" in out and "after the 400 events above" in out


def test_bench_ingest_with_concurrent_senders() -> None:
    out = _run(
        "bench_ingest.py", "--db", backend(), "--events", "800", "--batch", "50", "--senders", "4"
    )
    assert "events            800 in 16 batches of 50" in out
    assert "senders           4 at once" in out and "batches retried" in out


def test_bench_feeds() -> None:
    out = _run(
        "bench_feeds.py",
        "--db",
        backend(),
        "--messages",
        "90",
        "--window",
        "10",
        "--list-rows",
        "40",
    )
    for line in ("HTTP, bodies of 100", "MLLP, one at a time", "MLLP, window of 10"):
        assert line in out
    assert "readiness list of 40 rows, stored" in out and "next day" in out


def test_bench_ingest_onto_a_loaded_database(seeded: str) -> None:
    out = _run(
        "bench_ingest.py", "--db", backend(), "--events", "40", "--batch", "20", "--onto", seeded
    )
    assert "on a copy of a database of" in out


def test_bench_snapshot() -> None:
    args = ("--db", backend(), "--source", "synthetic", "--patients", "300", "--days", "20")
    out = _run("bench_snapshot.py", *args, "--repeat", "1")
    for line in ("end of data", "half-way", "snapshot()", "GET /snapshot", "GET /patients/ready"):
        assert line in out


def test_bench_metrics_times_every_metric(seeded: str) -> None:
    out = _run("bench_metrics.py", "--url", seeded, "--repeat", "1")
    timed = {line.split()[0] for line in out.splitlines() if "hand SQL" in line}
    assert timed == set(CATALOGUE)


def test_bench_dashboard(seeded: str) -> None:
    out = _run("bench_dashboard.py", "--url", seeded, "--repeat", "1")
    for page in ("Today", "Trends", "Explore", "Wall"):
        assert f"\n{page} " in out  # a page's lines; their times are not judged here


@pytest.mark.skipif(backend() != "sqlite", reason="bench_seed loads an SQLite file of its own")
def test_bench_seed() -> None:
    out = _run("bench_seed.py", "--size", "small", "--days", "10")
    assert "small, 10 days:" in out and "peak RSS" in out


@pytest.mark.skipif(backend() != "sqlite", reason="bench_spc needs no database")
def test_bench_spc() -> None:
    assert "daily points" in _run("bench_spc.py", "--repeat", "2")
