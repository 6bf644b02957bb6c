"""Provides `versions_in_use`: the versions whose tree (`CAPTAIN_CHECKOUT`) a step may
still need, so the runtime keeps those trees and removes the rest.

A version is in use while a stage runs or verifies it, while a running step deploys it
(a rollback to a last good version), and while it is the next version some stage will
take (it waits at a gate, a blocker or a `bake_after`): removing its tree between two
stages would only make it again a moment later.
"""

from __future__ import annotations

from release_captain.config.model import Pipeline
from release_captain.engine.candidates import candidates_for
from release_captain.engine.state import State


def versions_in_use(pipeline: Pipeline, state: State) -> frozenset[int]:
    """Versions in flight, deployed by a running step, or next in line for a stage."""
    in_flight = {sv.version for sv in state.stage_versions.values() if sv.state == "in-flight"}
    running = {
        number
        for step in state.steps
        if step.state == "running"
        for number in (step.version, step.to_version)
        if number is not None
    }
    next_in_line = {
        candidates[-1]
        for stage in pipeline.stages
        if (candidates := candidates_for(pipeline, state, stage))
    }
    return frozenset(in_flight | running | next_in_line)
