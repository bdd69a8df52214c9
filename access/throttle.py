"""Failed authentication, logged and slowed (SPEC §7): more than LIMIT failures within WINDOW
seconds from one client, and that client is refused (HTTP 429) until the oldest of them is a
window old, whatever token it then sends, so guessing cannot go on at full speed.

Kept in memory, in one process: a few timestamps per client that failed recently, pruned as
they age, and at most MAX_CLIENTS clients (the longest quiet forgotten first). The clock is a
parameter, so tests move time instead of waiting. The API and the dashboard share one
`AuthFailures` per application (`for_state`). Nothing here ever sees a token's text: a caller
that wants repeats of one bad token counted once passes a `key` (its hash).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

LIMIT = 20
WINDOW = 60.0
MAX_CLIENTS = 10_000

log = logging.getLogger("d2a.auth")


class AuthFailures:
    """Recent authentication failures per client address."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._failures: OrderedDict[str, deque[tuple[float, str | None]]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[tuple[float, str | None]] | None:
        """The client's failures within the window (older ones dropped); None when none."""
        found = self._failures.get(client)
        if found is None:
            return None
        while found and found[0][0] <= now - self.window:
            found.popleft()
        if not found:
            del self._failures[client]
            return None
        return found

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may now. A client is refused
        once it has LIMIT failures within the window, until the oldest of them leaves it."""
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now)
            if recent is None or len(recent) < self.limit:
                return None
            wait = recent[-self.limit][0] + self.window - now
        return max(1, math.ceil(wait))

    def failed(self, client: str, reason: str, key: str | None = None) -> None:
        """Counts and logs one failure of `client` (`reason` in words, never the token). A
        failure with the `key` of one already counted in the window is not counted again."""
        with self._lock:
            now = self.clock()
            recent = self._recent(client, now)
            if recent is not None and key is not None and any(k == key for _t, k in recent):
                return
            if recent is None:
                recent = self._failures[client] = deque()
            before = len(recent)
            recent.append((now, key))
            self._failures.move_to_end(client)
            while len(recent) > self.limit:
                recent.popleft()
            count = len(recent)
            self._forget_quiet_clients(now)
        log.warning("authentication failed from %s: %s", client, reason)
        if count == self.limit > before:
            log.warning(
                "%s: %d failed authentications within %d s; refusing it (429) for a while",
                client,
                count,
                int(self.window),
            )

    def _forget_quiet_clients(self, now: float) -> None:
        """Keeps the table small: clients whose failures have all aged out go, and past
        MAX_CLIENTS the longest quiet go first."""
        if len(self._failures) <= self.max_clients:
            return
        for client in list(self._failures):
            self._recent(client, now)
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)

    def clients(self) -> int:
        """How many clients are remembered (for tests)."""
        with self._lock:
            return len(self._failures)


_made = threading.Lock()


def for_state(state: Any) -> AuthFailures:
    """The application's one `AuthFailures`, kept on its state (FastAPI's `app.state`), made on
    first use."""
    with _made:
        found = getattr(state, "auth_failures", None)
        if found is None:
            found = AuthFailures()
            state.auth_failures = found
    return found
