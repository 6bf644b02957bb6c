"""Rule R6: passing, and the end of a stage's work on a version.

A version passes a stage when every target of the stage succeeded with it and the
stage's `bake_after` has elapsed since the last target succeeded. It is rejected there
once some target failed and nothing of it still runs (rule R7).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_captain.config.model import Stage
from release_captain.engine.decisions import Decision, PassStage, RejectStage
from release_captain.engine.rollout_timing import Timers
from release_captain.engine.state import DeploymentRecord
from release_captain.wording import seconds


def settle_stage(
    *,
    stage: Stage,
    version: int,
    deployments: Mapping[str, DeploymentRecord],
    rollbacks_running: bool,
    now: float,
    rejected: bool = False,
    timers: Timers,
) -> list[Decision]:
    """Pass or reject the stage's version once its targets are all done with it.

    `deployments` maps target name -> the version's deployment there (absent when the
    target never began).
    """
    records = [deployments.get(t.name) for t in stage.targets]
    if any(r is not None and r.state == "running" for r in records) or rollbacks_running:
        return []
    failed = [
        t.name for t, r in zip(stage.targets, records, strict=True) if r and r.state == "failed"
    ]
    if rejected:
        return [RejectStage(stage=stage.name, version=version, reason="rejected by a person")]
    if failed:
        return [
            RejectStage(
                stage=stage.name,
                version=version,
                reason=f"failed on {', '.join(failed)}",
            )
        ]
    if any(r is None for r in records):
        return []
    last = max(r.finished_at or r.started_at for r in records if r is not None)
    passes_at = last + stage.bake_after
    if now < passes_at:
        timers.at(passes_at)
        return []
    why = "every target succeeded"
    if stage.bake_after:
        why += f" and bake_after {seconds(stage.bake_after)} elapsed"
    return [PassStage(stage=stage.name, version=version, reason=why)]
