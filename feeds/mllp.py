"""MLLP: HL7 v2 messages over TCP, each framed as 0x0B <message> 0x1C 0x0D (SPEC §9).

Our own small framer rather than the `hl7.mllp` streams: those take everything up to the
next 0x1C 0x0D as one block and reject it whole when it does not start with 0x0B, so garbage
before a frame loses the message that follows it, and they decode ASCII only.

Here bytes outside frames are ignored; a frame may arrive split over many reads, and many
frames may arrive in one read; a second 0x0B inside a frame restarts it (the sender gave up
on the first); a frame ends at 0x1C (the 0x0D after it, outside any frame, is ignored).
Each connection's messages are handled in order, each answered by one ACK; the frames that
arrive together (a sender that does not wait for each ACK) are handled together, so a
database handler can store them in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.messages import Received, decode, split_messages
from feeds.hl7v2.problems import FieldProblem

START, END, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_FRAME = 20 * 1024 * 1024  # as the API's request body limit
log = logging.getLogger(__name__)
Handler = Callable[[str], str]  # one message's text → its ACK
BatchHandler = Callable[[list[str]], list[list[str]]]  # frames' texts → each frame's ACKs


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
    handler: Handler | None,
    host: str,
    port: int,
    *,
    max_frame: int = MAX_FRAME,
    batch_handler: BatchHandler | None = None,
) -> asyncio.Server:
    """A started asyncio server answering each framed message with `handler(text)`, the ACK,
    or, with `batch_handler`, the frames of each read together (each frame's ACKs in order).

    Handlers are blocking (they may touch a database): they run in a worker thread. Use the
    server as `async with server: await server.serve_forever()`; port 0 picks a free port
    (`server.sockets[0].getsockname()[1]`)."""
    if batch_handler is None:
        assert handler is not None, "give a handler or a batch_handler"
        batch_handler = _one_by_one(handler)
    answer_all = batch_handler

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client: frames answered in order until it hangs up or misbehaves."""
        framer = Framer(max_frame)
        try:
            while data := await reader.read(65536):
                bodies = framer.feed(data)
                if not bodies:
                    continue
                for acks in await asyncio.to_thread(_answer_all, answer_all, bodies):
                    for ack in acks:
                        writer.write(frame(ack))
                await writer.drain()
        except (FrameTooLarge, ConnectionError) as error:
            log.warning("MLLP connection dropped: %s", type(error).__name__)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(connection, host, port)


def _one_by_one(handler: Handler) -> BatchHandler:
    def each(texts: list[str]) -> list[list[str]]:
        return [[handler(text)] for text in texts]

    return each


def _answer_all(handler: BatchHandler, bodies: list[bytes]) -> list[list[str]]:
    """The handler's ACKs of each frame; if it fails, an AE built here for each message, so
    the sender is never left waiting. Nothing of a message is logged: it holds patient
    details."""
    texts = [decode(body) for body in bodies]
    try:
        return handler(texts)
    except Exception as error:
        log.error("MLLP handler failed: %s", type(error).__name__)
        return [[_failed(text)] for text in texts]


def _failed(text: str) -> str:
    received = split_messages(text)
    first = received[0] if received else Received(text, None)
    problem = FieldProblem("", "the message could not be processed; send it again later")
    return build_ack(first, problem, now=datetime.now(UTC), facility="")


def send_mllp(
    host: str,
    port: int,
    messages: Iterable[str],
    *,
    timeout: float = 30.0,
    window: int = 1,
) -> list[str]:
    """Sends each message in its own frame over one connection; the ACKs in order. With
    `window` 1 it waits for each ACK before sending the next (as most integration engines
    do); a larger window keeps up to that many messages unanswered. A small blocking client
    for tests and benchmarks."""
    acks: list[str] = []
    framer = Framer()
    pending: list[bytes] = []
    unanswered = 0
    with socket.create_connection((host, port), timeout=timeout) as sock:
        queue = deque(messages)
        while queue or unanswered:
            while queue and unanswered < window:
                sock.sendall(frame(queue.popleft()))
                unanswered += 1
            while not pending:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("the server closed the connection before answering")
                pending += framer.feed(data)
            while pending:
                acks.append(decode(pending.pop(0)))
                unanswered -= 1
    return acks
