"""A partner's limit on patient-level data (SPEC §7): its organisation or local authority."""

from __future__ import annotations

from typing import Any

from access.tokens import Principal


class ScopeMissing(PermissionError):
    """A partner token without a scope may not read patient-level data."""


def patient_scope(principal: Principal) -> str | None:
    """The organisation or local authority whose patients the principal may see; None: all.
    Raises ScopeMissing for a partner without one."""
    if principal.role != "partner":
        return None
    if principal.scope is None:
        raise ScopeMissing("a partner token without a scope may not read patient-level data")
    return principal.scope


def sees_spells(principal: Principal, spells: list[dict[str, Any]]) -> bool:
    """A partner sees a patient only if a spell is with its organisation or local authority."""
    if principal.role != "partner":
        return True
    scope = principal.scope
    return any(scope in (s["organisation_code"], s["local_authority"]) for s in spells)
