"""Provides the service: the one facade (`Captain`) the CLI and the TUI call, its read
models, and the JSON shapes of SPEC §6."""

from release_captain.engine.requests import Reply, RollbackMove
from release_captain.service.captain import Captain, current_user
from release_captain.service.shapes import (
    ApprovalView,
    BlockerView,
    LogView,
    RollbackItem,
    RollbackView,
    StageView,
    StatusView,
    TargetView,
    WaitingView,
    WhereStage,
    WhereTarget,
    WhereView,
)

__all__ = [
    "ApprovalView",
    "BlockerView",
    "Captain",
    "LogView",
    "Reply",
    "RollbackItem",
    "RollbackMove",
    "RollbackView",
    "StageView",
    "StatusView",
    "TargetView",
    "WaitingView",
    "WhereStage",
    "WhereTarget",
    "WhereView",
    "current_user",
]
