"""Provides delivering a person's request (rule R11): through the running engine's
queue when one holds the state directory, else applied here in one transaction — and a
rollback, which must run commands, through the loop's own code while holding the
engine lock."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from release_captain.config.model import Pipeline
from release_captain.engine.requests import Reply, Request, Rollback
from release_captain.errors import CaptainError, StateConflict, WaitTimeout
from release_captain.runtime.lock import engine_pid
from release_captain.store import Store

if TYPE_CHECKING:
    from release_captain.runtime.reconciler import Reconciler


def deliver(
    request: Request,
    *,
    pipeline: Pipeline,
    store: Store,
    clock: Callable[[], float],
    loop: Callable[[], Reconciler],
    timeout: float,
) -> tuple[Reply, tuple[int, ...]]:
    """Apply a request: through the running engine's queue, else here (rule R11).
    Returns the reply and the ids of the rollback steps it started."""
    from release_captain.runtime.requests import apply_request

    if engine_pid(pipeline.state_dir) is None:
        if isinstance(request, Rollback):
            done = _serve_without_engine(request, pipeline, store, clock, loop)
            if done is not None:
                return done
        else:
            with store.write():
                applied = apply_request(pipeline, store, request, clock())
            return applied.answer.reply(), applied.rollback_steps
    return _through_engine(request, pipeline, store, clock, timeout)


def _serve_without_engine(
    request: Rollback,
    pipeline: Pipeline,
    store: Store,
    clock: Callable[[], float],
    loop: Callable[[], Reconciler],
) -> tuple[Reply, tuple[int, ...]] | None:
    """Hold the engine lock and run the request through the loop's own code; None
    when an engine started meanwhile (the request then goes to it)."""
    from release_captain.runtime.lock import EngineLock

    lock = EngineLock(pipeline.state_dir)
    try:
        lock.acquire()
    except StateConflict:
        return None
    try:
        request_id = _queue(request, store, clock)
        loop().serve_requests()
        return _settled(store, request_id)
    finally:
        lock.release()


def _queue(request: Request, store: Store, clock: Callable[[], float]) -> int:
    from release_captain.runtime.requests import kind_of, to_args

    with store.write():
        return store.requests.submit(
            kind=kind_of(request), args=to_args(request), actor=request.actor, now=clock()
        )


def _through_engine(
    request: Request,
    pipeline: Pipeline,
    store: Store,
    clock: Callable[[], float],
    timeout: float,
) -> tuple[Reply, tuple[int, ...]]:
    from release_captain.runtime.doorbell import ring
    from release_captain.runtime.requests import kind_of

    request_id = _queue(request, store, clock)
    ring(pipeline.state_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        settled = _settled(store, request_id)
        if settled is not None:
            return settled
        time.sleep(0.005)
    raise WaitTimeout(
        f"the engine (pid {engine_pid(pipeline.state_dir)}) did not apply the "
        f"{kind_of(request)} request within {timeout:g}s; it stays queued and will be "
        f"applied when the engine gets to it"
    )


def _settled(store: Store, request_id: int) -> tuple[Reply, tuple[int, ...]] | None:
    """The reply of a request once applied; its error once refused."""
    from release_captain.runtime.requests import reply_of

    queued = store.requests.request(request_id)
    if queued is None or queued.state == "pending":
        return None
    if queued.state == "failed":
        error = CaptainError(str(queued.result.get("error", "the request was refused")))
        error.exit_code = int(str(queued.result.get("exit_code", 1)))
        raise error
    return reply_of(queued.result)
