"""Provides `observe`: the recorded state plus what is true of the world at `now` —
which blockers are active — so the loop, a person's request and the service's read
models all decide from the same picture."""

from __future__ import annotations

from collections.abc import Iterable

from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.engine.state import State
from release_captain.store import Store


def observe(pipeline: Pipeline, store: Store, now: float, *, named: Iterable[int] = ()) -> State:
    """The state the engine decides from at `now`, with the `named` versions however old."""
    state = store.load_state(pipeline, named=named)
    if not pipeline.blockers:
        return state
    from release_captain.engine.windows import active_blockers

    return replace(state, active_blockers=active_blockers(pipeline.blockers, now))
