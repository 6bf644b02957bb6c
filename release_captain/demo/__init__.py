"""Provides `captain demo`: the sample service through the reference pipeline, as a story
of four commits on real processes.

1. a first release flows through beta, gamma and the three production waves, while a
   feature branch is pushed and deployed as a preview (`demo.preview`), torn down at the
   end;
2. a good change is committed while the first is still in production (several
   versions in flight);
3. a bad change whose health fails only in `prod-wave-2/eu-west-1`: that region's bake
   alarms, the region rolls back, the wave rejects the version and wave 3 never gets it;
4. a fix that flows everywhere.

The story only commits and (headless) answers what waits for a person, through the same
service calls as the CLI; the engine does everything else.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from msgspec import Struct
from msgspec.structs import replace

from release_captain.config import load_pipeline
from release_captain.config.model import Approval, Pipeline, Stage
from release_captain.demo.preview import BRANCH, StoryPreview
from release_captain.errors import CaptainError, UsageError
from release_captain.runtime.git_authoring import commit, git, init_repo
from release_captain.service import Captain, Event, ForecastView, StatusView, VersionRow

#: The sample service's stop script, relative to the pipeline file's folder.
STOP_ALL = Path("sample-repo") / "scripts" / "stop_all.sh"
#: The region where the bad change fails, and the wave it is in.
BAD_PLACE = "prod-wave-2/eu-west-1"
#: The identity the story commits as.
AUTHOR = "Demo Dev <demo@example.com>"


class DemoError(CaptainError):
    """The demo could not play its story to the end."""

    exit_code = 1


class DemoStopped(DemoError):
    """The person ended the demo before its story did."""


class Chapter(Struct, frozen=True, kw_only=True):
    """One step of the story: when it happens, and the commit it makes."""

    title: str
    #: Whether the story may move on, judged from the status and the versions.
    ready: Callable[[StatusView, list[VersionRow]], bool]
    message: str
    #: Edits to the repository: path -> (old text, new text).
    edits: dict[str, tuple[str, str]]


def _entered(stage: str, version: int) -> Callable[[StatusView, list[VersionRow]], bool]:
    def ready(status: StatusView, versions: list[VersionRow]) -> bool:
        row = next((v for v in versions if v.number == version), None)
        return row is not None and stage in row.stages

    return ready


def _rolled_back(status: StatusView, versions: list[VersionRow]) -> bool:
    stage_name, target_name = BAD_PLACE.split("/")
    row = next((v for v in versions if v.number == 3), None)
    stage = next(s for s in status.stages if s.name == stage_name)
    target = next(t for t in stage.targets if t.name == target_name)
    return (
        row is not None
        and row.stages.get(stage_name) == "rejected"
        and target.state == "rolled_back"
    )


CHAPTERS = (
    Chapter(
        title="v1 reached production; a good change goes in while it rolls out",
        ready=_entered("prod-wave-1", 1),
        message="Document the endpoints in the README",
        edits={
            "README.md": (
                "",
                "\nEndpoints: `/` greets, `/health` is 200 when well, `/version` says what runs.\n",
            )
        },
    ),
    Chapter(
        title=f"v2 reached production; a bad change goes in (health fails in {BAD_PLACE})",
        ready=_entered("prod-wave-1", 2),
        message=f"Tune the health check (breaks {BAD_PLACE})",
        edits={
            "app/behaviour.py": (
                "FAIL_HEALTH_IN: list[str] = []",
                f'FAIL_HEALTH_IN: list[str] = ["{BAD_PLACE}"]',
            )
        },
    ),
    Chapter(
        title=f"v3 alarmed in {BAD_PLACE} and was rolled back there; the fix goes in",
        ready=_rolled_back,
        message="Revert the health check tuning",
        edits={
            "app/behaviour.py": (
                f'FAIL_HEALTH_IN: list[str] = ["{BAD_PLACE}"]',
                "FAIL_HEALTH_IN: list[str] = []",
            )
        },
    ),
)


def _finished(status: StatusView, versions: list[VersionRow]) -> bool:
    return status.stages[-1].passed == 4


def prepare(config: Path, *, speed: float = 1.0) -> Pipeline:
    """Check the pipeline is the demo's, stop what a previous run left, start clean,
    and create the demo repository with the sample service's first commit."""
    if speed <= 0:
        raise UsageError("--speed must be greater than 0")
    pipeline = load_pipeline(config)
    repo = pipeline.primary.path
    if pipeline.primary.is_url or not repo.is_relative_to(pipeline.state_dir):
        raise UsageError(
            f"{config} is not the demo pipeline: its source must live inside its state "
            f"directory (the demo deletes both); run the demo from the project's folder"
        )
    sample = pipeline.root / "sample-repo"
    if not sample.is_dir():
        raise UsageError(f"the sample service is missing: no folder {sample}")
    stop_services(pipeline)
    shutil.rmtree(pipeline.state_dir, ignore_errors=True)
    shutil.copytree(sample, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    init_repo(repo, branch=pipeline.primary.branch)
    git(repo, "add", "-A")
    commit(repo, {}, "Sample service: first release", author=AUTHOR)
    return scaled(pipeline, speed)


def scaled(pipeline: Pipeline, speed: float) -> Pipeline:
    """The pipeline with every bake, wait, interval and bake_after divided by `speed`."""
    if speed == 1:
        return pipeline

    def approval(a: Approval) -> Approval:
        return replace(a, duration=a.duration / speed, interval=a.interval / speed)

    def stage(s: Stage) -> Stage:
        onebox = s.onebox and replace(
            s.onebox, approvals=tuple(approval(a) for a in s.onebox.approvals)
        )
        return replace(
            s,
            approvals=tuple(approval(a) for a in s.approvals),
            onebox=onebox,
            bake_after=s.bake_after / speed,
        )

    return replace(pipeline, stages=tuple(stage(s) for s in pipeline.stages))


def stop_services(pipeline: Pipeline) -> None:
    """Stop every sample-service process the demo's deploys started."""
    script = pipeline.root / STOP_ALL
    if script.exists() and pipeline.state_dir.exists():
        subprocess.run(
            ["/bin/sh", str(script), str(pipeline.state_dir)],
            cwd=pipeline.root,
            capture_output=True,
            timeout=60,
            check=False,
        )


class Demo:
    """Plays the story over a running engine."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        say: Callable[[str], None],
        on_event: Callable[[Event], None] | None = None,
        approve: bool = True,
        timeout: float = 600.0,
    ) -> None:
        self.pipeline = pipeline
        self._say = say
        self._on_event = on_event
        self._approve = approve
        self._timeout = timeout
        self._stop = threading.Event()
        self._engine_error: BaseException | None = None
        #: version -> its forecast, taken as soon as its build was seen succeeded, kept
        #: to set beside what happened (the summary, the accuracy benchmark).
        self.forecasts: dict[int, ForecastView] = {}

    def play(self) -> None:
        """Run the engine and the story to the end; stop every service afterwards."""
        engine = threading.Thread(target=self._run_engine, name="captain-engine", daemon=True)
        engine.start()
        try:
            self.tell()
        finally:
            self._stop.set()
            engine.join(timeout=60)
            stop_services(self.pipeline)

    def tell(self) -> None:
        """Play the story's commits over an engine run by someone else (the TUI's)."""
        captain = Captain(self.pipeline)
        preview = StoryPreview(captain, say=self._say, author=AUTHOR)
        try:
            self._say("v1 committed: the sample service's first release")
            self._previewed(preview.push, preview.deploy)
            for chapter in CHAPTERS:
                self._until(captain, chapter.ready, chapter.title)
                self._say(chapter.title)
                self._commit(chapter)
            self._until(captain, _finished, "v4 to reach every production wave")
            self._previewed(preview.take_down)
            self._say("v4 passed every stage: the story is over")
        finally:
            # Cut short: its service stops with the others, and it is not left recorded.
            with contextlib.suppress(CaptainError):
                preview.take_down(quietly=True)
            captain.close()

    def _previewed(self, *steps: Callable[[], None]) -> None:
        """Run the preview's `steps`; their failure ends the story."""
        try:
            for step in steps:
                step()
        except (CaptainError, RuntimeError) as error:  # RuntimeError: a git command failed
            raise DemoError(f"the preview of {BRANCH} failed: {error}") from error

    def stop(self) -> None:
        """End the story early (the person quit)."""
        self._stop.set()

    def _run_engine(self) -> None:
        captain = Captain(self.pipeline)
        try:
            captain.run(stop=self._stop, on_event=self._on_event)
        except BaseException as error:  # reported by the story's thread
            self._engine_error = error
        finally:
            captain.close()

    def _until(
        self,
        captain: Captain,
        ready: Callable[[StatusView, list[VersionRow]], bool],
        what: str,
    ) -> None:
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._stop.is_set():
                raise DemoStopped("the demo was stopped")
            if self._engine_error is not None:
                raise DemoError(f"the engine stopped: {self._engine_error}")
            status, versions = captain.status(), captain.versions()
            self._foresee(captain, versions)
            if ready(status, versions):
                return
            if self._approve:
                self._answer(captain, status)
            time.sleep(0.2)
        raise DemoError(f"the demo waited {self._timeout:g}s for {what}; see `captain status`")

    def _foresee(self, captain: Captain, versions: list[VersionRow]) -> None:
        """Take the forecast of each version whose build has just succeeded."""
        built = [v.number for v in versions if v.build == "succeeded"]
        new = [n for n in built if n not in self.forecasts]
        if new:
            self.forecasts.update(captain.forecasts(new, captain.clock()))

    def _answer(self, captain: Captain, status: StatusView) -> None:
        """Headless, the demo plays the person: it approves what waits for one."""
        for stage in status.stages:
            signing = any(
                a.state == "waiting-for-person" for t in stage.targets for a in t.approvals
            )
            gate = stage.waiting is not None and stage.waiting.reason == "manual-approval"
            if signing or gate:
                # already approved by the time the request was applied: nothing to do
                with contextlib.suppress(CaptainError):
                    captain.approve(stage.name, comment="approved by the demo")

    def _commit(self, chapter: Chapter) -> None:
        repo = self.pipeline.primary.path
        files: dict[str, str] = {}
        for name, (old, new) in chapter.edits.items():
            text = (repo / name).read_text()
            if old and old not in text:
                raise DemoError(f"the demo cannot find {old!r} in {name}")
            files[name] = text.replace(old, new) if old else text + new
        commit(repo, files, chapter.message, author=AUTHOR)


def summary(captain: Captain) -> list[tuple[str, str, str, str]]:
    """(version, message, how far it got, what was rejected or rolled back where)."""
    stages = [s.name for s in captain.pipeline.stages]
    rollbacks: dict[int, list[str]] = {}
    for event in captain.history():
        if event.kind == "rollback.succeeded" and event.version is not None:
            rollbacks.setdefault(event.version, []).append(
                f"rolled back in {event.stage}/{event.target}"
            )
    rows = []
    for row in reversed(captain.versions()):
        passed = [s for s in stages if row.stages.get(s) == "passed"]
        got = f"passed {passed[-1]}" if passed else row.build
        notes = [f"rejected in {s}" for s in stages if row.stages.get(s) == "rejected"]
        notes += [f"superseded in {s}" for s in stages if row.stages.get(s) == "superseded"]
        notes += rollbacks.get(row.number, [])
        rows.append((f"v{row.number}", row.message.splitlines()[0], got, "; ".join(notes)))
    return rows


def foresights(
    captain: Captain, forecasts: dict[int, ForecastView]
) -> list[tuple[str, str, str, str]]:
    """(version, the forecast taken at its build of when it would pass the last stage,
    what happened, how far off), for every version with such a forecast."""
    last = captain.pipeline.stages[-1].name
    return [
        (f"v{row.number}", *foresight(forecasts[row.number], row, last))
        for row in reversed(captain.versions())
        if row.number in forecasts
    ]


def foresight(view: ForecastView, row: VersionRow, last: str) -> tuple[str, str, str]:
    """(`11:34:20`, `11:34:42`, `22s late`): when the build-time forecast said the version
    would pass the last stage, when it did (or what became of it), and how far off."""
    said = view.stage(last)
    expected = "never" if said is None or said.pass_at is None else _clock(said.pass_at)
    mark = row.marks.get(last)
    if mark is None or mark.state != "passed" or mark.finished_at is None:
        return expected, mark.state if mark else "not reached", ""
    if said is None or said.pass_at is None:
        return expected, _clock(mark.finished_at), ""
    off = round(mark.finished_at - said.pass_at)
    return expected, _clock(mark.finished_at), _off(off)


def _off(seconds: int) -> str:
    """`45s early`, `3m late`, `on time`."""
    if seconds == 0:
        return "on time"
    size = abs(seconds)
    amount = f"{size}s" if size < 120 else f"{round(size / 60)}m"
    return f"{amount} {'late' if seconds > 0 else 'early'}"


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))
