"""Who is calling: a token's id, role and scope, as the role table and the audit log see it."""

from __future__ import annotations

from dataclasses import dataclass

# Roles that may be given a system (an ICB code, issue 18): the token then sees only that
# system's figures and patients, as if the deployment held that system alone.
SYSTEM_SCOPED_ROLES: tuple[str, ...] = ("coordinator", "analyst", "board", "display")


@dataclass(frozen=True)
class Principal:
    """The holder of a live token: its id, role and scope (an organisation or local authority
    code, for the roles that have one)."""

    token_id: int
    role: str
    scope: str | None
    name: str
    # A system-scoped token's system's organisations today (access.tokens.verify_token).
    members: tuple[str, ...] = ()

    @property
    def system(self) -> str | None:
        """The system (ICB code) a coordinator, analyst, board or display token is limited to;
        None: the whole deployment (or a role whose scope is not a system)."""
        return self.scope if self.role in SYSTEM_SCOPED_ROLES else None

    @property
    def writes_only_for(self) -> str | tuple[str, ...] | None:
        """The organisation whose units this principal may write about, when it is limited to
        one (a feed token, SPEC §7), or a system-scoped token's organisations; None: any."""
        if self.role == "feed":
            return self.scope
        if self.system is not None:
            return self.members
        return None
