"""The service's answers for walking one target's rollouts: the versions deployed
there in order, and the step an event speaks of (even when two steps share a moment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.errors import UsageError
from release_captain.service import step_of
from tests.tui import states


def test_the_deployments_on_a_target_come_oldest_first(tmp_path: Path) -> None:
    w = states.fixed(tmp_path)
    rows = w.captain.deployments("beta/local")
    assert [(r.version, r.state) for r in rows] == [(1, "failed"), (2, "succeeded")]
    with pytest.raises(UsageError, match="name one target"):
        w.captain.deployments("gamma")


def test_an_event_finds_its_step_among_steps_of_the_same_moment(tmp_path: Path) -> None:
    w = states.fixed(tmp_path)
    views = w.captain.logs("v1", "beta/local")
    history = [e for e in w.captain.history() if e.version == 1 and e.kind.startswith("step.")]
    found = {(e.kind, e.detail): step_of(e, views) for e in history}
    assert {k: v.step.name for k, v in found.items() if v} == {
        ("step.started", "deploy"): "deploy",
        ("step.passed", "deploy: exited 0"): "deploy",
        ("step.started", "integration"): "integration",
        ("step.failed", "integration: exited 1"): "integration",
    }
    (stage_event,) = [e for e in w.captain.history() if e.kind == "stage.rejected"]
    assert step_of(stage_event, views) is None
