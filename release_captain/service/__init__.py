"""Provides the service: the one facade (`Captain`) the CLI and the TUI call, its read
models, and the JSON shapes of SPEC §6. The faces import the records they show from here,
never from the layers below."""

from release_captain.engine.requests import Reply, RollbackMove
from release_captain.service.captain import Captain, current_user
from release_captain.service.changes import ChangesView, CommitChange, FileTouch
from release_captain.service.forecasting import ForecastView
from release_captain.service.incident import IncidentView, RollbackChoice
from release_captain.service.metrics import (
    DEFAULT_SINCE,
    DeliveryMetrics,
    MetricsView,
    Spread,
    StageMetrics,
)
from release_captain.service.rollouts import speaks_of_a_step, step_of
from release_captain.service.shapes import (
    ApprovalView,
    BlockerView,
    LogView,
    OutlookView,
    RejectionStory,
    RollbackItem,
    RollbackStory,
    RollbackView,
    StageView,
    StatusView,
    TargetView,
    WaitingView,
    WhereStage,
    WhereTarget,
    WhereView,
)
from release_captain.store import CommitRow, Event
from release_captain.store.views import DeploymentRow, StageMark, StepRow, VersionRow

__all__ = [
    "DEFAULT_SINCE",
    "ApprovalView",
    "BlockerView",
    "Captain",
    "ChangesView",
    "CommitChange",
    "CommitRow",
    "DeliveryMetrics",
    "DeploymentRow",
    "Event",
    "FileTouch",
    "IncidentView",
    "ForecastView",
    "LogView",
    "MetricsView",
    "OutlookView",
    "RejectionStory",
    "Reply",
    "RollbackChoice",
    "RollbackItem",
    "RollbackMove",
    "RollbackStory",
    "RollbackView",
    "Spread",
    "StageMark",
    "StageMetrics",
    "StageView",
    "StatusView",
    "StepRow",
    "TargetView",
    "VersionRow",
    "WaitingView",
    "WhereStage",
    "WhereTarget",
    "WhereView",
    "current_user",
    "speaks_of_a_step",
    "step_of",
]
