"""The role table of SPEC §7: the one place that says which role may do what.

The API (`api/auth.py`) and every dashboard callback (`dashboard/access.py`) ask `holds()`;
nothing else names a role's rights. A permission is what an operation needs, not an operation:
an endpoint or a callback names the permission it needs, and this table says who holds it.
"""

from __future__ import annotations

from access.principal import SYSTEM_SCOPED_ROLES as SYSTEM_SCOPED_ROLES
from access.principal import Principal

# Each permission, and what it allows.
PERMISSIONS: dict[str, str] = {
    # The organisation and unit lists, and their upserts.
    "reference:read": "read organisations and units",
    "reference:write": "create and change organisations and units (capacity history)",
    # Registering feeds and reading their health (SPEC §9).
    "feeds:manage": "register feeds and read their health",
    # Issuing, listing and revoking API tokens.
    "tokens:manage": "create, list and revoke tokens",
    # Reading the audit log (GET /api/v1/audit).
    "audit:read": "read the audit log",
    # Appending events (POST /api/v1/events, feed messages).
    "events:write": "send events",
    # Figures as JSON and on screen: the catalogue, a metric (any breakdown), its SPC chart, the
    # snapshot; the dashboard's Today, Trends and Explore pages. Never a patient.
    "aggregates:read": "read figures on screen and as JSON",
    # Figures as files (CSV, XLSX) and the national returns: what leaves the system.
    "exports": "download figures as CSV or XLSX, and the returns",
    # Notes and rebase dates on a metric's chart (reference data with history): SPEC §7 gives
    # reference data to admin, and trends, exports and returns to the analyst.
    "annotations:write": "annotate a metric's chart and set its rebase dates",
    # Patient-level data: the ready list, a timeline. A partner's is limited to its scope.
    "patients:read": "read patient-level data (a partner: of its scope only)",
    # The wall screen's figures: counts by pathway, band and reason, no unit, no patient.
    "wall:read": "read the wall screen's figures",
    # The daily call's actions and escalations (ledger.actions): every action, with its
    # patient_id for the coordinator; a partner sees patient ids of its scope's actions only.
    "actions:read": "read the actions and escalations (a partner: patient ids of its scope only)",
    # Making and changing actions; a partner only those its organisation owns.
    "actions:write": "create and change actions (a partner: those its organisation owns)",
    # Recording from the Today worklist (issue 16): a person's readiness with its DRD, planned
    # pathway, delay reason or withdrawal, each an ordinary event through ledger.ingest. A
    # partner only about its own organisation's units (as a feed token is limited).
    "worklist:record": "record readiness, pathway, delay reason and withdrawal from the worklist"
    " (a partner: about its organisation's stays only)",
}

_EVERYTHING = frozenset(PERMISSIONS)

# Each role and the permissions it holds (SPEC §7's table).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Reference data, feeds, tokens, the audit log; no patient-level reads, no events, no figures.
    "admin": frozenset(
        {
            "reference:read",
            "reference:write",
            "feeds:manage",
            "tokens:manage",
            "audit:read",
            "annotations:write",
        }
    ),
    # Everything but tokens and the audit log.
    "coordinator": _EVERYTHING - {"tokens:manage", "audit:read"},
    # Aggregates for all; patient-level data of its own organisation or local authority only.
    # Actions: those its organisation owns (ledger.actions).
    "partner": frozenset(
        {
            "reference:read",
            "aggregates:read",
            "wall:read",
            "patients:read",
            "actions:read",
            "actions:write",
            "worklist:record",
        }
    ),
    # Aggregates, exports and returns, and the notes and rebase dates of the charts.
    "analyst": frozenset(
        {"reference:read", "aggregates:read", "wall:read", "exports", "annotations:write"}
    ),
    # Aggregates on screen (no CSV or XLSX).
    "board": frozenset({"reference:read", "aggregates:read", "wall:read"}),
    # The wall screen's figures only.
    "display": frozenset({"wall:read"}),
    # Sends events, nothing else.
    "feed": frozenset({"events:write"}),
}
ROLES: tuple[str, ...] = tuple(ROLE_PERMISSIONS)

# Roles that must be given a scope, and what the scope is.
SCOPED_ROLES: dict[str, str] = {
    "partner": "an organisation code or a local authority",
    "feed": "an organisation code",
}


def holds(principal: Principal | None, permission: str) -> bool:
    """Whether the principal's role holds `permission` (no principal holds nothing)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"no such permission: {permission}")
    return principal is not None and permission in ROLE_PERMISSIONS.get(principal.role, ())


def roles_holding(permission: str) -> list[str]:
    """The roles that hold `permission`, in the table's order (for messages)."""
    return [role for role, held in ROLE_PERMISSIONS.items() if permission in held]
