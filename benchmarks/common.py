"""Provides what every benchmark shares: the `Figure` a benchmark reports, timing a
command from this process (wall time and peak RSS of its process tree), running the real
`captain` command, and temporary folders that are always cleaned up.

Every time is wall-clock time measured here, around `subprocess` calls made from this
same process, so the captain and its ideal are started and reaped the same way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The folder of this package; generated stores are cached under `.cache/`.
HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


@dataclass
class Figure:
    """One row of the table: a measured figure, its target and its samples."""

    #: The benchmark module that produced it (`overhead`, `cli_latency`, …).
    bench: str
    #: What was measured, in a few words.
    name: str
    #: "s", "ms", "MB" or "x" (a ratio).
    unit: str
    #: The target from issue 7; None for a figure shown for context only.
    target: float | None = None
    #: The samples, one per repetition, in `unit`.
    samples: list[float] = field(default_factory=list)
    #: Shown when there is nothing to measure ("n/a (no TUI yet)").
    na: str = ""
    #: A short remark shown under the table (how it was measured, spread, …).
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def verdict(self) -> str:
        if self.na or not self.samples:
            return "n/a"
        if self.target is None:
            return "info"
        assert self.median is not None
        return "pass" if self.median <= self.target else "FAIL"


def fmt(value: float | None, unit: str) -> str:
    """A number in its unit, with the precision that unit deserves."""
    if value is None:
        return "—"
    match unit:
        case "s":
            return f"{value:.3f} s"
        case "ms":
            return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
        case "MB":
            return f"{value:.1f} MB"
        case "x":
            return f"{value:.2f}×"
    return f"{value:g} {unit}"


# -- running commands ------------------------------------------------------------------


class BenchmarkError(RuntimeError):
    """A benchmark could not measure what it meant to (a command failed or hung)."""


@dataclass(frozen=True)
class Timed:
    """How one command run went."""

    seconds: float
    returncode: int
    #: Peak resident set size of the process (or its largest waited-for descendant), MB.
    peak_rss_mb: float
    timed_out: bool


def captain_command() -> list[str]:
    """The real `captain` command of this interpreter: the console script beside
    `sys.executable` when it is there, else `python -m release_captain`."""
    script = Path(sys.executable).with_name("captain")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "release_captain"]


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment commands run with: this one, minus what would change the
    captain's behaviour (a CAPTAIN_CONFIG of the developer, a colour terminal), with
    bytecode caches under `benchmarks/.cache/pycache`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPTAIN_")}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="160")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # Bytecode caches, as any installed program has them, kept out of the source tree
    # (this machine's environment sets PYTHONDONTWRITEBYTECODE=1).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    if extra:
        env.update(extra)
    return env


def timed_run(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    stdout: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Timed:
    """Run `argv` to its end in its own process group and time it, from just before the
    fork to just after it is reaped. Past `timeout` the whole group is killed.

    The peak RSS comes from `wait4`, so it is this command's own (or that of its largest
    descendant it waited for), not the maximum over every child this process ever had.
    """
    out = open(stdout, "wb") if stdout is not None else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else bench_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            kill_group(proc.pid)

        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Anything it left behind in its group goes too (a timed-out sleep, say).
        kill_group(proc.pid)
    finally:
        if stdout is not None:
            out.close()  # type: ignore[union-attr]
    return Timed(
        seconds=elapsed,
        returncode=proc.returncode,
        peak_rss_mb=usage.ru_maxrss / 1024.0,
        timed_out=killed.is_set(),
    )


def kill_group(pgid: int) -> None:
    """SIGKILL a process group, if any of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def check(timed: Timed, what: str, log: Path | None = None) -> None:
    """Raise BenchmarkError unless the command exited 0 in time."""
    if timed.timed_out or timed.returncode != 0:
        tail = ""
        if log is not None and log.exists():
            tail = "\n" + log.read_text(errors="replace")[-2000:]
        how = "timed out" if timed.timed_out else f"exited {timed.returncode}"
        raise BenchmarkError(f"{what} {how}{tail}")


@contextlib.contextmanager
def temp_folder(prefix: str) -> Iterator[Path]:
    """A fresh folder under the system temp dir, removed afterwards whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=f"captain-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stage_state(state_dir: Path, stage: str, version: int) -> str | None:
    """The recorded state of `version` in `stage`, read straight from the database
    (read-only, no captain process), or None when nothing is recorded yet."""
    path = state_dir / "state.db"
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT state FROM stage_versions WHERE stage = ? AND version = ?",
                (stage, version),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def wait_until(check_fn, timeout: float, what: str, poll: float = 0.01) -> float:
    """Poll `check_fn()` until it returns a truthy value; return that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check_fn()
        if value:
            return value
        time.sleep(poll)
    raise BenchmarkError(f"timed out after {timeout:g}s waiting for {what}")


def make_project(folder: Path, pipeline_toml: str, *, commits: int = 1) -> Path:
    """A folder holding `pipeline.toml` and its watched repository `repo/` with
    `commits` commits already made; returns the folder."""
    from release_captain.testing_git import commit, init_repo

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pipeline.toml").write_text(pipeline_toml)
    repo = init_repo(folder / "repo")
    for n in range(commits):
        commit(repo, {"app.txt": f"version {n + 1}\n"}, f"change {n + 1}")
    return folder


def reset_state(folder: Path) -> None:
    """Remove the project's state directory, so the next `captain run` starts afresh."""
    shutil.rmtree(folder / ".captain", ignore_errors=True)


def interpreter_floor(cwd: Path) -> float:
    """Milliseconds of one `python -c pass`: the machine's state beside a measurement.

    On a shared host the same run can take 1.5× longer in a busy spell; a figure read
    next to this one says which spell it was measured in."""
    timed = timed_run([sys.executable, "-c", "pass"], cwd=cwd, timeout=30)
    return timed.seconds * 1000


def floor_figure(bench: str, samples: list[float], label: str = "") -> Figure:
    """The info row of `interpreter_floor` samples taken during a benchmark."""
    name = "↳ python -c pass beside these runs" + (f", {label}" if label else "")
    return Figure(bench=bench, name=name, unit="ms", samples=samples)


def cold_ms(argv: Sequence[str], *, cwd: Path, out: Path, timeout: float, what: str) -> float:
    """Run `argv` once in a fresh process (its output to `out`), check it exited 0 in
    time, and return its wall time in milliseconds, start-up included."""
    timed = timed_run(argv, cwd=cwd, timeout=timeout, stdout=out)
    check(timed, what, out)
    return timed.seconds * 1000
