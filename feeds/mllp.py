"""MLLP: HL7 v2 messages over TCP, each framed as 0x0B <message> 0x1C 0x0D (SPEC §9).

Our own small framer rather than the `hl7.mllp` streams: those take everything up to the
next 0x1C 0x0D as one block and reject it whole when it does not start with 0x0B, so garbage
before a frame loses the message that follows it, and they decode ASCII only.

Here bytes outside frames are ignored; a frame may arrive split over many reads, and many
frames may arrive in one read; a second 0x0B inside a frame restarts it (the sender gave up
on the first); a frame ends at 0x1C (the 0x0D after it, outside any frame, is ignored).
Each connection's messages are handled one at a time, in order, each answered by one ACK.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.messages import Received, decode, split_messages
from feeds.hl7v2.problems import FieldProblem

START, END, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_FRAME = 20 * 1024 * 1024  # as the API's request body limit
log = logging.getLogger(__name__)
Handler = Callable[[str], str]


class FrameTooLarge(Exception):
    """A frame grew past the limit: the connection is dropped."""


class Framer:
    """Turns a byte stream into MLLP frame bodies."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._frame: bytearray | None = None  # None: outside a frame

    def feed(self, data: bytes) -> list[bytes]:
        """The frames completed by `data`, in order; raises FrameTooLarge past the limit."""
        frames: list[bytes] = []
        while data:
            if self._frame is None:
                start = data.find(START)
                if start == -1:
                    break  # outside a frame: ignored
                self._frame, data = bytearray(), data[start + 1 :]
                continue
            cut = min((i for i in (data.find(START), data.find(END)) if i != -1), default=-1)
            if cut == -1:
                self._frame += data
                data = b""
            else:
                self._frame += data[:cut]
                if data[cut : cut + 1] == END:
                    frames.append(bytes(self._frame))
                    self._frame = None
                else:
                    self._frame = bytearray()  # a new start: the unfinished frame is dropped
                data = data[cut + 1 :]
            if self._frame is not None and len(self._frame) > self.max_frame:
                self._frame = None
                raise FrameTooLarge(f"an MLLP frame is over {self.max_frame} bytes")
        return frames


def frame(text: str) -> bytes:
    """One message framed for MLLP, encoded as UTF-8."""
    return START + text.encode("utf-8") + END + CR


async def serve_mllp(
    handler: Handler, host: str, port: int, *, max_frame: int = MAX_FRAME
) -> asyncio.Server:
    """A started asyncio server answering each framed message with `handler(text)`, the ACK.

    `handler` is blocking (it may touch a database): it runs in a worker thread. Use the
    server as `async with server: await server.serve_forever()`; port 0 picks a free port
    (`server.sockets[0].getsockname()[1]`)."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client: frames answered one by one until it hangs up or misbehaves."""
        framer = Framer(max_frame)
        try:
            while data := await reader.read(65536):
                for body in framer.feed(data):
                    writer.write(frame(await asyncio.to_thread(_answer, handler, body)))
                    await writer.drain()
        except (FrameTooLarge, ConnectionError) as error:
            log.warning("MLLP connection dropped: %s", type(error).__name__)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(connection, host, port)


def _answer(handler: Handler, body: bytes) -> str:
    """The handler's ACK; if it fails, an AE built here, so the sender is never left waiting.
    Nothing of the message is logged: it holds patient details."""
    text = decode(body)
    try:
        return handler(text)
    except Exception as error:
        log.error("MLLP handler failed: %s", type(error).__name__)
        received = split_messages(text)
        first = received[0] if received else Received(text, None)
        problem = FieldProblem("", "the message could not be processed; send it again later")
        return build_ack(first, problem, now=datetime.now(UTC), facility="")


def send_mllp(host: str, port: int, messages: Iterable[str], *, timeout: float = 30.0) -> list[str]:
    """Sends each message in its own frame over one connection and waits for its ACK; the
    ACKs in order. A small blocking client for tests and benchmarks."""
    acks: list[str] = []
    framer = Framer()
    pending: list[bytes] = []
    with socket.create_connection((host, port), timeout=timeout) as sock:
        for message in messages:
            sock.sendall(frame(message))
            while not pending:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("the server closed the connection before answering")
                pending += framer.feed(data)
            acks.append(decode(pending.pop(0)))
    return acks
