"""Servers the tests and benchmarks start in their own processes on loopback: a free port, waiting
until one answers its health check, and stopping it. (tests/databases.py starts PostgreSQL.)"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(
    proc: subprocess.Popen[bytes],
    url: str,
    *,
    seconds: float,
    name: str = "the server",
    output: Callable[[], str] = lambda: "",
) -> None:
    """Poll `url` (a health endpoint) until it answers; RuntimeError, with the end of the server's
    output when there is one, if the process exits first or nothing answers in time."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            tail = output()[-2000:]
            raise RuntimeError(f"{name} stopped at start" + (f": {tail}" if tail else ""))
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {seconds:g} s")
        time.sleep(0.25)


def stop(proc: subprocess.Popen[bytes], seconds: float = 15) -> None:
    """Terminate, and kill what does not stop in time."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
