"""Provides the engine: a pure function from pipeline, recorded state and time to
decisions. It imports no database, process, git or UI code, and never reads a clock."""

from release_captain.engine.decide import Outcome, decide
from release_captain.engine.decisions import (
    CheckAlarms,
    CheckMonitors,
    Decision,
    EnterStage,
    FinishStep,
    FinishTarget,
    PassStage,
    RejectStage,
    StartBuild,
    StartStep,
    Supersede,
)
from release_captain.engine.gates import Hold
from release_captain.engine.plan import PlanStep, plan_for

__all__ = [
    "CheckAlarms",
    "CheckMonitors",
    "Decision",
    "EnterStage",
    "FinishStep",
    "FinishTarget",
    "Hold",
    "Outcome",
    "PassStage",
    "PlanStep",
    "RejectStage",
    "StartBuild",
    "StartStep",
    "Supersede",
    "decide",
    "plan_for",
]
