"""Provides running the user's commands (rule R12): `/bin/sh -c` in its own process
group, output appended to a log file, and a timeout or cancellation that kills the whole
group so no child or grandchild is left behind.

A command that exits on its own keeps whatever it started (a deploy script may leave a
service running after `setsid`); only a command that is cut off loses its group. The
seam is the `Runner` protocol, so the loop can run on a scripted fake in tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, Protocol

from msgspec import Struct

from release_captain.runtime.reaper import Child, Ending, reaper
from release_captain.store.database import private_file

#: How often `run` looks at its cancel event.
_CANCEL_POLL = 0.05


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


class Running(Protocol):
    """A command that was started and may still run."""

    def cancel(self) -> None:
        """Cut it off: its whole process group is killed; its end is still reported."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until its end has been reported; True when it has."""
        ...


class Runner(Protocol):
    """Runs commands; `ShellRunner` for real, a scripted fake in tests."""

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
        ...

    def start(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        log: Path,
        on_end: Callable[[CommandResult], None],
        stdin: Path | None = None,
    ) -> Running:
        """Start `command` and return at once; `on_end` gets its result, from another
        thread (or from this call, when it could not start). `stdin`, when given, is the
        file it reads as its standard input (a notification's event)."""
        ...


class Ended:
    """A command that is already over: it could not start, or a fake ran it inline."""

    def cancel(self) -> None:
        return None

    def wait(self, timeout: float | None = None) -> bool:
        return True


#: What every command's shell does first: write its process group to the log, then
#: become `/bin/sh -c COMMAND`. Written by the command's own shell before the command
#: runs, the line survives any crash of the captain, which ends what is left of the
#: group before the step runs again (rule R10; `runtime.leftovers`).
ANNOUNCE_GROUP = 'echo "# process group $$"; exec /bin/sh -c "$1"'


class ShellRunner:
    """Runs commands under `/bin/sh -c`, each in its own process group.

    The caller's thread starts the shell; the process-wide reaper thread waits for it,
    enforces its time limit and reports its end, so a hundred running commands cost a
    hundred processes and one thread.
    """

    def __init__(self, *, kill_grace: float = 2.0) -> None:
        #: Seconds between SIGTERM and SIGKILL for a group that is cut off.
        self.kill_grace = kill_grace

    def start(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        log: Path,
        on_end: Callable[[CommandResult], None],
        stdin: Path | None = None,
    ) -> Running:
        """Start `command`; `on_end` gets its result when it ends, times out or is
        cancelled (after its whole group is gone)."""
        out = _open_log(log)
        try:
            out.write(f"$ {command}\n".encode())
            reading = None if stdin is None else stdin.open("rb")
            started = time.monotonic()
            try:
                proc = subprocess.Popen(
                    ["/bin/sh", "-c", ANNOUNCE_GROUP, "/bin/sh", command],
                    cwd=cwd,
                    env=dict(env),
                    stdin=subprocess.DEVNULL if reading is None else reading,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                reason = _start_failure(error, cwd)
                out.write(f"# could not start: {reason}\n".encode())
                out.close()
                on_end(
                    CommandResult(
                        exit_code=None,
                        timed_out=False,
                        cancelled=False,
                        duration=time.monotonic() - started,
                        log=log,
                        timeout=timeout,
                        error=reason,
                    )
                )
                return Ended()
            finally:
                if reading is not None:
                    reading.close()  # the child has its own copy
        except BaseException:
            out.close()
            raise

        def ended(ending: Ending) -> None:
            try:
                result = _result(ending, log, timeout)
                out.write(f"# {_log_line(result)}\n".encode())
            finally:
                out.close()
            on_end(result)

        child = Child(
            proc,
            started=started,
            deadline=started + timeout,
            grace=self.kill_grace,
            on_end=ended,
        )
        reaper().watch(child)
        return child

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
        if cancel is not None and cancel.is_set():
            with _open_log(log) as out:
                out.write(f"$ {command}\n# cancelled before it started\n".encode())
            return CommandResult(
                exit_code=None,
                timed_out=False,
                cancelled=True,
                duration=0.0,
                log=log,
                timeout=timeout,
            )
        results: list[CommandResult] = []
        running = self.start(
            command, cwd=cwd, env=env, timeout=timeout, log=log, on_end=results.append
        )
        try:
            while not running.wait(None if cancel is None else _CANCEL_POLL):
                if cancel is not None and cancel.is_set():
                    running.cancel()
        except BaseException:
            # Interrupted (KeyboardInterrupt in the caller): never leave it running.
            running.cancel()
            running.wait()
            raise
        return results[0]


def _open_log(log: Path) -> BinaryIO:
    """The log opened for appending, its owner's only (0600, in 0700 folders made only
    when missing: the second step of a target finds them there)."""
    return os.fdopen(private_file(log), "ab", buffering=0)  # the caller closes it


def _result(ending: Ending, log: Path, timeout: float) -> CommandResult:
    """The result of a command from how the reaper saw it end."""
    code = ending.returncode
    killed = ending.timed_out or ending.cancelled
    return CommandResult(
        exit_code=code if code is not None and code >= 0 and not killed else None,
        timed_out=ending.timed_out,
        cancelled=ending.cancelled,
        duration=ending.duration,
        log=log,
        timeout=timeout,
        signal=-code if code is not None and code < 0 and not killed else None,
    )


def _log_line(result: CommandResult) -> str:
    """The line closing a command's output in its log."""
    if result.timed_out:
        return f"timed out after {_seconds(result.timeout)}: process group killed"
    if result.cancelled:
        return "cancelled: process group killed"
    if result.exit_code is not None:
        return f"exited {result.exit_code} after {result.duration:.2f}s"
    if result.signal is not None:
        return f"killed by {_signal_name(result.signal)} after {result.duration:.2f}s"
    return f"ended without an exit status after {result.duration:.2f}s"


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
