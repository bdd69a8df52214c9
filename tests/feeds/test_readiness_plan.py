"""When a listed person's new readiness begins, the events' ids, and how a long plan is cut into
ledger batches; without a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from feeds.readiness import receive
from feeds.readiness.plan import event_id, ready_from
from feeds.readiness.position import Past
from feeds.readiness.rows import Listed

AS_OF = datetime(2025, 7, 10, 8, 0)  # naive UTC, 09:00 BST


def listed(ready: date) -> Listed:
    return Listed(2, "RX1", ready, 1, None)


@pytest.mark.parametrize(
    ("ready", "past", "as_of", "begins"),
    [
        # The DRD's local midnight: 23:00 UTC the day before in summer time, 00:00 in winter.
        (date(2025, 7, 8), Past(datetime(2025, 7, 1, 9), None), AS_OF, datetime(2025, 7, 7, 23)),
        (
            date(2025, 1, 8),
            Past(datetime(2025, 1, 1, 9), None),
            datetime(2025, 1, 10, 9),
            datetime(2025, 1, 8, 0),
        ),
        # Admitted after the DRD's midnight: one second after the admission.
        (
            date(2025, 7, 8),
            Past(datetime(2025, 7, 8, 14), None),
            AS_OF,
            datetime(2025, 7, 8, 14, 0, 1),
        ),
        # A readiness withdrawn after that midnight: one second after the withdrawal.
        (
            date(2025, 7, 5),
            Past(datetime(2025, 7, 1, 9), datetime(2025, 7, 8, 11)),
            AS_OF,
            datetime(2025, 7, 8, 11, 0, 1),
        ),
        # A withdrawal before the DRD changes nothing.
        (
            date(2025, 7, 8),
            Past(datetime(2025, 7, 1, 9), datetime(2025, 7, 3, 11)),
            AS_OF,
            datetime(2025, 7, 7, 23),
        ),
        # Admitted half a second before as_of: at as_of itself (after the admission by type).
        (date(2025, 7, 10), Past(datetime(2025, 7, 10, 7, 59, 59, 500000), None), AS_OF, AS_OF),
        # Withdrawn at as_of itself: no instant is left.
        (date(2025, 7, 8), Past(datetime(2025, 7, 1, 9), AS_OF), AS_OF, None),
    ],
)
def test_when_a_new_readiness_begins(
    ready: date, past: Past, as_of: datetime, begins: datetime | None
) -> None:
    assert ready_from(listed(ready), past, as_of) == begins


def test_event_ids_are_fixed_by_feed_instant_patient_and_kind() -> None:
    one = event_id("LTH", AS_OF, "ps-1", "discharge_ready")
    assert one == event_id("LTH", AS_OF, "ps-1", "discharge_ready")
    others = {
        event_id("LTX", AS_OF, "ps-1", "discharge_ready"),
        event_id("LTH", datetime(2025, 7, 10, 8, 1), "ps-1", "discharge_ready"),
        event_id("LTH", AS_OF, "ps-2", "discharge_ready"),
        event_id("LTH", AS_OF, "ps-1", "delay_reason"),
    }
    assert one not in others and len(others) == 4
    assert one.startswith("rl#") and len(one) == 63


def test_a_long_plan_is_cut_between_patients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of at most 3 events: b's two events are not cut apart, so the first batch
    stops before them."""
    monkeypatch.setattr(receive, "MAX_BATCH", 3)
    events = [{"patient_id": p} for p in ["a", "a", "b", "b", "c", "d", "d"]]
    assert receive._batches(events) == [(0, 2), (2, 5), (5, 7)]
    assert receive._batches(events[:3]) == [(0, 3)]
