"""Provides the engine's doorbell: a named pipe in the state directory that other
processes ring after queueing a request, so the engine applies it at once instead of at
its next periodic look (rule R11 asks for within a second; this makes it milliseconds).

Ringing never blocks and never fails: with no engine listening, the ring is dropped and
the request simply waits in the queue.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

NAME = "engine.doorbell"


def ring(state_dir: Path) -> None:
    """Wake the engine of `state_dir`, if one listens."""
    try:
        fd = os.open(state_dir / NAME, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.write(fd, b"!")
    os.close(fd)


class Doorbell:
    """The engine's side: calls `on_ring` from a daemon thread whenever rung."""

    def __init__(self, state_dir: Path, on_ring: Callable[[], None]) -> None:
        self._path = state_dir / NAME
        self._on_ring = on_ring
        self._fd: int | None = None
        self._stopping = False

    def start(self) -> None:
        """Create the pipe (if need be) and listen on it."""
        try:
            os.mkfifo(self._path, 0o600)
        except FileExistsError:
            pass
        except OSError as error:
            if error.errno != errno.EEXIST:
                return  # no pipe: requests are still applied at the next periodic look
        # O_RDWR keeps a writer open ourselves, so reads block instead of seeing EOF.
        self._fd = os.open(self._path, os.O_RDWR)
        threading.Thread(target=self._listen, name="captain-doorbell", daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        self._stopping = True
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.write(self._fd, b"x")

    def _listen(self) -> None:
        assert self._fd is not None
        fd = self._fd
        while not self._stopping:
            try:
                data = os.read(fd, 512)
            except OSError:
                return
            if not data or self._stopping:
                break
            self._on_ring()
        with contextlib.suppress(OSError):
            os.close(fd)
