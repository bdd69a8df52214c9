"""The role table of SPEC §7: which roles hold each permission, for the API and the dashboard."""

from __future__ import annotations

from access.tokens import Principal

PERMISSIONS: dict[str, frozenset[str]] = {
    "events:write": frozenset({"admin", "coordinator", "feed"}),
    "reference:write": frozenset({"admin"}),
    "reference:read": frozenset({"admin", "coordinator", "partner", "analyst", "board", "display"}),
    "aggregates:read": frozenset(
        {"admin", "coordinator", "partner", "analyst", "board", "display"}
    ),
    "patients:read": frozenset({"admin", "coordinator", "partner"}),
    "tokens:manage": frozenset({"admin"}),
    "feeds:manage": frozenset({"admin", "coordinator"}),
    "feeds:send": frozenset({"coordinator", "feed"}),
}
WALL_ONLY_ROLES = frozenset({"display"})


def holds(principal: Principal | None, permission: str) -> bool:
    """Whether the principal's role holds `permission` (no principal holds nothing)."""
    return principal is not None and principal.role in PERMISSIONS[permission]


def may_read_aggregates(principal: Principal | None) -> bool:
    """The Today, Trends and Explore pages' figures (the display role is for the wall only)."""
    if principal is None or principal.role in WALL_ONLY_ROLES:
        return False
    return holds(principal, "aggregates:read")


def may_read_patients(principal: Principal | None) -> bool:
    """Patient-level lists (by local patient id)."""
    return holds(principal, "patients:read")


def may_read_wall(principal: Principal | None) -> bool:
    """The wall screen: aggregates only, the display role included."""
    return holds(principal, "aggregates:read")
