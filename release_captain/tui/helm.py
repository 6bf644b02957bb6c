"""Provides `Helm`, the TUI's one door to the service: every call serialised (workers
run in threads and share one database connection), and `Board`, the immutable picture
of the pipeline the screens draw, compared by value so an idle refresh redraws nothing.

No Textual here: the screens ask, the helm answers with plain values.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from msgspec import Struct
from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.service import Captain
from release_captain.service.incident import latest_failure, latest_incident, rollback_choices
from release_captain.service.previews import PreviewView, previews

if TYPE_CHECKING:
    from release_captain.service import (
        BlockerView,
        ChangesView,
        Event,
        ForecastView,
        IncidentView,
        LogView,
        MetricsView,
        RollbackChoice,
        RollbackMove,
        StageView,
        StatusView,
        VersionRow,
        WhereView,
    )

#: How many versions the board and the versions screen keep.
VERSIONS_SHOWN = 200
#: How many events the history screen reads.
HISTORY_SHOWN = 2000
#: How many of the newest events each read of the board looks through (for failures).
EVENTS_READ = 200

#: How many unsettled versions of the list get a forecast: one simulation each.
FORECASTS_SHOWN = 8
#: Event kinds the activity lines leave out (the header shows the engine).
QUIET_KINDS = ("engine.started", "engine.stopped")

PromptKind = Literal["entry", "signoff", "override"]


class Prompt(Struct, frozen=True, kw_only=True):
    """Something that waits for a person: a manual gate, a sign-off, or a version held by
    a blocker that a person may let through with a reason."""

    kind: PromptKind
    stage: str
    version: int
    #: The sign-off approval's name (sign-offs only).
    approval: str = ""
    #: The targets whose sign-off waits (sign-offs only).
    targets: tuple[str, ...] = ()
    #: Why it waits, in the engine's words.
    detail: str = ""

    @property
    def key(self) -> str:
        """A stable identity, for widget ids."""
        return f"{self.kind}-{self.stage}-{self.version}-{self.approval}".replace(".", "_")


class Board(Struct, frozen=True, kw_only=True):
    """Everything the screens show, read at one moment."""

    status: StatusView
    versions: tuple[VersionRow, ...]
    blockers: tuple[BlockerView, ...]
    #: (source, head commit) of each source.
    heads: tuple[tuple[str, str], ...]
    #: (stage, target) -> monitor check counts of its running bake, e.g. `health 3`.
    checks: dict[tuple[str, str], str]
    prompts: tuple[Prompt, ...]
    #: The newest events, oldest first.
    recent: tuple[Event, ...]
    #: The newest failure (a step that failed or alarmed) among the last events read.
    failure: Event | None = None

    #: The forecast of each unsettled version among `versions`, newest first.
    forecasts: tuple[ForecastView, ...] = ()
    #: Every preview environment (SPEC §11), by branch.
    previews: tuple[PreviewView, ...] = ()
    #: When it was read; not part of the comparison, so an idle board equals the last.
    now: float

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Board) and self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self.__struct_fields__ if f != "now")

    def stage(self, name: str) -> StageView | None:
        """The stage called `name`."""
        return next((s for s in self.status.stages if s.name == name), None)

    def version_row(self, number: int) -> VersionRow | None:
        """The versions-list row of a version, when it is among the newest."""
        return next((r for r in self.versions if r.number == number), None)

    def forecast(self, number: int) -> ForecastView | None:
        """The forecast of a version, when it is unsettled and among the newest."""
        return next((f for f in self.forecasts if f.version == number), None)

    def prompts_of(self, stage: str) -> tuple[Prompt, ...]:
        """The prompts of one stage."""
        return tuple(p for p in self.prompts if p.stage == stage)

    def blocker(self, name: str) -> BlockerView | None:
        """The blocker called `name`."""
        return next((b for b in self.blockers if b.name == name), None)


def prompts_of(status: StatusView) -> tuple[Prompt, ...]:
    """What waits for a person in each stage, read from the reasons `status` gives."""
    prompts: list[Prompt] = []
    for stage in status.stages:
        signoffs: dict[tuple[int, str], list[str]] = {}
        for target in stage.targets:
            for approval in target.approvals:
                if approval.state == "waiting-for-person" and target.version is not None:
                    signoffs.setdefault((target.version, approval.name), []).append(target.name)
        for (number, name), targets in signoffs.items():
            prompts.append(
                Prompt(
                    kind="signoff",
                    stage=stage.name,
                    version=number,
                    approval=name,
                    targets=tuple(targets),
                    detail=f"{name} waits for a person's sign-off",
                )
            )
        waiting = stage.waiting
        if waiting is not None and waiting.reason in ("manual-approval", "blocker"):
            prompts.append(
                Prompt(
                    kind="entry" if waiting.reason == "manual-approval" else "override",
                    stage=stage.name,
                    version=waiting.version,
                    detail=waiting.detail,
                )
            )
    return tuple(prompts)


def unsettled(row: VersionRow, stages: list[str]) -> bool:
    """Whether a version may still get further: built or building, not rejected or
    superseded anywhere, not through the last stage. Only these get a forecast."""
    ended = ("rejected", "superseded")
    if row.build == "failed" or any(row.stages.get(s) in ended for s in stages):
        return False
    return bool(stages) and row.stages.get(stages[-1]) != "passed"


def parse_checks(text: str) -> str:
    """A step's recorded monitor counts (`[["health", 3]]`) -> `health 3`."""
    try:
        pairs = json.loads(text or "[]")
    except ValueError:
        return ""
    return " · ".join(f"{name} {count}" for name, count in pairs)


class Helm:
    """Serialised access to one `Captain` for the UI thread's workers."""

    def __init__(self, captain: Captain, *, clock: Callable[[], float] | None = None) -> None:
        self.captain = captain
        self.clock = clock or captain.clock
        self._lock = threading.RLock()
        self._foreseen: tuple[ForecastView, ...] = ()
        self._foreseen_key: tuple[object, ...] | None = None

    @property
    def pipeline(self) -> Pipeline:
        """The frozen pipeline configuration."""
        return self.captain.pipeline

    # -- reading -----------------------------------------------------------------

    def load(self) -> Board:
        """Read the whole board at once."""
        with self._lock:
            captain = self.captain
            status = captain.status()
            versions = tuple(captain.versions(limit=VERSIONS_SHOWN))
            blockers = tuple(captain.blockers()) if captain.pipeline.blockers else ()
            events = captain.history(limit=EVENTS_READ)
            recent = tuple(e for e in events[-12:] if e.kind not in QUIET_KINDS)[-6:]
            board = Board(
                status=status,
                versions=versions,
                blockers=blockers,
                heads=tuple(sorted(captain.source_heads().items())),
                checks=self._checks(status),
                prompts=prompts_of(status),
                recent=recent,
                failure=latest_failure(events),
                previews=tuple(previews(captain)),
                now=self.clock(),
            )
            return replace(board, forecasts=self._forecasts(board))

    def _forecasts(self, board: Board) -> tuple[ForecastView, ...]:
        """The unsettled versions' forecasts, taken again only when something was
        recorded (a new event, a version's marks) — not on every refresh."""
        key = (board.versions, board.recent[-1].id if board.recent else None)
        if key != self._foreseen_key:
            stages = [s.name for s in self.pipeline.stages]
            numbers = [r.number for r in board.versions if unsettled(r, stages)]
            found = self.captain.forecasts(numbers[:FORECASTS_SHOWN], board.now)
            self._foreseen = tuple(found.values())
            self._foreseen_key = key
        return self._foreseen

    def _checks(self, status: StatusView) -> dict[tuple[str, str], str]:
        """Monitor counts of every running bake."""
        return {
            (stage.name, target.name): " · ".join(f"{m} {n}" for m, n in approval.checks)
            for stage in status.stages
            for target in stage.targets
            for approval in target.approvals
            if approval.state == "running" and approval.checks
        }

    def history(self, limit: int = HISTORY_SHOWN) -> list[Event]:
        """The newest events, oldest first."""
        with self._lock:
            return self.captain.history(limit=limit)

    def logs(self, version: int, stage: str, target: str) -> list[LogView]:
        """Every step's log of one rollout."""
        with self._lock:
            return self.captain.logs(f"v{version}", f"{stage}/{target}")

    def deployments(self, stage: str, target: str) -> list[int]:
        """The versions deployed on one target, oldest first."""
        with self._lock:
            return [d.version for d in self.captain.deployments(f"{stage}/{target}")]

    def follow(self, log: LogView, running: Callable[[], bool]) -> Iterator[str]:
        """Lines appended to a running step's log (the service's follower)."""
        return self.captain.follow_log(log.path, running=running)

    def where(self, commit: str) -> WhereView:
        """Where a version's commit got, stage by stage."""
        with self._lock:
            return self.captain.where(commit)

    def changes(self, stage: str, version: int) -> ChangesView:
        """The commits and files `version` brings over what `stage` last passed."""
        with self._lock:
            return self.captain.changes(stage, version)

    def commits(self, version: int) -> list[str]:
        """The commits a version includes, as `sha author: summary` lines."""
        with self._lock:
            rows = self.captain.commits(version)
        return [f"{r.sha[:8]} {r.author}: {r.summary}" for r in rows]

    def incident(self) -> IncidentView | None:
        """The newest failure on any target, with its output and rollback choices."""
        with self._lock:
            return latest_incident(self.captain)

    def metrics(self, since: str) -> MetricsView:
        """SPEC §10's figures over the last `since` (a duration such as `7d`)."""
        with self._lock:
            return self.captain.metrics(since=since)

    def rollback_choices(self, where: str) -> tuple[RollbackChoice, ...]:
        """Where one target (`STAGE/TARGET`) may be rolled back to, newest first."""
        with self._lock:
            return rollback_choices(self.captain, where)

    # -- acting: each returns the service's one-sentence answer -------------------------

    def approve(
        self, stage: str, version: int, *, comment: str = "", override_blockers: bool = False
    ) -> str:
        """Approve what waits for a person in `stage` for `version`."""
        with self._lock:
            reply = self.captain.approve(
                stage, version=version, comment=comment, override_blockers=override_blockers
            )
        return reply.message

    def reject(self, stage: str, version: int | None, *, comment: str = "") -> str:
        """Reject `version` in `stage`."""
        with self._lock:
            return self.captain.reject(stage, version=version, comment=comment).message

    def pause(self, stage: str, *, reason: str = "") -> str:
        """Pause `stage`."""
        with self._lock:
            return self.captain.pause(stage, reason=reason).message

    def resume(self, stage: str) -> str:
        """Resume `stage`."""
        with self._lock:
            return self.captain.resume(stage).message

    def gate(self, stage: str, mode: str) -> str:
        """Switch `stage`'s promotion mode."""
        with self._lock:
            return self.captain.gate(stage, mode).message

    def rollback_plan(
        self, targets: list[str], *, to: int | None = None
    ) -> tuple[RollbackMove, ...]:
        """What a rollback of `targets` would do: the engine's own answer, not recorded."""
        with self._lock:
            return self.captain.rollback_plan(targets, to=to)

    def rollback(self, targets: list[str], *, reason: str, to: int | None = None) -> str:
        """Roll `targets` back to their last good version (or `to`). Without an engine the service
        runs the deploy itself, so it gets its own connection: the board keeps
        refreshing meanwhile."""
        own = Captain(self.captain.pipeline, clock=self.captain.clock)
        try:
            view = own.rollback(targets, to=to, reason=reason, wait=False)
        finally:
            own.close()
        return "; ".join(
            f"rollback of {i.stage}/{i.target} {_v(i.from_version)} → {_v(i.to_version)}: {i.state}"
            for i in view.rollbacks
        )


def _v(number: int | None) -> str:
    return "—" if number is None else f"v{number}"
