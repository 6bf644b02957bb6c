"""Provides applying a person's request (rule R11) — whoever applies it: the running
engine draining its queue, or the command itself when no engine runs. The engine decides
(`engine.people.answer`), the store records; one path, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec
from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.engine.people import answer
from release_captain.engine.requests import (
    Answer,
    Approve,
    Pause,
    Reject,
    Reply,
    Request,
    Resume,
    Rollback,
    SetGate,
)
from release_captain.errors import CaptainError, UsageError
from release_captain.runtime.observation import observe
from release_captain.store import Started, StartedStep, Store, StoreUnavailable

_KINDS: dict[str, type[Request]] = {
    "approve": Approve,
    "reject": Reject,
    "gate": SetGate,
    "pause": Pause,
    "resume": Resume,
    "rollback": Rollback,
}


class Applied(Struct, frozen=True, kw_only=True):
    """What a request did: the engine's answer, and the effects the runtime must carry
    out now (rollback steps to start, stopped steps to end)."""

    answer: Answer
    effects: tuple[Started, ...] = ()

    @property
    def rollback_steps(self) -> tuple[int, ...]:
        """The ids of the rollback steps started, in the order of `answer.rollbacks`."""
        return tuple(
            e.step_id
            for e in self.effects
            if isinstance(e, StartedStep) and e.decision.step.kind == "rollback"
        )

    def result(self) -> dict[str, Any]:
        """What the queue keeps for the person's command waiting on it."""
        reply = msgspec.to_builtins(self.answer.reply())
        return {"reply": reply, "steps": list(self.rollback_steps)}


def reply_of(result: dict[str, Any]) -> tuple[Reply, tuple[int, ...]]:
    """The reply and rollback step ids a settled request recorded."""
    return msgspec.convert(result["reply"], Reply), tuple(result.get("steps", ()))


def kind_of(request: Request) -> str:
    """The queue's name for a request's kind."""
    return next(k for k, t in _KINDS.items() if isinstance(request, t))


def to_args(request: Request) -> dict[str, Any]:
    """A request as the queue stores it (its actor has a column of its own)."""
    args: dict[str, Any] = msgspec.to_builtins(request)
    args.pop("actor", None)
    return args


def from_queue(kind: str, args: dict[str, Any], actor: str) -> Request:
    """A queued request read back, or the sentence why it cannot be."""
    shape = _KINDS.get(kind)
    if shape is None:
        raise UsageError(f"unknown command '{kind}'")
    try:
        return msgspec.convert({**args, "actor": actor}, shape)
    except msgspec.ValidationError as error:
        raise UsageError(f"the {kind} request cannot be read: {error}") from None


def named_versions(request: Request) -> tuple[int, ...]:
    """The versions a request names, which the state must hold however old they are."""
    match request:
        case Approve(version=v) | Reject(version=v) | Rollback(to=v) if v is not None:
            return (v,)
    return ()


def apply_request(pipeline: Pipeline, store: Store, request: Request, now: float) -> Applied:
    """Decide and record one request; the caller holds the write transaction, so its
    decisions commit together with whatever settles it."""
    state = observe(pipeline, store, now, named=named_versions(request))
    decided = answer(pipeline, state, request, now)
    effects = store.apply(decided.decisions, now=now)
    return Applied(answer=decided, effects=tuple(effects))


def apply_queued(pipeline: Pipeline, store: Store, clock: Callable[[], float]) -> Iterator[Applied]:
    """Apply each queued request exactly once: its decisions and its settlement commit
    together, so a crash leaves it either wholly applied or still pending. A request
    that does not fit is settled failed with its sentence; one the store cannot take
    now (StoreUnavailable) stays queued. Yields what each applied one did."""
    for queued in store.requests.pending():
        try:
            with store.write():
                request = from_queue(queued.kind, queued.args, queued.actor)
                applied = apply_request(pipeline, store, request, clock())
                store.requests.settle(queued.id, ok=True, result=applied.result(), now=clock())
        except StoreUnavailable:
            raise  # not the request's fault: it stays queued
        except CaptainError as error:
            with store.write():
                store.requests.settle(
                    queued.id,
                    ok=False,
                    result={"error": str(error), "exit_code": error.exit_code},
                    now=clock(),
                )
            continue
        yield applied
