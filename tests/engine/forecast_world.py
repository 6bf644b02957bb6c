"""A `World` over the real store: the same decisions and results a forecast simulates,
written to SQLite by the recorder the engine uses, so tests can check that a forecast
equals what the store then records, and that the in-memory recorder agrees with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from release_captain.config.model import Pipeline
from release_captain.engine.decisions import Decision, GrantApproval
from release_captain.engine.state import State
from release_captain.store import Store
from release_captain.store.records import CommitRow


class StoreWorld:
    """Decisions recorded by `Store.apply`, results by the store's own result writers."""

    def __init__(self, store: Store, pipeline: Pipeline) -> None:
        self.store = store
        self.pipeline = pipeline

    def state(self) -> State:
        return self.store.load_state(self.pipeline)

    def apply(self, decisions: Sequence[Decision], now: float) -> None:
        self.store.apply(decisions, now=now)

    def finish_step(self, step_id: int, now: float) -> None:
        self.store.finish_step(step_id, passed=True, exit_code=0, detail="ok", now=now)

    def record_checks(self, step_id: int, monitors: Sequence[str], now: float) -> None:
        self.store.record_checks(step_id, results=[(m, True, "ok") for m in monitors], now=now)

    def clear_alarms(self, stage: str, now: float) -> None:
        self.store.record_alarm_check(stage, alarming=[], detail="", now=now)

    def finish_build(self, version: int, now: float) -> None:
        self.store.finish_build(version, ok=True, artefacts=[], detail="", now=now)

    def grant(
        self, stage: str, version: int, kind: Literal["entry", "signoff"], now: float
    ) -> None:
        decision = GrantApproval(
            stage=stage, version=version, kind=kind, actor="ada", reason="granted"
        )
        self.store.apply([decision], now=now)


def record_version(store: Store, sha: str, now: float) -> int:
    """Record a new version of source `app` at `sha`."""
    commit = CommitRow(source="app", sha=sha, author="Ada", summary="change", committed_at=now)
    return store.record_version(
        heads={"app": sha}, primary="app", commits=[commit], author="Ada", message="change", now=now
    )
