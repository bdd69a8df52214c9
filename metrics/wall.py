"""The wall screen's figures (SPEC §1, §7): the counts a discharge hub's wall shows, picked out
of the snapshot one by one, so nothing patient-level and no unit or site can pass. The wall
page draws them and the API gives them, and nothing more, to the display role."""

from __future__ import annotations

from typing import Any

TOP_REASONS = 5


def wall_figures(snap: dict[str, Any]) -> dict[str, Any]:
    """The wall's counts of a snapshot (metrics.snapshot): ready to leave in all and by pathway,
    waits by band, stranded, the top delay reasons, D2A places by pathway with each pathway's
    status against its trigger levels, and the system's level (metrics.capacity_status)."""
    ready = snap["ready_to_leave"]
    judged = snap.get("capacity_status") or {"level": "unknown", "pathways": []}
    status = {p["pathway"]: p["status"] for p in judged["pathways"]}

    def pair(item: dict[str, Any]) -> dict[str, Any]:
        return {"now": item["now"], "before": item["before"]}

    return {
        "as_of": snap["as_of"],
        "latest_event_at": snap["latest_event_at"],
        "ready": pair(ready),
        "by_pathway": [{"group": g["group"], **pair(g)} for g in ready["by_pathway"]],
        "bands": [{"band": b["band"], **pair(b)} for b in snap["waits_by_band"]],
        "stranded_7": pair(snap["stranded_7"]),
        "stranded_21": pair(snap["stranded_21"]),
        "reasons": [{"label": r["label"], **pair(r)} for r in snap["top_reasons"][:TOP_REASONS]],
        "level": judged["level"],
        "pathways": [
            {k: p[k] for k in ("pathway", "capacity", "occupied", "free", "waiting")}
            | {"status": status.get(p["pathway"], "unknown")}
            for p in snap["d2a_pathways"]
        ],
    }
