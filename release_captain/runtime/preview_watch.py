"""Provides `PreviewWatch`: with an engine running, the previews of the branches matching
`[preview] watch` kept current on push and torn down when the branch is deleted
(SPEC §11).

Previews are outside the stages, so the engine does not decide them: every `poll`
interval of the primary source, one pass runs on a pool thread (a build and a deploy
take minutes, and the loop must not wait for them) with a database connection of its
own, as `captain preview` in another process would. A pass the engine's stop cuts off
leaves its preview recorded as unfinished, and the next pass does it again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping

from release_captain.config.model import Pipeline
from release_captain.config.preview import matches, refusal
from release_captain.errors import CaptainError
from release_captain.runtime.previews import Previewer
from release_captain.runtime.shell import Runner
from release_captain.store import Store


class PreviewWatch:
    """Keeps the watched branches' previews current, one pass at a time."""

    def __init__(
        self,
        pipeline: Pipeline,
        clock: Callable[[], float],
        submit: Callable[[Callable[[], None]], None],
        runner: Runner | None,
        base_env: Mapping[str, str],
    ) -> None:
        self._pipeline = pipeline
        self._clock = clock
        self._submit = submit
        self._runner = runner
        self._env = dict(base_env)
        self._due = 0.0
        self._cancel = threading.Event()
        #: (branch, commit) whose teardown failed: tried again only after a restart,
        #: not every poll.
        self._failed_teardowns: set[tuple[str, str]] = set()
        #: True while a pass runs.
        self.busy = False

    @property
    def watching(self) -> bool:
        """Whether the pipeline asks for any branch to be watched."""
        preview = self._pipeline.preview
        return preview is not None and bool(preview.watch)

    def poll(self) -> None:
        """Start a pass when one is due and none runs."""
        now = self._clock()
        if not self.watching or self.busy or now < self._due or self._cancel.is_set():
            return
        self._due = now + self._pipeline.primary.poll
        self.busy = True
        self._submit(self._pass)

    def stop(self) -> None:
        """Cut off the running pass's command (its preview stays unfinished)."""
        self._cancel.set()

    def _pass(self) -> None:
        try:
            store = Store(self._pipeline.state_dir)
        except CaptainError:
            self.busy = False  # the loop holds for an unusable database itself
            return
        try:
            previewer = Previewer(
                self._pipeline, store, runner=self._runner, base_env=self._env, cancel=self._cancel
            )
            self._keep(previewer)
        except Exception as error:  # a pass must never end silently on the engine's pool
            self._say(store, error if isinstance(error, CaptainError) else repr(error))
        finally:
            store.close()
            self.busy = False

    def _keep(self, previewer: Previewer) -> None:
        preview = self._pipeline.preview
        assert preview is not None  # `watching`
        heads = previewer.branches()
        for branch in sorted(heads):
            if self._cancel.is_set():
                return
            if matches(branch, preview.watch) and refusal(self._pipeline, branch) is None:
                self._quietly(previewer, branch, down=False)
        for row in previewer.store.previews.all():
            key = (row.branch, row.commit)
            if row.branch in heads or not matches(row.branch, preview.watch):
                continue
            if key not in self._failed_teardowns and not self._quietly(
                previewer, row.branch, down=True
            ):
                self._failed_teardowns.add(key)

    def _quietly(self, previewer: Previewer, branch: str, *, down: bool) -> bool:
        """Keep (or take down) one branch's preview: whether it succeeded. What goes
        wrong is recorded, and the pass goes on with the other branches."""
        try:
            if down:
                return previewer.down(branch).ok
            return previewer.keep(branch, retry_failed=False).ok
        except CaptainError as error:
            self._say(previewer.store, error)
            return False

    def _say(self, store: Store, problem: object) -> None:
        """Record what kept the watch from a preview (`captain history` shows it)."""
        with contextlib.suppress(CaptainError):
            store.append_event("preview.failed", now=time.time(), detail=f"watch: {problem}")
