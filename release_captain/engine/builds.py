"""Rule R2: build once. Which version to build next.

Every detected version is built exactly once, oldest first, one build at a time (builds
are the heaviest commands and later stages need them in order anyway). A failed build
marks the version failed; it enters no stage.
"""

from __future__ import annotations

from release_captain.engine.decisions import Decision, StartBuild
from release_captain.engine.rollout_timing import Slots
from release_captain.engine.state import State


def build_decisions(state: State, slots: Slots) -> list[Decision]:
    """Start the oldest pending build when no other build runs and a slot is free."""
    if any(v.build == "building" for v in state.versions):
        return []
    pending = next((v for v in state.versions if v.build == "pending"), None)
    if pending is None or not slots.take("deploy"):
        return []
    return [StartBuild(version=pending.number, reason="new version detected")]


def builds_running(state: State) -> int:
    """How many builds hold a process slot."""
    return sum(1 for v in state.versions if v.build == "building")
