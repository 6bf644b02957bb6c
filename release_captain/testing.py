"""Provides the fakes that tests, TUI snapshots and benchmarks build the captain with:
a clock that advances by hand, a runner that refuses commands it was not told about, an
executor that runs work inline, a source whose heads are set by hand, and a factory
that puts them together over a temporary folder."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, Literal

from msgspec import Struct, field

from release_captain.config import load_pipeline
from release_captain.config.model import Pipeline
from release_captain.runtime.shell import CommandResult, Ended
from release_captain.runtime.watched_source import CommitInfo
from release_captain.store import Event, Store


class FakeClock:
    """A clock that only moves when told to; call it to read the time."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


class UnscriptedCommand(AssertionError):
    """A command ran that the test did not script: a test bug, or the captain ran the
    wrong thing."""


class Call(Struct):
    """One command the scripted runner was asked to run."""

    command: str
    env: dict[str, str]
    cwd: Path
    #: What the command prints, written to its log before how it ended (an answer
    #: callable may set it, so a log or a monitor's account reads like a real one).
    output: str = ""
    #: What it was given on standard input (a notification's event).
    stdin: str = ""


#: A scripted answer for a started command that never ends: its process is never heard
#: of again, as when the engine is killed while it runs.
NEVER_ENDS = "never ends"

#: What a script maps a command pattern to: an exit code, a callable returning one, or
#: `NEVER_ENDS`.
Answer = int | Callable[[Call], int] | Literal["never ends"]


class _Unheard:
    """A started command that never reports its end."""

    def cancel(self) -> None:
        return None

    def wait(self, timeout: float | None = None) -> bool:
        return False


class ScriptedRunner(Struct):
    """A `Runner` that answers from a script of glob patterns -> exit codes (or a
    callable taking the `Call` and returning one), and refuses anything else."""

    script: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
        return self._run(command, cwd=cwd, env=env, log=log)

    def _run(
        self, command: str, *, cwd: Path, env: Mapping[str, str], log: Path, stdin: str = ""
    ) -> CommandResult:
        call = Call(command=command, env=dict(env), cwd=cwd, stdin=stdin)
        with self._lock:
            self.calls.append(call)
        answer = self._answer(command)
        if answer == NEVER_ENDS:
            raise UnscriptedCommand(f"{command!r} never ends, so it can only be started")
        code = answer(call) if callable(answer) else int(answer)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as handle:
            handle.write(f"$ {command}\n{call.output}# exited {code}\n")
        return CommandResult(
            exit_code=code, timed_out=False, cancelled=False, duration=0.0, log=log
        )

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
    ) -> Ended | _Unheard:
        """Run at once, in the caller's thread (deterministic), and report the end; a
        command scripted as `NEVER_ENDS` starts and is never heard of again."""
        given = stdin.read_text() if stdin is not None else ""
        if self._answer(command) == NEVER_ENDS:
            with self._lock:
                self.calls.append(Call(command=command, env=dict(env), cwd=cwd, stdin=given))
            return _Unheard()
        on_end(self._run(command, cwd=cwd, env=env, log=log, stdin=given))
        return Ended()

    def _answer(self, command: str) -> Answer:
        answer = next(
            (v for pattern, v in self.script.items() if fnmatch.fnmatchcase(command, pattern)),
            None,
        )
        if answer is None:
            with self._lock:
                self.unknown.append(command)
            raise UnscriptedCommand(f"unscripted command: {command!r}")
        return answer

    def ran(self, pattern: str) -> list[Call]:
        """The calls whose command matches a glob pattern."""
        return [c for c in self.calls if fnmatch.fnmatchcase(c.command, pattern)]


class InlinePool(Executor):
    """An executor that runs each task at once in the caller's thread: deterministic."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # delivered through the future
            future.set_exception(error)
        return future


class FakeSource:
    """A source whose head is set by hand; its checkout writes a marker file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commits: list[CommitInfo] = []
        self.branch_head: str | None = None

    def commit_to(
        self, sha: str, message: str = "change", author: str = "Ada", committed_at: float = 0.0
    ) -> str:
        """Make `sha` the new head (hex text of any length is fine); `committed_at` is
        its committer time (0: unknown, as git gives for none)."""
        info = CommitInfo(sha=sha, author=author, message=message, committed_at=committed_at)
        self.commits.insert(0, info)
        self.branch_head = sha
        return sha

    def prepare(self) -> None:
        return None

    def fetch(self) -> None:
        return None

    def head(self) -> str | None:
        return self.branch_head

    def commit(self, sha: str) -> CommitInfo:
        return next(c for c in self.commits if c.sha == sha)

    def commits_between(self, old: str | None, new: str, *, limit: int = 5000) -> list[CommitInfo]:
        shas = [c.sha for c in self.commits]
        start = shas.index(new)
        end = shas.index(old) if old in shas else len(shas)
        return self.commits[start:end][:limit]

    def checkout(self, sha: str, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "COMMIT").write_text(sha)

    def watch_paths(self) -> list[Path]:
        return []

    def close(self) -> None:
        return None


class Harness(Struct):
    """A captain over a temporary folder with fakes at every seam."""

    pipeline: Pipeline
    store: Store
    clock: FakeClock
    runner: ScriptedRunner
    sources: dict[str, FakeSource]
    events: list[Event]
    reconciler: Any

    def settle(self, max_ticks: int = 50) -> None:
        """Tick until nothing changes (time does not move)."""
        for _ in range(max_ticks):
            before = len(self.events)
            self.reconciler.tick()
            if len(self.events) == before and self.reconciler.quiet():
                return

    def announce_commit(self) -> None:
        """Tell the engine a source head moved, as the ref watcher does on a commit."""
        self.reconciler.sources_changed()

    def advance(self, seconds: float) -> None:
        """Move the fake clock, then settle."""
        self.clock.advance(seconds)
        self.settle()

    def kinds(self, kind: str) -> list[Event]:
        """Recorded events of one kind, oldest first."""
        return [e for e in self.events if e.kind == kind]


def write_pipeline(folder: Path, text: str) -> Path:
    """Write a pipeline.toml into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pipeline.toml"
    path.write_text(text)
    return path


def harness(
    folder: Path,
    pipeline_text: str,
    *,
    script: Mapping[str, Answer] | None = None,
) -> Harness:
    """Build a captain over `folder` with a fake clock, scripted runner, fake sources and
    an inline pool; nothing runs in the background."""
    from release_captain.runtime.reconciler import Reconciler

    pipeline = load_pipeline(write_pipeline(folder, pipeline_text))
    store = Store(pipeline.state_dir)
    clock = FakeClock()
    runner = ScriptedRunner(script=dict(script or {}))
    sources = {s.name: FakeSource(s.name) for s in pipeline.sources}
    events: list[Event] = []
    reconciler = Reconciler(
        pipeline,
        store,
        runner=runner,
        clock=clock,
        sources=sources,
        pool=InlinePool(),
        base_env={"PATH": "/usr/bin:/bin"},
        on_event=events.append,
        watch=False,
    )
    reconciler.start()
    return Harness(
        pipeline=pipeline,
        store=store,
        clock=clock,
        runner=runner,
        sources=sources,
        events=events,
        reconciler=reconciler,
    )
