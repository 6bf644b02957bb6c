"""Provides what a face needs to walk one target's rollouts: the versions deployed
there, oldest first (so a log screen steps from v4 back to the v3 bake that failed), and
the step a recorded event speaks of (so a history row leads to that step's log).

Events carry no step id, but the store records a step's start, and its end, at the very
moment of the event it appends, and names the step first in its detail: that is how an
event finds its step."""

from __future__ import annotations

from collections.abc import Sequence

from release_captain.service.shapes import LogView
from release_captain.store import Event, Store
from release_captain.store.views import DeploymentRow

#: Event kinds that speak of one step of a rollout, and so lead to its log.
STEP_KINDS = ("step.", "rollback.")


def deployments_on(store: Store, stage: str, target: str) -> list[DeploymentRow]:
    """Every version's rollout on `stage/target`, oldest version first."""
    return store.views.deployments_on(stage, target)


def speaks_of_a_step(event: Event) -> bool:
    """Whether `event` is about one step of a rollout on a target (it has a log)."""
    return (
        event.kind.startswith(STEP_KINDS)
        and event.stage is not None
        and event.target is not None
        and event.version is not None
    )


def step_of(event: Event, views: Sequence[LogView]) -> LogView | None:
    """The step of `views` (one rollout's, in start order) that `event` speaks of. Two
    steps may start or end at one moment (a deploy ends as its first approval starts),
    so the step's name heading the detail and its state matching the kind count too;
    among equals, the latest started by then."""
    if not speaks_of_a_step(event):
        return None
    started = event.kind == "step.started"
    verb = event.kind.rsplit(".", 1)[-1]

    def fits(view: LogView) -> tuple[bool, bool, bool]:
        step = view.step
        label = ("onebox " if step.onebox else "") + step.name
        moment = step.started_at if started else step.finished_at
        named = event.detail == label or event.detail.startswith((f"{label}:", f"{label} "))
        return moment == event.at, named, started or step.state == verb

    before = [v for v in views if v.step.started_at <= event.at] or list(views)
    return max(reversed(before), key=fits, default=None)
