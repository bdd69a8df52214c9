"""The listening socket of `d2a serve --workers N`, made so that every answer leaves at once.

With several workers uvicorn binds the socket itself (`Config.bind_socket`) and leaves its
`proto` at 0. Each connection accepted inherits that, and asyncio turns Nagle's algorithm off
(TCP_NODELAY) only on a socket whose proto says TCP; so on a kept-alive connection an answer
smaller than a segment, sent after its headers, waited for the client's delayed
acknowledgement, some 40 ms (uvicorn issue #3149, open). One system's snapshot on a 60-day
national deployment took 104 ms over HTTP with two workers, against 57–60 ms with one.
A single worker is not affected: asyncio makes that socket itself.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, binding a TCP socket that says it is one."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            # The same descriptor (bound, listening, inheritable), with its protocol stated.
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


def run_workers(app: str, workers: int, **options: Any) -> None:
    """`uvicorn.run(app, factory=True, workers=workers, **options)`, on a TcpConfig socket."""
    config = TcpConfig(app, factory=True, workers=workers, **options)
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C ends it quietly
        Multiprocess(config, sockets=[config.bind_socket()]).run()
