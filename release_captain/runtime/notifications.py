"""Provides sending notifications (SPEC §11): the `[[notify]]` commands run for each
recorded event whose kind they match, with the event as JSON on stdin.

A notification never holds or fails the pipeline: its command is started and left to
the reaper thread (with its own time limit), its end comes back through the loop's
queue like any other outcome, and a failure is only recorded, as `notify.failed`. It is
claimed in the store before it starts (`store.notifications`), so it is sent at most
once: a crash mid-notification ends what is left of it at the next start
(`runtime.leftovers`) and does not send it again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.runtime.environment import command_env
from release_captain.runtime.shell import CommandResult, Runner, Running
from release_captain.store import Store
from release_captain.store.database import private_file
from release_captain.store.events import event_json
from release_captain.store.notifications import Notification
from release_captain.wording import version_name


class NotifyDone(Struct, frozen=True, kw_only=True):
    """A notification's command ended (or could not start)."""

    notification: Notification
    result: CommandResult


class Notifier:
    """Starts the notifications of newly recorded events; only the loop's thread calls
    it, so its claims are written by the one writer."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        runner: Runner,
        *,
        base_env: Mapping[str, str],
        put: Callable[[NotifyDone], None],
        clock: Callable[[], float],
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._runner = runner
        self._base_env = base_env
        #: Hands an end to the loop's queue (from the reaper's thread).
        self._put = put
        self._clock = clock
        #: Notifications started and not yet recorded as ended.
        self.running: dict[tuple[int, int], Running | None] = {}
        self._stopping = False

    def send(self) -> None:
        """Claim and start the notifications of the events recorded since the last
        call; writes nothing when no event was recorded (an idle engine stays idle)."""
        if self._stopping or not self._store.notifications.pending():
            return
        with self._store.write():
            claimed = self._store.notifications.claim(self._pipeline.notify, now=self._clock())
        for notification in claimed:
            self._start(notification)

    def _start(self, notification: Notification) -> None:
        key = (notification.event.id, notification.entry)
        entry = self._pipeline.notify[notification.entry]
        self.running[key] = None
        try:
            stdin = self._write_event(notification)
        except OSError as error:
            self._ended(notification, _not_started(notification, str(error)))
            return
        running = self._runner.start(
            entry.run,
            cwd=self._pipeline.root,
            env=self._env(notification),
            timeout=entry.timeout,
            log=notification.log,
            stdin=stdin,
            on_end=lambda result: self._ended(notification, result),
        )
        if key in self.running:
            self.running[key] = running

    def _ended(self, notification: Notification, result: CommandResult) -> None:
        """From the reaper's thread: hand the end to the loop, which records it."""
        self._put(NotifyDone(notification=notification, result=result))

    def _write_event(self, notification: Notification) -> Path:
        """The event as one JSON object, in a file beside the log, for the command's stdin."""
        path = notification.log.with_suffix(".json")
        with os.fdopen(private_file(path, os.O_WRONLY | os.O_TRUNC), "w") as out:
            json.dump(event_json(notification.event), out)
            out.write("\n")
        return path

    def _env(self, notification: Notification) -> dict[str, str]:
        event = notification.event
        version = version_name(event.version) if event.version is not None else ""
        commits = self._store.versions.heads(event.version) if event.version else {}
        return command_env(
            self._base_env,
            pipeline=self._pipeline.name,
            action="notify",
            version=version,
            commits=commits,
            primary=self._pipeline.primary.name if self._pipeline.sources else "",
            artefacts=None,
            state_dir=self._pipeline.state_dir,
            pipeline_dir=self._pipeline.root,
            stage=event.stage or "",
            target=event.target or "",
            extra={
                "CAPTAIN_EVENT_KIND": event.kind,
                "CAPTAIN_EVENT_STAGE": event.stage or "",
                "CAPTAIN_EVENT_TARGET": event.target or "",
                "CAPTAIN_EVENT_VERSION": version,
                "CAPTAIN_EVENT_DETAIL": event.detail,
            },
        )

    def record(self, done: NotifyDone, now: float) -> None:
        """Record how a notification ended (inside the loop's transaction)."""
        notification, result = done.notification, done.result
        self.running.pop((notification.event.id, notification.entry), None)
        entry = self._pipeline.notify[notification.entry]
        self._store.notifications.finish(
            notification, ok=result.ok, detail=f"`{entry.run}` {result.describe()}", now=now
        )

    def stop(self) -> None:
        """Cut off the notifications still running (recorded as failed when their end
        is drained) and start no more: the events recorded from now on are notified at
        the next start."""
        self._stopping = True
        for running in list(self.running.values()):
            if running is not None:
                running.cancel()
        for running in list(self.running.values()):
            if running is not None:
                running.wait(5.0)


def _not_started(notification: Notification, reason: str) -> CommandResult:
    return CommandResult(
        exit_code=None,
        timed_out=False,
        cancelled=False,
        duration=0.0,
        log=notification.log,
        error=reason,
    )
