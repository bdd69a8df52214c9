"""`d2a feed mllp` over a real socket: the listener started by the test in a process of its own,
MLLP frames split across TCP reads, several in one read, bytes between frames, and each message
stored once and acknowledged in order."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import hl7
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from d2a.serving import free_port
from feeds.mllp import Framer, frame, send_mllp
from models import Event
from store.database import Database
from tests.api.test_feeds_hl7 import trust  # noqa: F401  (a fixture)
from tests.feeds.builders import adt


@pytest.fixture
def listener(trust: Database) -> Iterator[int]:  # noqa: F811
    port = free_port()
    command = [sys.executable, "-m", "d2a.cli", "feed", "mllp", "--feed", "LTH"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=os.environ | {"D2A_DATABASE_URL": trust.url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr and process.stderr.read()
                raise RuntimeError(f"no listener: {stderr!r}") from None
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()


def msa(ack: str) -> tuple[str, str]:
    segment = hl7.parse(ack).segment("MSA")
    return str(segment[1]), str(segment[2])


def acks_of(sock: socket.socket, expected: int) -> list[str]:
    framer, found = Framer(), list[str]()
    while len(found) < expected:
        data = sock.recv(65536)
        assert data, "the listener hung up"
        found += [body.decode() for body in framer.feed(data)]
    return found


def stored(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Event.event_id).order_by(Event.occurred_at)))


def test_one_message_at_a_time(listener: int, trust: Database) -> None:  # noqa: F811
    acks = send_mllp(
        "127.0.0.1",
        listener,
        [
            adt("A01", control="M1"),
            adt("A02", control="M2", evn={2: "202507011400"}, pv1={3: "WARD9"}),
            adt("A01", control="M1"),  # a resend
            adt("A02", control="M3", pv1={3: "NOWHERE"}),
        ],
    )
    assert [msa(a) for a in acks] == [("AA", "M1"), ("AA", "M2"), ("AA", "M1"), ("AE", "M3")]
    assert stored(trust) == ["hl7:LTH:M1", "hl7:LTH:M2"]


def test_a_frame_split_across_reads_and_two_frames_in_one_read(
    listener: int,
    trust: Database,  # noqa: F811
) -> None:
    first = frame(adt("A01", control="S1"))
    second = frame(adt("A02", control="S2", evn={2: "202507011400"}, pv1={3: "WARD9"}))
    third = frame(adt("A03", control="S3", evn={2: "202507021000"}, pv1={37: "19"}))
    with socket.create_connection(("127.0.0.1", listener), timeout=30) as sock:
        sock.sendall(b"noise before any frame" + first[:40])
        time.sleep(0.3)  # the rest of the frame arrives in a later read
        sock.sendall(first[40:])
        assert [msa(a) for a in acks_of(sock, 1)] == [("AA", "S1")]
        sock.sendall(second + b"\r\n" + third)  # two frames in one write
        assert [msa(a) for a in acks_of(sock, 2)] == [("AA", "S2"), ("AA", "S3")]
    assert stored(trust) == ["hl7:LTH:S1", "hl7:LTH:S2", "hl7:LTH:S3"]


def test_a_pipelining_sender_is_answered_in_order(
    listener: int,
    trust: Database,  # noqa: F811
    client: TestClient,
) -> None:
    messages = [adt("A01", control="P1")] + [adt("A08", control=f"P{n}") for n in range(2, 30)]
    acks = send_mllp("127.0.0.1", listener, messages, window=10)
    assert [msa(a)[1] for a in acks] == [f"P{n}" for n in range(1, 30)]
    assert stored(trust) == ["hl7:LTH:P1"]


def test_an_unregistered_feed_is_refused_at_start(trust: Database) -> None:  # noqa: F811
    command = [sys.executable, "-m", "d2a.cli", "feed", "mllp", "--feed", "NOPE"]
    done = subprocess.run(
        [*command, "--port", str(free_port())],
        env=os.environ | {"D2A_DATABASE_URL": trust.url},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2 and b"no feed 'NOPE'" in done.stderr
