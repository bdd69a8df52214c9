"""`d2a serve --workers 2`: two server processes answer reads and take batches side by side,
and the figure tallies are recounted once, by the command's own process, not by each worker.

The batch: patients p0..p19 admitted to W1 on Mon 3 Mar 2025 at 10:00, each discharged home
(pathway 0) on Wed 5 Mar at 10:00. acute_discharges Mon 3 – Sun 9 Mar by day:
0 0 20 0 0 0 0; acute_occupied (the census at each midnight): 20 20 0 0 0 0 0.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select

from d2a.serving import start, stop
from models import TallySource
from store.database import Database
from tests.conftest import token_for

PERIOD = {"start": "2025-03-03", "end": "2025-03-09", "interval": "day"}


def batch(first: int, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n in range(first, first + count):
        patient = f"p{n}"
        events.append(
            {
                "event_id": f"{patient}-in",
                "type": "admitted",
                "patient_id": patient,
                "occurred_at": "2025-03-03T10:00:00+00:00",
                "unit_code": "W1",
                "admission_method": "emergency",
            }
        )
        events.append(
            {
                "event_id": f"{patient}-out",
                "type": "discharged",
                "patient_id": patient,
                "occurred_at": "2025-03-05T10:00:00+00:00",
                "destination": "usual_residence",
                "pathway": 0,
            }
        )
    return events


def workers_of(pid: int) -> list[int]:
    """The server processes uvicorn started for `pid` (its children running a worker)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in command:
            found.append(int(child))
    return found


def tallied_sources(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(TallySource)) or 0)


def test_two_workers_serve_side_by_side_and_one_recount_runs(system: Database) -> None:
    headers = token_for(system, "coordinator")
    environment = {"D2A_TALLY_REFRESH_SECONDS": "1", "D2A_TALLY_SETTLE_SECONDS": "0"}
    base, process = start(system.url, environment, workers=2)
    try:
        assert len(workers_of(process.pid)) == 2
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            answers: list[int] = []

            def read() -> None:
                for _ in range(10):
                    answers.append(
                        client.get("/api/v1/metrics/acute_occupied", params=PERIOD).status_code
                    )

            reader = threading.Thread(target=read)
            reader.start()
            posted = [client.post("/api/v1/events", json=batch(i * 5, 5)) for i in range(4)]
            reader.join()
            assert [p.status_code for p in posted] == [200] * 4
            assert sum(p.json()["accepted"] for p in posted) == 40
            assert answers == [200] * 10
            discharges = client.get("/api/v1/metrics/acute_discharges", params=PERIOD).json()
            assert [r["value"] for r in discharges["rows"]] == [0, 0, 20, 0, 0, 0, 0]
            # The workers serve without a recount of their own: the command's process counts.
            deadline = time.monotonic() + 60
            while tallied_sources(system) == 0 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert tallied_sources(system) > 0
            occupied = client.get("/api/v1/metrics/acute_occupied", params=PERIOD).json()
            assert [r["value"] for r in occupied["rows"]] == [20, 20, 0, 0, 0, 0, 0]
    finally:
        stop(process)
