"""MLLP over a real socket on 127.0.0.1: framing edge cases, order, failures."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import hl7
import pytest

from feeds.hl7v2 import fields
from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import split_messages
from feeds.mllp import CR, END, START, Framer, FrameTooLarge, frame, send_mllp, serve_mllp
from tests.feeds.builders import adt

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


class Recorder:
    """A handler answering AA, remembering what it was given (and from which thread)."""

    def __init__(self, slow_first: float = 0.0) -> None:
        self.texts: list[str] = []
        self.threads: set[int] = set()
        self.slow_first = slow_first

    def __call__(self, text: str) -> str:
        if not self.texts and self.slow_first:
            time.sleep(self.slow_first)
        self.texts.append(text)
        self.threads.add(threading.get_ident())
        [received] = split_messages(text)
        return build_ack(received, None, now=NOW, facility="ICB")


def with_server(
    handler: Callable[[str], str], client: Callable[[int], Awaitable[list[str]]]
) -> list[str]:
    """Runs `client(port)` against a fresh server on 127.0.0.1; the ACKs it collected."""

    async def main() -> list[str]:
        server = await serve_mllp(handler, "127.0.0.1", 0)
        try:
            return await client(server.sockets[0].getsockname()[1])
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


def raw_client(*writes: bytes, acks: int) -> Callable[[int], Awaitable[list[str]]]:
    """A client sending `writes` as separate TCP writes, then reading `acks` ACK frames."""

    async def client(port: int) -> list[str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        framer, frames = Framer(), list[bytes]()
        try:
            for data in writes:
                writer.write(data)
                await writer.drain()
                await asyncio.sleep(0.05)  # let the server read each write on its own
            while len(frames) < acks:
                data = await asyncio.wait_for(reader.read(65536), timeout=10)
                assert data, "the server closed the connection"
                frames += framer.feed(data)
        finally:
            writer.close()
            await writer.wait_closed()
        return [f.decode() for f in frames]

    return client


def acked_ids(acks: list[str]) -> list[str]:
    return [str(hl7.parse(a).segment("MSA")(2)) for a in acks]


ONE, TWO = adt(control="ONE"), adt("A03", control="TWO")


def test_one_message_per_frame_with_the_client_helper() -> None:
    handler = Recorder()

    async def client(port: int) -> list[str]:
        return await asyncio.to_thread(send_mllp, "127.0.0.1", port, [ONE, TWO, ONE])

    acks = with_server(handler, client)
    assert acked_ids(acks) == ["ONE", "TWO", "ONE"]
    assert handler.texts == [ONE, TWO, ONE]
    assert threading.get_ident() not in handler.threads  # blocking work runs off the loop


def test_a_frame_split_across_two_writes() -> None:
    data = frame(ONE)
    handler = Recorder()
    acks = with_server(handler, raw_client(data[:30], data[30:], acks=1))
    assert acked_ids(acks) == ["ONE"] and handler.texts == [ONE]


def test_two_frames_in_one_write() -> None:
    handler = Recorder()
    acks = with_server(handler, raw_client(frame(ONE) + frame(TWO), acks=2))
    assert acked_ids(acks) == ["ONE", "TWO"]


def test_garbage_between_frames_is_ignored() -> None:
    data = b"hello\r\n" + frame(ONE) + b"\r\n\x00junk\x1c\r" + frame(TWO) + b"\n"
    handler = Recorder()
    acks = with_server(handler, raw_client(data, acks=2))
    assert acked_ids(acks) == ["ONE", "TWO"] and handler.texts == [ONE, TWO]


def test_messages_of_a_connection_are_answered_in_order() -> None:
    handler = Recorder(slow_first=0.3)
    acks = with_server(handler, raw_client(frame(ONE) + frame(TWO), acks=2))
    assert acked_ids(acks) == ["ONE", "TWO"]


def test_latin1_is_the_fallback_encoding() -> None:
    text = adt(control="L1", pv1={3: "WARD\xe9"})
    handler = Recorder()
    with_server(handler, raw_client(START + text.encode("latin-1") + END + CR, acks=1))
    assert handler.texts == [text]


def test_a_failing_handler_still_answers_ae() -> None:
    def broken(text: str) -> str:
        raise RuntimeError("database down")

    [ack] = with_server(broken, raw_client(frame(ONE), acks=1))
    parsed = hl7.parse(ack)
    assert str(parsed.segment("MSA")) == "MSA|AE|ONE"
    assert fields.value(Message(str(parsed)), "ERR", 7).startswith(
        "the message could not be processed"
    )


# -- the framer on its own ---------------------------------------------------------------------


def test_any_split_of_the_stream_gives_the_same_frames() -> None:
    stream = b"x" + frame(ONE) + b"yy" + frame(TWO)
    for cut in range(len(stream)):
        framer = Framer()
        assert framer.feed(stream[:cut]) + framer.feed(stream[cut:]) == [
            ONE.encode(),
            TWO.encode(),
        ]


def test_a_new_start_inside_a_frame_restarts_it() -> None:
    assert Framer().feed(START + b"half a message" + frame(ONE)) == [ONE.encode()]


def test_a_frame_over_the_limit_is_refused() -> None:
    framer = Framer(max_frame=10)
    with pytest.raises(FrameTooLarge):
        framer.feed(START + b"x" * 11)
    assert framer.feed(frame("ok")) == [b"ok"]  # the framer starts afresh


def test_a_connection_sending_an_oversized_frame_is_dropped() -> None:
    async def main() -> bytes:
        server = await serve_mllp(Recorder(), "127.0.0.1", 0, max_frame=100)
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        try:
            writer.write(START + b"x" * 200)
            await writer.drain()
            return await asyncio.wait_for(reader.read(), timeout=10)
        finally:
            writer.close()
            await writer.wait_closed()
            server.close()
            await server.wait_closed()

    assert asyncio.run(main()) == b""  # closed without an answer
