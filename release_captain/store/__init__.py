"""Provides the store: the only code that knows SQL. Schema and migrations, recording
decisions and results with their audit events, loading the current state, and the read
models of status, versions, history and where."""

from release_captain.store.database import StoreError
from release_captain.store.events import Event
from release_captain.store.store import (
    ArtefactRow,
    CommitRow,
    Started,
    StartedAlarmCheck,
    StartedBuild,
    StartedCheck,
    StartedStep,
    Store,
)

__all__ = [
    "ArtefactRow",
    "CommitRow",
    "Event",
    "Started",
    "StartedAlarmCheck",
    "StartedBuild",
    "StartedCheck",
    "StartedStep",
    "Store",
    "StoreError",
]
