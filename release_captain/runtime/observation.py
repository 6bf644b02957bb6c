"""Provides `observe`: the recorded state plus what is true of the world at `now` —
which blockers are active, which monitors were last seen in ALARM — so the engine, the
service and the actions all decide from the same picture."""

from __future__ import annotations

from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.engine.state import State
from release_captain.store import Store


def observe(pipeline: Pipeline, store: Store, now: float) -> State:
    """The state the engine decides from at `now`."""
    state = store.load_state(pipeline)
    extra: dict[str, object] = {}
    if pipeline.blockers:
        from release_captain.engine.windows import active_blockers

        extra["active_blockers"] = active_blockers(pipeline.blockers, now)
    return replace(state, **extra) if extra else state  # type: ignore[arg-type]
