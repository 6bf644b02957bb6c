"""Provides the incident query a person on call asks first: which target most recently
failed or alarmed, the output of the step or monitor that failed it, a reason to act
with that names the failure, and where that target may be rolled back to.

A failure is an event (`step.failed`, `rollback.failed`: a deploy, an approval, a
monitor's ALARM ending a bake, or a rollback that did not take), so the newest one is
the incident; its step, and so its log, is found as the history screen finds a step
(`rollouts.step_of`). Rollback destinations are the versions that succeeded on the
target, each with the engine's own answer to `rollback --to` (`Captain.rollback_plan`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct

from release_captain.errors import CaptainError
from release_captain.service.rollouts import step_of
from release_captain.store import Event
from release_captain.wording import version_name

if TYPE_CHECKING:
    from release_captain.service.captain import Captain
    from release_captain.service.shapes import TargetView

#: Event kinds that make an incident.
INCIDENT_KINDS = ("step.failed", "rollback.failed")
#: How many of the newest events are searched for the last failure.
SEARCHED = 2000
#: How many lines of the failing step's output are shown.
OUTPUT_LINES = 40


class RollbackChoice(Struct, frozen=True, kw_only=True):
    """A version a target may be rolled back to, or the engine's sentence why not."""

    version: int
    #: True for the target's last good version: a rollback without `--to` goes there.
    last_good: bool = False
    #: Empty when the engine accepts `--to` this version; else why it refuses.
    refused: str = ""


class IncidentView(Struct, frozen=True, kw_only=True):
    """The newest failure: where, what, its output, and what a person may do next."""

    event: Event
    stage: str
    target: str
    version: int
    #: The failed step's name (`deploy`, an approval, `rollback`).
    step: str
    #: The step's output, its last lines.
    output: str
    #: A reason for the actions, pre-filled from the failure.
    reason: str
    #: The version the target runs now (after an automatic rollback, the one it got).
    running: int | None
    #: A newer version has since succeeded on the target: the failure is history.
    over: bool = False
    #: Where the target may be rolled back to, newest first.
    choices: tuple[RollbackChoice, ...]
    #: The stage after this one (the next wave), which a person may pause.
    next_stage: str | None
    #: Whether the version is rejected in the stage already (a failure rejects it, R7):
    #: then there is nothing left to reject.
    rejected: bool = False


def latest_failure(events: list[Event]) -> Event | None:
    """The newest event of `events` (oldest first) that makes an incident."""
    return next((e for e in reversed(events) if e.kind in INCIDENT_KINDS and e.target), None)


def reason_of(event: Event, output: str = "") -> str:
    """`health ALARM on gamma/us-east-1 (v4): GET /basket 500`: the failure in a line, to
    act with — the last thing the step printed, else the engine's words for it."""
    name, _, why = event.detail.partition(": ")
    alarm = "ALARM" if "ALARM" in why else "failed"
    said = [
        line for line in output.splitlines() if line.strip() and not line.startswith(("$ ", "# "))
    ]
    where = f"{event.stage}/{event.target}"
    return f"{name} {alarm} on {where} ({version_name(event.version or 0)}): " + (
        said[-1].strip() if said else why or name
    )


def tail(text: str, lines: int = OUTPUT_LINES) -> str:
    """The last `lines` lines of `text`."""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def latest_incident(captain: Captain) -> IncidentView | None:
    """The newest failure on any target, or None when nothing ever failed."""
    event = latest_failure(captain.history(limit=SEARCHED))
    if event is None or event.stage is None or event.target is None or event.version is None:
        return None
    where = f"{event.stage}/{event.target}"
    views = captain.logs(str(event.version), where)
    step = step_of(event, views)
    output = tail(step.text) if step else ""
    now = target_view(captain, event.stage, event.target)
    names = [s.name for s in captain.pipeline.stages]
    at = names.index(event.stage) if event.stage in names else len(names)
    return IncidentView(
        event=event,
        stage=event.stage,
        target=event.target,
        version=event.version,
        step=step.step.name if step else event.detail.partition(":")[0],
        output=output,
        reason=reason_of(event, output),
        running=now.version if now else None,
        over=now is not None
        and now.version is not None
        and now.version > event.version
        and now.state == "succeeded",
        choices=rollback_choices(captain, where),
        next_stage=names[at + 1] if at + 1 < len(names) else None,
        rejected=(captain.store.views.stage_version(event.stage, event.version) or ("",))[0]
        == "rejected",
    )


def target_view(captain: Captain, stage: str, target: str) -> TargetView | None:
    """The target as `status` shows it (its version, its last good one)."""
    view = next((s for s in captain.status().stages if s.name == stage), None)
    return next((t for t in view.targets if t.name == target), None) if view else None


def rollback_choices(captain: Captain, where: str) -> tuple[RollbackChoice, ...]:
    """Every version that succeeded on `where` (`STAGE/TARGET`) other than the one it
    runs, newest first, each with the engine's answer to rolling back to it."""
    rows = captain.deployments(where)
    stage, _, target = where.partition("/")
    current = target_view(captain, stage, target)
    running = current.version if current else None
    last_good = current.last_good if current else None
    choices = []
    for version in sorted({r.version for r in rows if r.state == "succeeded"}, reverse=True):
        if version == running:
            continue
        try:
            captain.rollback_plan([where], to=version)
            refused = ""
        except CaptainError as error:
            refused = str(error)
        choices.append(
            RollbackChoice(version=version, last_good=version == last_good, refused=refused)
        )
    return tuple(choices)
