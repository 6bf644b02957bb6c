"""Provides what `captain logs` reads (SPEC §6): the output of a version's deploy,
approval and rollback steps on one target, or of its build, as it stands — and,
followed, as it grows, step after step, until the version is done there.

"Done" is a question about the recorded state (`done_there`, `build_done`), asked once
a poll; the logs are read after it, so the last poll prints everything written before
the end. Logs are read from where the last poll stopped, a bounded chunk at a time:
a log of hundreds of megabytes never sits in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from release_captain.errors import StateConflict
from release_captain.service.shapes import LogHeading
from release_captain.store import Store
from release_captain.store.views import BuildAttemptRow, StepRow
from release_captain.wording import version_name

#: What following yields: a heading when a step or build attempt appears or its state
#: changes, and the bytes its log gained, exactly as written.
LogPiece = LogHeading | bytes
#: How often a follower reads the state again: a person sees output within it.
POLL_SECONDS = 0.25
_CHUNK = 256 * 1024
_SETTLED = ("passed", "rejected", "superseded")

#: One log to print: a key that stays the same across polls, its heading, its file.
_Entry = tuple[int, LogHeading, Path]


def done_there(
    version: int,
    steps: Sequence[StepRow],
    *,
    deployment: str | None,
    running: int | None,
    stage_state: str | None,
) -> bool:
    """Whether nothing more of `version` will run on one target: none of its steps runs
    there, and it succeeded there (`deployment`), or the target runs another version
    (`running`: the rollback its failure caused finished, or the target moved on), or the
    stage settled it (`stage_state` passed, rejected or superseded: the engine starts no
    step of a version once its stage settled it). A failed target still running
    `version` is not done: its rollback is still to come."""
    if any(step.state == "running" for step in steps):
        return False
    if stage_state in _SETTLED or deployment == "succeeded":
        return True
    return deployment == "failed" and running != version


def build_done(attempts: Sequence[BuildAttemptRow]) -> bool:
    """Whether the build ended: its latest attempt succeeded or failed (an interrupted
    one runs again)."""
    return bool(attempts) and attempts[-1].state in ("succeeded", "failed")


def target_output(
    store: Store,
    version: int,
    stage: str,
    target: str,
    *,
    follow: bool = False,
    wait: Callable[[float], None] = time.sleep,
) -> Iterator[LogPiece]:
    """Every step of `version` on `stage/target`, with its log; followed, until the
    version is done there. A version that never ran there is a conflict (exit 3)."""
    views = store.views
    if not views.steps(stage=stage, target=target, version=version):
        raise StateConflict(f"{version_name(version)} has not run on {stage}/{target}")

    def poll() -> tuple[list[_Entry], bool]:
        steps = views.steps(stage=stage, target=target, version=version)
        deployments = views.deployments_of(version, [stage])
        deployment = next((d.state for d in deployments if d.target == target), None)
        recorded = views.stage_version(stage, version)
        done = done_there(
            version,
            steps,
            deployment=deployment,
            running=views.targets().get((stage, target), (None, ""))[0],
            stage_state=recorded[0] if recorded else None,
        )
        return [(s.id, _step_heading(s), Path(s.log)) for s in steps], done

    return _tail(poll, follow=follow, wait=wait)


def build_output(
    store: Store,
    version: int,
    *,
    follow: bool = False,
    wait: Callable[[float], None] = time.sleep,
) -> Iterator[LogPiece]:
    """Every attempt at `version`'s build, with its log; followed, until it ends. A
    build that never started is a conflict (exit 3)."""
    views = store.views
    if not views.build_attempts(version):
        state = views.build_state(version)
        raise StateConflict(
            f"the build of {version_name(version)} has not started ({state}); "
            "it starts once the builds before it end"
        )

    def poll() -> tuple[list[_Entry], bool]:
        attempts = views.build_attempts(version)
        entries = [
            (
                a.attempt,
                LogHeading(name="build", attempt=a.attempt, state=a.state, detail=a.detail),
                a.log,
            )
            for a in attempts
        ]
        return entries, build_done(attempts)

    return _tail(poll, follow=follow, wait=wait)


def _step_heading(step: StepRow) -> LogHeading:
    return LogHeading(
        name=("onebox " if step.onebox else "") + step.name,
        attempt=step.attempt,
        state=step.state,
        detail=step.detail,
    )


def _tail(
    poll: Callable[[], tuple[list[_Entry], bool]],
    *,
    follow: bool,
    wait: Callable[[float], None],
) -> Iterator[LogPiece]:
    """Each log's heading, then what it gained since the last poll, then its heading
    again when its state changed; once, or until `poll` says done."""
    read: dict[int, int] = {}
    shown: dict[int, LogHeading] = {}
    while True:
        entries, done = poll()  # asked before the logs are read: nothing is missed
        for key, heading, path in entries:
            before = shown.get(key)
            if before is None:
                yield heading
            for chunk in _chunks(path, read.get(key, 0)):
                read[key] = read.get(key, 0) + len(chunk)
                yield chunk
            if before is not None and before != heading:
                yield heading
            shown[key] = heading
        if done or not follow:
            return
        wait(POLL_SECONDS)


def _chunks(path: Path, offset: int) -> Iterator[bytes]:
    """The bytes of `path` from `offset` on, a bounded chunk at a time; none when the
    file is missing (a step that writes no log, a person's approval)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return
    with handle:
        handle.seek(offset)
        while chunk := handle.read(_CHUNK):
            yield chunk


def follow_lines(path: Path, *, running: Callable[[], bool]) -> Iterator[str]:
    """Lines appended to one log while `running()` says its step still runs (the TUI's
    log screen, which follows the step it shows)."""
    with open(path, errors="replace") as handle:
        handle.seek(0, 2)
        while True:
            line = handle.readline()
            if line:
                yield line
            elif not running():
                rest = handle.read()
                if rest:
                    yield rest
                return
            else:
                time.sleep(0.2)
