"""A partner's limit on patient-level data (SPEC §7): its organisation or local authority."""

from __future__ import annotations

from access.principal import Principal


class ScopeMissing(PermissionError):
    """A partner token without a scope may not read patient-level data."""


def patient_scope(principal: Principal) -> str | None:
    """The organisation or local authority whose patients the principal may see; None: all.
    Raises ScopeMissing for a partner without one (tokens made before scopes were required)."""
    if principal.role != "partner":
        return None
    if principal.scope is None:
        raise ScopeMissing("a partner token without a scope may not read patient-level data")
    return principal.scope
