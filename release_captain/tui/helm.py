"""Provides `Helm`, the TUI's one door to the service: every call serialised (workers
run in threads and share one database connection), and `Board`, the immutable picture
of the pipeline the screens draw, compared by value so an idle refresh redraws nothing.

No Textual here: the screens ask, the helm answers with plain values.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal

from msgspec import Struct

from release_captain.service import Captain

if TYPE_CHECKING:
    from release_captain.service import BlockerView, LogView, StageView, StatusView, WhereView
    from release_captain.store.events import Event
    from release_captain.store.views import VersionRow

#: How many versions the board and the versions screen keep.
VERSIONS_SHOWN = 200
#: How many events the board's activity lines keep.
RECENT = 10
#: How many events the history screen reads.
HISTORY_SHOWN = 2000
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


class PlanRow(Struct, frozen=True, kw_only=True):
    """One target of a rollback: where, and from which version to which."""

    stage: str
    target: str
    from_version: int | None
    to_version: int | None


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

    @property
    def pipeline(self) -> Any:
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
            recent = tuple(e for e in captain.history(limit=12) if e.kind not in QUIET_KINDS)[-6:]
            return Board(
                status=status,
                versions=versions,
                blockers=blockers,
                heads=self._heads(versions),
                checks=self._checks(status),
                prompts=prompts_of(status),
                recent=recent,
                now=self.clock(),
            )

    def _heads(self, versions: tuple[VersionRow, ...]) -> tuple[tuple[str, str], ...]:
        heads = getattr(self.captain, "source_heads", None)
        if callable(heads):
            return tuple(sorted(heads().items()))
        # Until the service says: the primary source's head is the newest version's commit.
        if versions:
            return ((self.captain.pipeline.sources[0].name, versions[0].commit),)
        return ()

    def _checks(self, status: StatusView) -> dict[tuple[str, str], str]:
        """Monitor counts of every running bake."""
        found: dict[tuple[str, str], str] = {}
        for stage in status.stages:
            for target in stage.targets:
                for approval in target.approvals:
                    if approval.state != "running" or target.version is None:
                        continue
                    counts = getattr(approval, "checks", None)
                    if counts is not None:
                        found[(stage.name, target.name)] = " · ".join(
                            f"{m} {n}" for m, n in dict(counts).items()
                        )
                    elif self._is_bake(stage.name, approval.name):
                        found[(stage.name, target.name)] = self._step_checks(
                            stage.name, target.name, target.version
                        )
        return found

    def _is_bake(self, stage: str, name: str) -> bool:
        approval = self.approval_config(stage, name)
        return approval is not None and approval.kind == "bake"

    def _step_checks(self, stage: str, target: str, version: int) -> str:
        try:
            views = self.captain.logs(f"v{version}", f"{stage}/{target}")
        except Exception:  # noqa: BLE001 - counts are a nicety; the board must load
            return ""
        running = [v.step for v in views if v.step.kind == "bake" and v.step.state == "running"]
        return parse_checks(running[-1].checks) if running else ""

    def approval_config(self, stage: str, name: str) -> Any:
        """The configured approval behind a status name (`onebox:` prefixed or not)."""
        config = self.captain.pipeline.stage(stage)
        if config is None:
            return None
        onebox, _, bare = name.rpartition(":")
        approvals = config.onebox.approvals if onebox and config.onebox else config.approvals
        return next((a for a in approvals if a.name == bare), None)

    def history(self, limit: int = HISTORY_SHOWN) -> list[Event]:
        """The newest events, oldest first."""
        with self._lock:
            return self.captain.history(limit=limit)

    def logs(self, version: int, stage: str, target: str) -> list[LogView]:
        """Every step's log of one rollout."""
        with self._lock:
            return self.captain.logs(f"v{version}", f"{stage}/{target}")

    def follow(self, log: LogView, running: Callable[[], bool]) -> Iterator[str]:
        """Lines appended to a running step's log (the service's follower)."""
        return self.captain.follow_log(log.path, running=running)

    def where(self, commit: str) -> WhereView:
        """Where a version's commit got, stage by stage."""
        with self._lock:
            return self.captain.where(commit)

    def commits(self, version: int) -> list[str]:
        """The commits a version includes, as `sha author: summary` lines, when the
        service can say (else empty)."""
        reader = getattr(self.captain, "commits", None)
        if not callable(reader):
            return []
        with self._lock:
            rows = reader(version)
        return [
            f"{getattr(r, 'sha', '')[:8]} {getattr(r, 'author', '')}: {getattr(r, 'summary', '')}"
            for r in rows
        ]

    # -- acting ------------------------------------------------------------------

    def act(self, kind: str, **args: object) -> str:
        """approve / reject / gate / pause / resume; the service's one-sentence answer."""
        with self._lock:
            return self.captain.act(kind, **args).message

    @property
    def can_roll_back(self) -> bool:
        """Whether this service offers rollback yet."""
        return callable(getattr(self.captain, "rollback", None))

    def rollback_plan(self, targets: list[str], board: Board | None) -> list[PlanRow]:
        """What a rollback of `targets` would do: from which version to which, per target."""
        planner = getattr(self.captain, "rollback_plan", None)
        if callable(planner):
            with self._lock:
                rows = planner(targets)
            return [
                PlanRow(stage=r[0], target=r[1], from_version=r[2], to_version=r[3]) for r in rows
            ]
        # Until the service plans: each target goes back to its last good version.
        plan: list[PlanRow] = []
        for text in targets:
            stage_name, _, target_name = text.partition("/")
            stage = board.stage(stage_name) if board else None
            if stage is None:
                continue
            for target in stage.targets:
                if target_name in ("", target.name):
                    good = target.last_good
                    back = good if good != target.version else None
                    plan.append(
                        PlanRow(
                            stage=stage.name,
                            target=target.name,
                            from_version=target.version,
                            to_version=back,
                        )
                    )
        return plan

    def rollback(self, targets: list[str], *, reason: str) -> str:
        """Roll `targets` back to their last good version. Without an engine the service
        runs the deploy itself, so it gets its own connection: the board keeps
        refreshing meanwhile."""
        own = Captain(self.captain.pipeline, clock=self.captain.clock)
        try:
            view = own.rollback(targets, reason=reason, wait=False)  # type: ignore[attr-defined]
        finally:
            own.close()
        items = getattr(view, "rollbacks", ())
        if not items:
            return "rollback requested"
        return "; ".join(
            f"rollback of {i.stage}/{i.target} {_v(i.from_version)} → {_v(i.to_version)}: {i.state}"
            for i in items
        )


def _v(number: int | None) -> str:
    return "—" if number is None else f"v{number}"
