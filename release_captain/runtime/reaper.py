"""Provides waiting for every started command on one thread: the reaper.

Each command's shell is started by its caller (the loop starts steps itself, so a step
costs no thread of its own); the reaper watches them all at once, through a pidfd per
process where Linux has them, and reports each end through the callback it was given.
It also enforces the time limit and carries out cancellations: SIGTERM to the whole
process group, then, after the grace, SIGKILL to whatever of it is still alive (rule
R12). The thread starts with the first command and then waits, costing nothing, for
the next: starting a thread per batch cost more than the commands (`true`) themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

#: How often the group of a command being killed is checked for survivors.
GRACE_POLL = 0.01
#: How long, after SIGKILL, a group's last processes are waited for before its end is
#: reported anyway (only a process stuck in the kernel outlives SIGKILL that long).
KILL_PATIENCE = 10.0
#: The longest the reaper sleeps at once: a command's deadline may be months away, and
#: `poll` takes at most ~24.8 days.
MAX_POLL_WAIT = 3600.0
#: How often processes are polled where pidfds do not exist (not Linux).
_FALLBACK_POLL = 0.005


class Ending:
    """How a watched command ended, before it becomes a `CommandResult`."""

    __slots__ = ("cancelled", "duration", "returncode", "timed_out")

    def __init__(
        self, *, returncode: int | None, timed_out: bool, cancelled: bool, duration: float
    ) -> None:
        #: The shell's status as `Popen.returncode` gives it (negative: a signal).
        self.returncode = returncode
        self.timed_out = timed_out
        self.cancelled = cancelled
        #: Seconds from start to end, the kill grace included.
        self.duration = duration


class Child:
    """One watched command: its process, its limits, and how to report its end."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        *,
        started: float,
        deadline: float,
        grace: float,
        on_end: Callable[[Ending], None],
    ) -> None:
        self.proc = proc
        self.started = started
        self.deadline = deadline
        self.grace = grace
        self.on_end = on_end
        self.pidfd: int | None = _pidfd(proc.pid)
        #: Why it is being killed: "timeout" or "cancel"; "" while it runs its course.
        self.killing = ""
        self.kill_at = 0.0
        self.check_at = 0.0
        self.killed_hard = False
        self.exited = False
        self.done = threading.Event()

    def cancel(self) -> None:
        """Cut the command off (SIGTERM, then SIGKILL after the grace); idempotent."""
        if self.killing or self.done.is_set():
            return
        self._reaper_wake(self, "cancel")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until its end has been reported; True when it has."""
        return self.done.wait(timeout)

    # Set by the reaper that watches it.
    _reaper_wake: Callable[[Child, str], None]


class Reaper:
    """Watches started commands and reports each one's end from a single thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._children: list[Child] = []
        self._incoming: list[Child] = []
        self._requests: list[tuple[Child, str]] = []
        self._thread: threading.Thread | None = None
        self._held = threading.local()
        #: Why the reaper's thread died, if it did.
        self.failed: BaseException | None = None
        self._failure_callbacks: list[Callable[[BaseException], None]] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)

    def watch(self, child: Child) -> None:
        """Start watching `child` (its process has just been started)."""
        child._reaper_wake = self._request
        with self._lock:
            self._incoming.append(child)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._guarded_loop, name="captain-reaper", daemon=True
                )
                self._thread.start()
                return
        if not getattr(self._held, "on", False):
            self._wake()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Start several commands from this thread with one wake of the reaper at the
        end, so it does not take the interpreter's lock from the starting thread after
        each one. A command that ends meanwhile is seen when the batch ends."""
        self._held.on = True
        try:
            yield
        finally:
            self._held.on = False
            self._wake()

    # -- the thread --------------------------------------------------------------------

    def _request(self, child: Child, what: str) -> None:
        with self._lock:
            self._requests.append((child, what))
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"x")

    def on_failure(self, callback: Callable[[BaseException], None]) -> Callable[[], None]:
        """Call `callback` if the reaper's thread ever dies: nothing started would be
        reported again, so whoever waits must stop rather than hang. Returns what
        forgets the callback (a loop that stops no longer waits)."""
        with self._lock:
            self._failure_callbacks.append(callback)
            failed = self.failed
        if failed is not None:
            callback(failed)

        def forget() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._failure_callbacks.remove(callback)

        return forget

    def _guarded_loop(self) -> None:
        try:
            self._loop()
        except BaseException as error:
            logger.exception("the reaper's thread failed")
            with self._lock:
                self.failed = error
                callbacks = list(self._failure_callbacks)
            for callback in callbacks:
                with contextlib.suppress(Exception):
                    callback(error)

    def _loop(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        by_fd: dict[int, Child] = {}
        while True:
            with self._lock:
                for child in self._incoming:
                    self._children.append(child)
                    if child.pidfd is not None:
                        by_fd[child.pidfd] = child
                        poller.register(child.pidfd, select.POLLIN)
                self._incoming.clear()
                requests, self._requests = self._requests, []
            for child, what in requests:
                if not child.done.is_set():
                    self._begin_kill(child, what)
            ready = poller.poll(self._poll_ms())
            for fd, _event in ready:
                if fd == self._wake_r:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                elif (exited := by_fd.pop(fd, None)) is not None:
                    # Readable for good once the shell exits: stop polling it.
                    poller.unregister(fd)
                    os.close(fd)
                    exited.exited = True
            now = time.monotonic()
            live = _LiveGroups()
            for child in list(self._children):
                if self._advance(child, now, live):
                    self._children.remove(child)
                    self._report(child)

    def _poll_ms(self) -> int:
        """Milliseconds until the next deadline (-1: none)."""
        moments = []
        for child in self._children:
            if child.pidfd is None and not child.exited:
                moments.append(time.monotonic() + _FALLBACK_POLL)
            moments.append(child.check_at if child.killing else child.deadline)
        if not moments:
            return -1
        wait = min(min(moments) - time.monotonic(), MAX_POLL_WAIT)
        return max(0, int(wait * 1000) + 1)

    def _advance(self, child: Child, now: float, live: _LiveGroups) -> bool:
        """Move one child on; True once its end can be reported."""
        if child.pidfd is None and not child.exited:
            child.exited = child.proc.poll() is not None
        if not child.killing:
            if child.exited:
                return True
            if now >= child.deadline:
                self._begin_kill(child, "timeout")
            return False
        if now < child.check_at and not child.exited:
            return False
        child.check_at = now + GRACE_POLL
        if child.killed_hard:
            # Its end is reported once the whole group is gone, so what replaces it (a
            # rollback) never runs beside it; a process stuck in the kernel is waited
            # for only so long.
            gone = not live.alive(child.proc.pid) or now >= child.kill_at + KILL_PATIENCE
            return child.exited and gone
        if child.exited and not live.alive(child.proc.pid):
            return True
        if now >= child.kill_at:
            _signal_group(child.proc.pid, signal.SIGKILL)
            child.killed_hard = True
        return False

    def _begin_kill(self, child: Child, why: str) -> None:
        if child.killing:
            return
        child.killing = why
        now = time.monotonic()
        child.kill_at = now + child.grace
        child.check_at = now + GRACE_POLL
        # start_new_session: the shell leads its own group, whose id is its pid.
        _signal_group(child.proc.pid, signal.SIGTERM)

    def _report(self, child: Child) -> None:
        child.proc.wait()
        ending = Ending(
            returncode=child.proc.returncode,
            timed_out=child.killing == "timeout",
            cancelled=child.killing == "cancel",
            duration=time.monotonic() - child.started,
        )
        try:
            child.on_end(ending)
        except Exception:  # one failing callback must not stop the others being reported
            logger.exception("reporting the end of pid %s failed", child.proc.pid)
        finally:
            child.done.set()


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class _LiveGroups:
    """Which process groups still have a live process, read from /proc at most once per
    pass of the reaper: a rollback cutting off 200 targets waits on 200 groups, and one
    scan answers for all of them.

    Zombies do not count: an orphaned grandchild is dead once killed, even if the
    system's reaper takes its time to collect it.
    """

    def __init__(self) -> None:
        self._read = False
        #: None where /proc cannot be read: every group then counts as alive.
        self._groups: set[int] | None = None

    def alive(self, pgid: int) -> bool:
        """True while a process of the group is alive."""
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        if not self._read:
            members = live_group_members()
            self._groups = None if members is None else set(members)
            self._read = True
        return self._groups is None or pgid in self._groups


def live_group_members() -> dict[int, list[int]] | None:
    """Process group -> its live (not zombie) processes, from one scan of /proc (None
    without /proc). The reaper asks it which groups still run; `runtime.leftovers` which
    processes a crash left behind."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    groups: dict[int, list[int]] = {}
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The name in parentheses may hold spaces; the fields after it do not.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[0] not in ("Z", "X"):
            groups.setdefault(int(fields[2]), []).append(int(entry.name))
    return groups


_REAPER: Reaper | None = None
_REAPER_LOCK = threading.Lock()


def reaper() -> Reaper:
    """The process's reaper (one thread, and only while something runs)."""
    global _REAPER
    with _REAPER_LOCK:
        if _REAPER is None:
            _REAPER = Reaper()
        return _REAPER
