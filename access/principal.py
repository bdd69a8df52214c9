"""Who is calling: a token's id, role and scope, as the role table and the audit log see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The holder of a live token: its id, role and scope (an organisation or local authority
    code, for the roles that have one)."""

    token_id: int
    role: str
    scope: str | None
    name: str

    @property
    def writes_only_for(self) -> str | None:
        """The organisation whose units this principal may write about, when it is limited to
        one (a feed token, SPEC §7); None: any."""
        return self.scope if self.role == "feed" else None
