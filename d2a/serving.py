"""A real server in a process of its own (uvicorn, `d2a.server:create_app`) over a given
database: for tests and benchmarks that need real concurrency, a real socket or a process to
kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    url: str, env: dict[str, str] | None = None, workers: int | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """Serves the application over `url` (already migrated) on a free port: (base URL, process).
    With `workers`, as `d2a serve --workers N` does (tallies recounted in the background)."""
    port = free_port()
    environment = os.environ | {"D2A_DATABASE_URL": url} | (env or {})
    command = [sys.executable, "-m", "uvicorn", "--factory", "d2a.server:create_app"]
    command += ["--port", str(port), "--log-level", "warning"]
    if workers is not None:
        d2a = str(Path(sys.executable).with_name("d2a"))
        command = [d2a, "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.stderr and process.stderr.read()!r}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=1) as answer:
                if answer.status == 200:
                    return base, process
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("the server did not start within 30 s")


def stop(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """Ends the server: SIGTERM (or SIGKILL, as a power cut would), then waits for it."""
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


@contextmanager
def serving(
    url: str, env: dict[str, str] | None = None, workers: int | None = None
) -> Iterator[str]:
    base, process = start(url, env, workers)
    try:
        yield base
    finally:
        stop(process)
