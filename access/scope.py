"""What a token may see (SPEC §7): a partner's patient-level data is limited to its
organisation or local authority; a system-scoped token (coordinator, analyst, board, display;
issue 18) sees only its system's figures and patients."""

from __future__ import annotations

from typing import Any

from access.principal import Principal

# A patient scope: one organisation or local authority (a partner's), a system's
# organisations (a system-scoped token's), or None: every patient.
Scope = str | tuple[str, ...] | None


class ScopeMissing(PermissionError):
    """A partner token without a scope may not read patient-level data."""


class OutsideScope(PermissionError):
    """A system-scoped token asked about an organisation or system outside its own."""

    field = "organisation"


def patient_scope(principal: Principal) -> Scope:
    """Whose patients the principal may see: a system's organisations (and the residents of
    its local authorities), a partner's organisation or local authority; None: all.
    Raises ScopeMissing for a partner without one (tokens made before scopes were required)."""
    if principal.system is not None:
        return principal.members
    if principal.role != "partner":
        return None
    if principal.scope is None:
        raise ScopeMissing("a partner token without a scope may not read patient-level data")
    return principal.scope


def figure_scope(principal: Principal | None, organisation: str | None) -> str | None:
    """The organisation filter a question about figures runs with: as asked, but for a
    system-scoped token its system unless it asked for its system or one of its organisations.
    Raises OutsideScope for any other organisation or system."""
    system = None if principal is None else principal.system
    if principal is None or system is None:
        return organisation
    if organisation is None or organisation == system:
        return system
    if organisation in principal.members:
        return organisation
    raise OutsideScope(f"{organisation!r} is outside this token's system {system}")


def in_scope(column: Any, scope: Scope) -> Any:
    """The SQL condition that `column` (an organisation or local authority code) is in `scope`
    (not None)."""
    if isinstance(scope, tuple):
        return column.in_(scope)
    return column == scope


def scope_target(principal: Principal, scope: Scope) -> str | None:
    """The scope as the audit log names it: the system's code for a system's organisations."""
    return principal.scope if isinstance(scope, tuple) else scope
