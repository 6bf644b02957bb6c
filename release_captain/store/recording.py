"""Provides recording the engine's decisions: each one written, with its audit event,
inside the pass's one transaction before anything acts on it (rule R10). What a
decision asks the runtime to do comes back as a `Started` effect."""

from __future__ import annotations

from pathlib import Path

from release_captain.engine.decisions import (
    CheckAlarms,
    CheckMonitors,
    Decision,
    EnterStage,
    FinishStep,
    FinishTarget,
    GrantApproval,
    PassStage,
    RejectStage,
    SetControl,
    StartBuild,
    StartStep,
    StopStep,
    Supersede,
)
from release_captain.store.database import Database
from release_captain.store.events import EventLog
from release_captain.store.records import (
    Started,
    StartedAlarmCheck,
    StartedBuild,
    StartedCheck,
    StartedStep,
    Stopped,
    numbered,
)
from release_captain.store.results import Results
from release_captain.wording import version_name


class DecisionRecorder:
    """Writes decisions inside the caller's transaction."""

    def __init__(self, db: Database, events: EventLog, logs: Path, results: Results) -> None:
        self._db = db
        self._events = events
        self._logs = logs
        self._results = results

    def record(self, decision: Decision, now: float) -> Started | None:
        """Write one decision and its event; the effect the runtime must carry out."""
        match decision:
            case StartBuild():
                return self._start_build(decision, now)
            case EnterStage(stage=stage, version=version, reason=reason):
                self._db.execute(
                    "INSERT INTO stage_versions (stage, version, state, entered_at, reason) "
                    "VALUES (?, ?, 'in-flight', ?, ?)",
                    (stage, version, now, reason),
                )
                self._event("stage.entered", now, decision, detail=reason)
            case Supersede(stage=stage, version=version, reason=reason):
                self._db.execute(
                    "INSERT INTO stage_versions (stage, version, state, finished_at, reason) "
                    "VALUES (?, ?, 'superseded', ?, ?)",
                    (stage, version, now, reason),
                )
                self._event("stage.superseded", now, decision, detail=reason)
            case StartStep(passes_at_once=True):
                self._pass_step_at_once(decision, now)
            case StartStep():
                return self._start_step(decision, now)
            case FinishStep(step_id=step_id, passed=passed, reason=reason):
                self._results.finish_step(
                    step_id, passed=passed, exit_code=None, detail=reason, now=now
                )
            case FinishTarget():
                self._finish_target(decision, now)
            case CheckMonitors():
                return self._check_monitors(decision)
            case CheckAlarms(stage=stage, version=version):
                self._db.execute(
                    "INSERT INTO alarm_checks (stage, version, running) VALUES (?, ?, 1) "
                    "ON CONFLICT(stage) DO UPDATE SET running = 1, version = excluded.version",
                    (stage, version),
                )
                return StartedAlarmCheck(stage=stage, version=version)
            case PassStage() | RejectStage():
                self._settle_stage(decision, now)
            case GrantApproval():
                self._grant(decision, now)
            case StopStep():
                return self._stop_step(decision, now)
            case SetControl():
                self._set_control(decision, now)
        return None

    def _event(
        self,
        kind: str,
        now: float,
        decision: EnterStage | Supersede | PassStage | RejectStage | GrantApproval,
        *,
        detail: str,
        actor: str = "captain",
    ) -> None:
        self._events.append(
            kind,
            at=now,
            version=decision.version,
            stage=decision.stage,
            actor=actor or "captain",
            detail=detail,
        )

    def _start_build(self, decision: StartBuild, now: float) -> StartedBuild:
        version = decision.version
        attempts = self._db.execute(
            "SELECT build_attempts FROM versions WHERE number = ?", (version,)
        ).fetchone()[0]
        log = self._logs / version_name(version) / numbered("build", attempts + 1)
        self._db.execute(
            "UPDATE versions SET build = 'building', build_started_at = ?, "
            "build_attempts = build_attempts + 1, build_log = ? WHERE number = ?",
            (now, str(log), version),
        )
        self._events.append("build.started", at=now, version=version, detail=decision.reason)
        return StartedBuild(version=version, log=log)

    def _start_step(self, decision: StartStep, now: float) -> StartedStep:
        db = self._db
        step = decision.step
        key = (decision.stage, decision.target, decision.version)
        self._open_deployment(decision, now)
        attempt = (
            1
            + db.execute(
                "SELECT COUNT(*) FROM steps WHERE stage = ? AND target = ? AND version = ? "
                "AND idx = ?",
                (*key, step.index),
            ).fetchone()[0]
        )
        log = (
            self._logs
            / version_name(decision.version)
            / decision.stage
            / decision.target
            / numbered(
                f"{step.index:02d}-{step.name.replace(': ', '-').replace(' ', '-')}", attempt
            )
        )
        cursor = db.execute(
            "INSERT INTO steps (stage, target, version, idx, name, kind, onebox, state, "
            "attempt, started_at, log, to_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
            (*key, step.index, step.name, step.kind, int(step.onebox), attempt, now)
            + (str(log), decision.to),
        )
        self._mark_target(decision, now)
        on = "on" if step.kind == "run" else "to"  # a check runs on a version, deploys go to it
        where = "onebox " if step.onebox else ""
        self._events.append(
            "step.started",
            at=now,
            version=decision.version,
            stage=decision.stage,
            target=decision.target,
            detail=f"{where}{step.name}"
            + (f" {on} {version_name(decision.to)}" if decision.to is not None else "")
            + (f" (attempt {attempt})" if attempt > 1 else "")
            + (f": {decision.reason}" if step.kind == "rollback" else ""),
        )
        if step.kind == "manual":
            self._events.append(
                "approval.waiting",
                at=now,
                version=decision.version,
                stage=decision.stage,
                target=decision.target,
                detail=f"{where}{step.name}: waiting for a person's sign-off (captain approve)",
            )
        return StartedStep(
            step_id=int(cursor.lastrowid or 0), decision=decision, attempt=attempt, log=log
        )

    def _open_deployment(self, decision: StartStep, now: float) -> None:
        """The rollout's record, written by its first step with what the target ran
        before (`CAPTAIN_PREVIOUS_VERSION` of every later step and re-run, rule R10)."""
        self._db.execute(
            "INSERT OR IGNORE INTO deployments "
            "(stage, target, version, state, started_at, previous_version) "
            "VALUES (?, ?, ?, 'running', ?, ?)",
            (decision.stage, decision.target, decision.version, now, decision.previous),
        )

    def _pass_step_at_once(self, decision: StartStep, now: float) -> None:
        """A step with nothing to run: recorded as passed, its reason as its outcome."""
        step = decision.step
        key = (decision.stage, decision.target, decision.version)
        self._open_deployment(decision, now)
        self._db.execute(
            "INSERT INTO steps (stage, target, version, idx, name, kind, onebox, state, "
            "started_at, finished_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, 'passed', ?, ?, ?)",
            (*key, step.index, step.name, step.kind, int(step.onebox), now, now)
            + (decision.reason,),
        )
        self._mark_target(decision, now)
        self._events.append(
            "step.passed",
            at=now,
            version=decision.version,
            stage=decision.stage,
            target=decision.target,
            detail=f"{'onebox ' if step.onebox else ''}{step.name}: {decision.reason}",
        )

    def _mark_target(self, decision: StartStep, now: float) -> None:
        """The target's record says what it is doing: deploying, verifying, rolling back."""
        if decision.step.kind == "rollback":
            self._db.execute(
                "UPDATE targets SET state = 'rolling_back', updated_at = ? "
                "WHERE stage = ? AND target = ?",
                (now, decision.stage, decision.target),
            )
            return
        state = "deploying" if decision.step.is_deploy else "verifying"
        self._db.execute(
            "INSERT INTO targets (stage, target, version, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(stage, target) DO UPDATE SET "
            "version = excluded.version, state = excluded.state, "
            "updated_at = excluded.updated_at",
            (decision.stage, decision.target, decision.version, state, now),
        )

    def _finish_target(self, decision: FinishTarget, now: float) -> None:
        state = "succeeded" if decision.succeeded else "failed"
        where = (decision.stage, decision.target, decision.version)
        self._db.execute(
            "UPDATE deployments SET state = ?, finished_at = ?, detail = ? "
            "WHERE stage = ? AND target = ? AND version = ?",
            (state, now, decision.reason, *where),
        )
        # Only a target that still runs the version takes its outcome: one a person
        # already rolled back keeps saying so.
        self._db.execute(
            "UPDATE targets SET state = ?, updated_at = ? "
            "WHERE stage = ? AND target = ? AND version = ?",
            (state, now, *where),
        )
        self._events.append(
            f"target.{state}",
            at=now,
            version=decision.version,
            stage=decision.stage,
            target=decision.target,
            detail=decision.reason,
        )

    def _check_monitors(self, decision: CheckMonitors) -> StartedCheck:
        self._db.execute("UPDATE steps SET checking = 1 WHERE id = ?", (decision.step_id,))
        row = self._db.execute(
            "SELECT stage, target, version, idx, onebox, log FROM steps WHERE id = ?",
            (decision.step_id,),
        ).fetchone()
        return StartedCheck(
            step_id=decision.step_id,
            stage=row[0],
            target=row[1],
            version=row[2],
            index=row[3],
            onebox=bool(row[4]),
            log=Path(row[5]),
        )

    def _settle_stage(self, decision: PassStage | RejectStage, now: float) -> None:
        """The version passed or is rejected in the stage, whatever it was there before
        (a version a person rejects may never have entered, or may have passed)."""
        state = "passed" if isinstance(decision, PassStage) else "rejected"
        reason = decision.reason
        if isinstance(decision, RejectStage) and not decision.actor:
            reason = self._person_s_rejection(decision.stage, decision.version) or reason
        self._db.execute(
            "INSERT INTO stage_versions (stage, version, state, finished_at, reason) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(stage, version) DO UPDATE SET "
            "state = excluded.state, finished_at = excluded.finished_at, "
            "reason = excluded.reason",
            (decision.stage, decision.version, state, now, reason),
        )
        detail, actor = decision.reason, ""
        if isinstance(decision, RejectStage) and decision.actor:
            detail, actor = decision.comment or "rejected by a person", decision.actor
        self._event(f"stage.{state}", now, decision, detail=detail, actor=actor)

    def _person_s_rejection(self, stage: str, version: int) -> str:
        """A person's words when they rejected the version while it was in flight (the
        engine finishes the rejection later, once the stage is done with it), so the
        journey and `where` say who and why rather than "rejected by a person"."""
        row = self._db.execute(
            "SELECT actor, comment FROM grants WHERE stage = ? AND version = ? "
            "AND kind = 'reject' ORDER BY id DESC LIMIT 1",
            (stage, version),
        ).fetchone()
        if row is None:
            return ""
        return f"rejected by {row[0]}" + (f": {row[1]}" if row[1] else "")

    def _grant(self, decision: GrantApproval, now: float) -> None:
        self._db.execute(
            "INSERT INTO grants (stage, version, kind, override_blockers, actor, comment, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                decision.stage,
                decision.version,
                decision.kind,
                int(decision.override_blockers),
                decision.actor,
                decision.comment,
                now,
            ),
        )
        kind = "rejection.requested" if decision.kind == "reject" else "approval.granted"
        detail = decision.reason + (f": {decision.comment}" if decision.comment else "")
        self._event(kind, now, decision, detail=detail, actor=decision.actor)

    def _stop_step(self, decision: StopStep, now: float) -> Stopped | None:
        row = self._db.execute(
            "SELECT stage, target, version, name FROM steps WHERE id = ? AND state = 'running'",
            (decision.step_id,),
        ).fetchone()
        if row is None:
            return None
        self._db.execute(
            "UPDATE steps SET state = 'failed', finished_at = ?, detail = ?, checking = 0 "
            "WHERE id = ?",
            (now, decision.reason, decision.step_id),
        )
        stage, target, version, name = row
        self._events.append(
            "step.failed",
            at=now,
            version=version,
            stage=stage,
            target=target,
            actor=decision.actor or "captain",
            detail=f"{name}: {decision.reason}",
        )
        return Stopped(step_id=decision.step_id)

    def _set_control(self, decision: SetControl, now: float) -> None:
        stage, actor = decision.stage, decision.actor or "captain"
        self._db.execute("INSERT OR IGNORE INTO controls (stage) VALUES (?)", (stage,))
        if decision.paused is not None:
            self._db.execute(
                "UPDATE controls SET paused = ?, pause_reason = ? WHERE stage = ?",
                (int(decision.paused), decision.pause_reason, stage),
            )
            kind = "stage.paused" if decision.paused else "stage.resumed"
            detail = decision.pause_reason if decision.paused else ""
            self._events.append(kind, at=now, stage=stage, actor=actor, detail=detail)
        if decision.promotion is not None:
            self._db.execute(
                "UPDATE controls SET promotion = ? WHERE stage = ?", (decision.promotion, stage)
            )
            self._events.append(
                "gate.switched",
                at=now,
                stage=stage,
                actor=actor,
                detail=f"promotion {decision.promotion}",
            )
