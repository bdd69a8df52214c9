"""The coordinator's position at an instant (SPEC §1, issue 3); the list of who is ready is
`metrics.ready_list`.

SPEC §2's census rule applied to an instant t: a stay, or a piece of readiness, is *in* at t when
start_at < t ≤ end_at, or it is still open. At a census instant (the local midnight ending day D)
the snapshot therefore gives exactly that day's census figures of `metrics.census`.

Day counts are midnights passed, as at a census, with L the Europe/London date of t:
- length of stay = L − the spell's admission date (across ward transfers);
- days waiting = L − the discharge ready date (the local date the current readiness began): the
  delay the person would have if they left at t.
At the census of day D, L = D + 1, so these are the catalogue's D + 1 − admission date (stranded)
and D + 1 − DRD (band). Bands are the catalogue's 0, 1, 2-3, 4-6, 7-13, 14-20, 21+.

Speed: only rows that can be in at one of the two instants are read, through their length
class (`metrics.instants`), so the cost follows the census rather than the history. The
database does the counting (`metrics.snapshot_counts`: sums of CASE flags, grouped by every
breakdown at once), so what reaches Python is a few hundred group rows, never one per patient;
`metrics.snapshot_answer` shapes them. `events_reflected` (`metrics.reflected`) reads the
per-hour event tally and counts only the instant's own hour exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from metrics.breakdown import ALL_PATHWAY_GROUPS
from metrics.capacity_status import capacity_status
from metrics.instants import Window
from metrics.reflected import events_reflected
from metrics.snapshot_answer import iso, pathway_totals, reasons, services
from metrics.snapshot_counts import STRANDED, ready_counts, stay_counts, units_of
from store.dialect.locks import for_point_reads


def snapshot(
    connection: Connection,
    *,
    as_of: datetime,
    organisation: str | tuple[str, ...] | None = None,
    local_authority: str | None = None,
    system: str | None = None,
) -> dict[str, Any]:
    """The coordinator's figures at `as_of` (naive UTC) and 24 hours earlier; no patient ids.

    `organisation` limits acute figures to that site and D2A services to that provider, as the
    metrics' `organisation` filter does. `local_authority` limits the people ready to leave
    (totals, pathways, sites, bands, reasons) to that council's residents; acute inpatients,
    stranded patients and D2A services stay the hospitals' and services' (residence is not
    what a bed count is about). `capacity_status` (metrics.capacity_status) judges each
    pathway's queue against its free places by the trigger levels; None for an organisation's
    or a local authority's snapshot (the levels are the system's). A system's snapshot
    (`system`, with `organisation` its organisations) is the whole picture of that system:
    its sites, services and capacity status.
    """
    for_point_reads(connection)
    w = Window.around(as_of)
    units = units_of(connection, organisation)
    sites = tuple(dict.fromkeys(u.organisation_code for u in units if u.setting == "acute"))
    stays = stay_counts(connection, w, organisation)
    acute, d2a = stays.where(stays["setting"] == "acute"), stays.where(stays["setting"] != "acute")
    ready = ready_counts(connection, w, organisation)
    if local_authority is not None:
        ready = ready.where(ready["local_authority"] == local_authority)
    by_pathway = ready.groups("pathway", ALL_PATHWAY_GROUPS)
    waiting = {int(g["group"]): g for g in by_pathway if g["group"] in ("1", "2", "3")}
    d2a_services = services(connection, w, units, d2a, waiting, organisation)
    count, latest = events_reflected(connection, as_of)
    answer = {
        "as_of": iso(as_of),
        "compared_with": iso(w.before_at),
        "local_date": w.now_day.isoformat(),
        "compared_with_local_date": w.before_day.isoformat(),
        "organisation": system if isinstance(organisation, tuple) else organisation,
        "local_authority": local_authority,
        "acute_inpatients": acute.total() | {"by_site": acute.groups("organisation", sites)},
        "ready_to_leave": ready.total()
        | {
            "by_pathway": by_pathway,
            "by_site": ready.groups("organisation", sites),
            "by_local_authority": ready.groups("local_authority"),
        },
        "waits_by_band": ready.bands(),
        "top_reasons": reasons(connection, ready),
        **{f"stranded_{n}": acute.total(f"los{n}_now", f"los{n}_before") for n in STRANDED},
        "d2a_services": d2a_services,
        "d2a_pathways": pathway_totals(d2a_services, waiting),
        "events_reflected": count,
        "latest_event_at": iso(latest),
    }
    # Trigger levels are the system's: one provider's places against one site's queue is not
    # what they measure, so an organisation's snapshot has none.
    scoped = isinstance(organisation, str) or local_authority is not None
    answer["capacity_status"] = None if scoped else capacity_status(connection, answer)
    return answer
