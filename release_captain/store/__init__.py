"""Provides the store: the only code that knows SQL. Schema and migrations, recording
decisions and results with their audit events, loading the current state, the request
queue, and the read models of status, versions, history and where."""

from release_captain.store.database import StoreError, StoreUnavailable
from release_captain.store.events import Event
from release_captain.store.records import (
    ArtefactRow,
    CommitRow,
    Started,
    StartedAlarmCheck,
    StartedBuild,
    StartedCheck,
    StartedStep,
    Stopped,
)
from release_captain.store.requests import QueuedRequest
from release_captain.store.store import Store

__all__ = [
    "ArtefactRow",
    "CommitRow",
    "Event",
    "QueuedRequest",
    "Started",
    "StartedAlarmCheck",
    "StartedBuild",
    "StartedCheck",
    "StartedStep",
    "Stopped",
    "Store",
    "StoreError",
    "StoreUnavailable",
]
