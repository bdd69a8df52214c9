"""`d2a serve --workers N` listens on a socket whose connections send at once (TCP_NODELAY):
uvicorn's own socket for several workers leaves Nagle's algorithm on (d2a.listener)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from d2a.listener import TcpConfig


def nodelay_of_an_accepted_connection(config: uvicorn.Config) -> int:
    """Binds `config`'s socket, serves it as uvicorn's workers do (asyncio's create_server on
    the socket), connects once and returns TCP_NODELAY of the connection the server accepted."""
    listening = config.bind_socket()
    accepted: list[int] = []

    class Look(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def once() -> None:
        server = await asyncio.get_running_loop().create_server(Look, sock=listening)
        async with server:
            port = listening.getsockname()[1]
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if accepted:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    try:
        asyncio.run(once())
    finally:
        listening.close()
    assert len(accepted) == 1
    return accepted[0]


def test_the_workers_socket_is_tcp_and_its_connections_do_not_wait() -> None:
    config = TcpConfig("d2a.server:create_app", factory=True, host="127.0.0.1", port=0)
    listening = config.bind_socket()
    try:
        assert listening.proto == socket.IPPROTO_TCP
        assert listening.type == socket.SOCK_STREAM
        assert listening.get_inheritable()  # handed to the worker processes, as uvicorn's is
    finally:
        listening.close()
    assert nodelay_of_an_accepted_connection(config) != 0


def test_uvicorn_s_own_socket_still_leaves_nagle_on() -> None:
    """Why d2a.listener exists: when this fails, uvicorn has mended its socket (issue #3149)
    and TcpConfig can go."""
    config = uvicorn.Config("d2a.server:create_app", factory=True, host="127.0.0.1", port=0)
    assert nodelay_of_an_accepted_connection(config) == 0
