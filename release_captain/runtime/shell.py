"""Provides running the user's commands (rule R12): `/bin/sh -c` in its own process
group, output appended to a log file, and a timeout or cancellation that kills the whole
group so no child or grandchild is left behind.

A command that exits on its own keeps whatever it started (a deploy script may leave a
service running after `setsid`); only a command that is cut off loses its group. The
seam is the `Runner` protocol, so the loop can run on a scripted fake in tests.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from msgspec import Struct

#: How often a running command looks at its cancel event.
_CANCEL_POLL = 0.05
#: How often the group is checked for survivors during the kill grace.
_GRACE_POLL = 0.01


class CommandResult(Struct, frozen=True, kw_only=True):
    """How one command ended."""

    #: The exit status; None when it was killed, cut off, or never started.
    exit_code: int | None
    timed_out: bool
    cancelled: bool
    #: Seconds from start to end, the kill grace included.
    duration: float
    #: The log file its output was appended to.
    log: Path
    #: The time limit it ran under (for the sentence saying it timed out).
    timeout: float = 0.0
    #: The signal that ended it, when neither timeout nor cancel did (e.g. an OOM kill).
    signal: int | None = None
    #: Why it could not start, when it could not.
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when it ran and exited 0."""
        return self.exit_code == 0 and not self.timed_out and not self.cancelled

    def describe(self) -> str:
        """One sentence (without a subject) saying how it ended: "exited 3"."""
        if self.error:
            return f"could not start: {self.error}"
        if self.timed_out:
            return f"timed out after {_seconds(self.timeout)}"
        if self.cancelled:
            return "was cancelled"
        if self.exit_code is not None:
            return f"exited {self.exit_code}" + _SHELL_CODES.get(self.exit_code, "")
        if self.signal is not None:
            return f"was killed by {_signal_name(self.signal)}"
        return "ended without an exit status"


#: What /bin/sh means by the exit codes it sets itself.
_SHELL_CODES = {
    126: " (the command is not executable: check its permissions, e.g. chmod +x)",
    127: " (command not found: check the path, relative to the pipeline file's folder)",
}


class Runner(Protocol):
    """Runs one command; `ShellRunner` for real, a scripted fake in tests."""

    def run(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        log: Path,
        cancel: threading.Event | None = None,
    ) -> CommandResult: ...


class ShellRunner:
    """Runs commands under `/bin/sh -c`, each in its own process group."""

    def __init__(self, *, kill_grace: float = 2.0) -> None:
        #: Seconds between SIGTERM and SIGKILL for a group that is cut off.
        self.kill_grace = kill_grace

    def run(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        log: Path,
        cancel: threading.Event | None = None,
    ) -> CommandResult:
        """Run `command` to its end, its timeout, or until `cancel` is set."""
        log.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(log, "ab", buffering=0) as out:
            out.write(f"$ {command}\n".encode())
            if cancel is not None and cancel.is_set():
                out.write(b"# cancelled before it started\n")
                return CommandResult(
                    exit_code=None,
                    timed_out=False,
                    cancelled=True,
                    duration=0.0,
                    log=log,
                    timeout=timeout,
                )
            try:
                proc = subprocess.Popen(
                    ["/bin/sh", "-c", command],
                    cwd=cwd,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                reason = _start_failure(error, cwd)
                out.write(f"# could not start: {reason}\n".encode())
                return CommandResult(
                    exit_code=None,
                    timed_out=False,
                    cancelled=False,
                    duration=time.monotonic() - started,
                    log=log,
                    timeout=timeout,
                    error=reason,
                )
            try:
                ended = _wait(proc, started + timeout, cancel)
            except BaseException:
                # Interrupted (KeyboardInterrupt in the caller): never leave it running.
                self._kill_group(proc)
                raise
            if ended:
                duration = time.monotonic() - started
                code = proc.returncode
                if code >= 0:
                    out.write(f"# exited {code} after {duration:.2f}s\n".encode())
                    return CommandResult(
                        exit_code=code,
                        timed_out=False,
                        cancelled=False,
                        duration=duration,
                        log=log,
                        timeout=timeout,
                    )
                out.write(f"# killed by {_signal_name(-code)} after {duration:.2f}s\n".encode())
                return CommandResult(
                    exit_code=None,
                    timed_out=False,
                    cancelled=False,
                    duration=duration,
                    log=log,
                    timeout=timeout,
                    signal=-code,
                )
            timed_out = not (cancel is not None and cancel.is_set())
            self._kill_group(proc)
            duration = time.monotonic() - started
            why = f"timed out after {_seconds(timeout)}" if timed_out else "cancelled"
            out.write(f"# {why}: process group killed\n".encode())
            return CommandResult(
                exit_code=None,
                timed_out=timed_out,
                cancelled=not timed_out,
                duration=duration,
                log=log,
                timeout=timeout,
            )

    def _kill_group(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM the group, then SIGKILL whatever is still alive after the grace."""
        pgid = proc.pid  # start_new_session: the shell leads its own group
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self.kill_grace
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=self.kill_grace)
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(_GRACE_POLL)
        if _group_alive(pgid):
            _signal_group(pgid, signal.SIGKILL)
        # Past SIGKILL only a process stuck in the kernel remains; nothing more to do.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(self.kill_grace, 1.0))


def _wait(proc: subprocess.Popen[bytes], deadline: float, cancel: threading.Event | None) -> bool:
    """Wait for the process until `deadline` or `cancel`; True when it exited."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return proc.poll() is not None
            step = remaining if cancel is None else min(remaining, _CANCEL_POLL)
            if pidfd is not None:
                # Wakes exactly when the process exits: no sleep-polling on the fast path.
                if _readable(pidfd, step):
                    proc.wait()
                    return True
            else:
                try:
                    proc.wait(timeout=step)
                    return True
                except subprocess.TimeoutExpired:
                    pass
            if cancel is not None and cancel.is_set():
                return proc.poll() is not None
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _readable(fd: int, seconds: float) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, int(seconds * 1000) + 1)))


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """True while a process of the group is alive.

    Zombies do not count: an orphaned grandchild is dead once killed, even if the
    system's reaper takes its time to collect it.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The name in parentheses may hold spaces; the fields after it do not.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _start_failure(error: OSError, cwd: Path) -> str:
    if not cwd.is_dir():
        return f"the working folder {cwd} does not exist"
    return f"{error.strerror or error} ({error.filename or '/bin/sh'})"


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
