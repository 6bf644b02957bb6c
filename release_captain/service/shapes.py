"""Provides the read models of the service and every JSON shape of SPEC §6 — status,
versions, history, where, blockers, rollback, and the reply to a person's command —
defined once, for the CLI, the TUI and the tests alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec import Struct

from release_captain.engine.requests import Reply
from release_captain.store.events import event_json
from release_captain.store.views import StepRow, VersionRow
from release_captain.wording import iso, version_name


def _v(number: int | None) -> str | None:
    return None if number is None else version_name(number)


class ApprovalView(Struct, frozen=True, kw_only=True):
    """One approval of a target's current rollout."""

    name: str
    state: str
    onebox: bool = False
    remaining_s: float | None = None
    detail: str = ""
    #: A bake's evaluations so far, as (monitor, count) pairs.
    checks: tuple[tuple[str, int], ...] = ()
    #: A running bake's or wait's whole length, for a countdown bar.
    duration_s: float | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"name": self.name, "state": self.state}
        if self.remaining_s is not None:
            data["remaining_s"] = round(self.remaining_s, 1)
        return data


class RollbackStory(Struct, frozen=True, kw_only=True):
    """Why a target runs an older version: the version that failed there, its approvals
    as they ended (the failed one ✗), and the rollback (see `service.story`)."""

    failed_version: int
    to_version: int | None
    #: The rollback step's state: running, passed or failed.
    state: str
    approvals: tuple[ApprovalView, ...] = ()


class RejectionStory(Struct, frozen=True, kw_only=True):
    """The newest version a stage rejected, when no later one has passed there."""

    version: int
    #: The sentence the board shows, e.g. `v3 rejected here: health on eu-west-1: ...`.
    sentence: str


class TargetView(Struct, frozen=True, kw_only=True):
    """One target in `status`."""

    name: str
    version: int | None
    state: str
    last_good: int | None
    approvals: tuple[ApprovalView, ...] = ()
    #: What a rollback hides, while the target runs the version it went back to.
    rollback: RollbackStory | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": _v(self.version),
            "state": self.state,
            "last_good": _v(self.last_good),
            "approvals": [a.to_json() for a in self.approvals],
        }


class WaitingView(Struct, frozen=True, kw_only=True):
    """The newest candidate a stage has not taken, and why."""

    version: int
    reason: str
    detail: str


class StageView(Struct, frozen=True, kw_only=True):
    """One stage in `status`."""

    name: str
    promotion: str
    paused: bool
    blockers_active: tuple[str, ...]
    passed: int | None
    in_flight: int | None
    waiting: WaitingView | None
    targets: tuple[TargetView, ...]
    wave: int | None = None
    group: str = ""
    #: Why a person paused the stage, when paused.
    pause_reason: str = ""
    #: The newest version rejected here, when no later version has passed here.
    rejected: RejectionStory | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "promotion": self.promotion,
            "paused": self.paused,
            "blockers_active": list(self.blockers_active),
            "passed": _v(self.passed),
            "in_flight": _v(self.in_flight),
            "waiting": None
            if self.waiting is None
            else {"version": _v(self.waiting.version), "reason": self.waiting.reason},
            "targets": [t.to_json() for t in self.targets],
        }


class OutlookView(Struct, frozen=True, kw_only=True):
    """When the newest version is expected through the last stage (SPEC §10's forecast,
    cut to the one line `status` shows)."""

    version: int
    #: The pipeline's last stage.
    stage: str
    #: That stage's forecast state: passed, in-flight, forecast, rejected or never.
    state: str
    pass_at: float | None
    #: (stage, reason) of every hold still ahead of it on the way, in pipeline order.
    waits_for: tuple[tuple[str, str], ...] = ()
    #: Why it will not get there (`rejected in beta`), when it will not.
    why_not: str = ""
    #: When the forecast was taken.
    now: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "version": version_name(self.version),
            "stage": self.stage,
            "state": self.state,
            "pass_at": None if self.pass_at is None else iso(self.pass_at),
            "waits_for": [{"stage": s, "reason": r} for s, r in self.waits_for],
        }


class StatusView(Struct, frozen=True, kw_only=True):
    """The whole of `captain status`."""

    pipeline: str
    engine_pid: int | None
    latest_version: int | None
    stages: tuple[StageView, ...]
    #: Why the running engine holds (its database locked, a full disk), if it does.
    engine_holding: str | None = None
    #: The newest version's forecast; None when not asked for or there is no version.
    forecast: OutlookView | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "pipeline": self.pipeline,
            "engine": {
                "running": self.engine_pid is not None,
                "pid": self.engine_pid,
                "holding": self.engine_holding,
            },
            "latest_version": _v(self.latest_version),
            "stages": [s.to_json() for s in self.stages],
            "forecast": None if self.forecast is None else self.forecast.to_json(),
        }


#: How much of a log's end `LogView.text` holds: a screen shows no more.
LOG_TAIL = 1024 * 1024
_CHUNK = 256 * 1024


class LogView(Struct, frozen=True, kw_only=True):
    """One step's log, for `captain logs`: where it is, never its whole text in memory
    (a log may be hundreds of megabytes)."""

    step: StepRow
    path: Path

    def chunks(self) -> Iterator[bytes]:
        """The log's bytes as they are, a bounded chunk at a time; none if it is missing."""
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            return
        with handle:
            while chunk := handle.read(_CHUNK):
                yield chunk

    @property
    def text(self) -> str:
        """The last `LOG_TAIL` bytes of the log as text (from a line start, after a note
        of what was left out), for screens that show a log whole."""
        try:
            with open(self.path, "rb") as handle:
                size = handle.seek(0, 2)
                start = max(0, size - LOG_TAIL)
                handle.seek(start)
                data = handle.read(LOG_TAIL)
        except OSError:
            return ""
        if start == 0:
            return data.decode(errors="replace")
        newline = data.find(b"\n")
        skipped = start + newline + 1 if newline >= 0 else start
        rest = data[newline + 1 :] if newline >= 0 else data
        return f"… ({skipped:,} bytes not shown)\n" + rest.decode(errors="replace")


class LogHeading(Struct, frozen=True, kw_only=True):
    """The line `captain logs` prints above a step's or a build's output, and again when
    a followed one ends: what it is, which attempt, and how it stands."""

    #: `deploy`, an approval's name (`onebox smoke` for the onebox's), `rollback`, `build`.
    name: str
    attempt: int
    state: str
    detail: str = ""

    def __str__(self) -> str:
        attempt = f" (attempt {self.attempt})" if self.attempt > 1 else ""
        return f"==> {self.name}{attempt}: {self.state} {self.detail}".rstrip()


class BlockerView(Struct, frozen=True, kw_only=True):
    """One blocker in `captain blockers`."""

    name: str
    active: bool
    next_change: float | None
    reason: str
    timezone: str
    stages: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        change = iso(self.next_change) if self.next_change is not None else None
        return {
            "name": self.name,
            "active": self.active,
            "until": change if self.active else None,
            "next_change": change,
            "reason": self.reason,
            "timezone": self.timezone,
            "stages": list(self.stages),
        }


class WhereTarget(Struct, frozen=True, kw_only=True):
    """A target in `captain where`: does it run the version, how did its rollout go."""

    target: str
    running: bool
    deployment: str | None


class WhereStage(Struct, frozen=True, kw_only=True):
    """A stage in `captain where`."""

    stage: str
    #: passed | rejected | superseded | in-flight | waiting | not-reached
    state: str
    reason: str
    targets: tuple[WhereTarget, ...]


class WhereView(Struct, frozen=True, kw_only=True):
    """The answer to "where is my commit?"."""

    commit: str
    version: int
    build: str
    message: str
    stages: tuple[WhereStage, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "commit": self.commit,
            "version": version_name(self.version),
            "build": self.build,
            "stages": [
                {
                    "stage": s.stage,
                    "state": s.state,
                    "reason": s.reason,
                    "targets": [
                        {"target": t.target, "running": t.running, "deployment": t.deployment}
                        for t in s.targets
                    ],
                }
                for s in self.stages
            ],
        }


class RollbackItem(Struct, frozen=True, kw_only=True):
    """One target's rollback."""

    stage: str
    target: str
    from_version: int | None
    to_version: int
    #: running | succeeded | failed
    state: str
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "target": self.target,
            "from": _v(self.from_version),
            "to": _v(self.to_version),
            "state": self.state,
        }


class RollbackView(Struct, frozen=True, kw_only=True):
    """The outcome of `captain rollback`."""

    rollbacks: tuple[RollbackItem, ...]

    def to_json(self) -> dict[str, object]:
        return {"rollbacks": [r.to_json() for r in self.rollbacks]}

    @property
    def failed(self) -> bool:
        """True when any rollback deploy failed."""
        return any(r.state == "failed" for r in self.rollbacks)


def version_json(row: VersionRow) -> dict[str, object]:
    """One entry of `captain versions --json`."""
    return {
        "version": version_name(row.number),
        "commit": row.commit,
        "author": row.author,
        "message": row.message,
        "build": row.build,
        "stages": dict(row.stages),
    }


def reply_json(reply: Reply) -> dict[str, Any]:
    """What `approve`, `reject`, `gate`, `pause` and `resume` print with `--json`: the
    message and what changed, version names written as everywhere else."""
    data: dict[str, Any] = {"message": reply.message}
    if reply.stage is not None:
        data["stage"] = reply.stage
    if reply.version is not None:
        data["version"] = version_name(reply.version)
    if reply.approved is not None:
        data["approved"] = reply.approved
    if reply.rejected:
        data["rejected"] = True
    if reply.promotion is not None:
        data["promotion"] = reply.promotion
    if reply.paused is not None:
        data["paused"] = reply.paused
    return data


__all__ = [
    "ApprovalView",
    "BlockerView",
    "LogHeading",
    "LogView",
    "RollbackItem",
    "RollbackView",
    "StageView",
    "StatusView",
    "TargetView",
    "WaitingView",
    "WhereStage",
    "WhereTarget",
    "WhereView",
    "event_json",
    "reply_json",
    "version_json",
]
