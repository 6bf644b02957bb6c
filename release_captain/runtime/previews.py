"""Provides `Previewer`: a branch's preview environment built, deployed and torn down
(SPEC §11), for `captain preview` and the engine's watch alike.

A preview is built once per head with the same `[build]` (`Builder`, artefacts in the
same content-addressed store), its artefacts linked into `artefacts/previews/NAME/`
rather than `versions/`, and recorded in its own table: it never takes a `vN` nor
enters a stage. One preview is worked on by one process at a time (a lock file per
preview name), so a person's `captain preview` and the engine's watch never deploy the
same preview at once; each row is written before its work starts (rule R10).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from msgspec import Struct

from release_captain.config.model import Pipeline, Preview
from release_captain.config.preview import preview_name, refusal
from release_captain.errors import CaptainError, StateConflict, UsageError
from release_captain.runtime.artefacts import ArtefactStore, StoredArtefact
from release_captain.runtime.branches import branch_heads, ready
from release_captain.runtime.builder import Builder, BuildOutcome
from release_captain.runtime.environment import command_env
from release_captain.runtime.folders import remove_tree
from release_captain.runtime.leftovers import end_leftovers
from release_captain.runtime.shell import Runner, ShellRunner
from release_captain.store import Store
from release_captain.store.database import private_dir, private_file
from release_captain.store.previews import UNFINISHED, PreviewRow


class PreviewOutcome(Struct, frozen=True, kw_only=True):
    """What one preview command did."""

    #: The preview as recorded afterwards (None once torn down).
    row: PreviewRow | None
    #: False when the preview already ran this head and nothing was done.
    changed: bool
    ok: bool
    #: One sentence: "deployed at abc123def456", "deploy exited 1".
    detail: str
    #: The log of its build, deploy and teardown.
    log: Path


class Previewer:
    """Keeps the previews of one pipeline's branches."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        *,
        runner: Runner | None = None,
        base_env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        cancel: threading.Event | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self._runner = runner or ShellRunner()
        self._env = dict(os.environ if base_env is None else base_env)
        self._clock = clock
        self._cancel = cancel
        self._artefacts = ArtefactStore(pipeline.state_dir / "artefacts")
        self._folder = pipeline.state_dir / "previews"

    # -- reading ---------------------------------------------------------------------

    def branches(self) -> dict[str, str]:
        """The primary source's branches -> their heads, fetched first for a URL source."""
        ready(self.pipeline.primary)
        return branch_heads(self.pipeline.primary)

    # -- keeping a preview -----------------------------------------------------------

    def keep(self, branch: str, *, retry_failed: bool = True) -> PreviewOutcome:
        """Build and deploy `branch`'s head as its preview, unless it runs that head
        already (or failed on it, when not `retry_failed`: the engine's watch waits for
        a new push rather than failing again every poll)."""
        preview = self._config(branch)
        name = preview_name(branch)
        with self._held(name):
            head = self.branches().get(branch)
            if head is None:
                raise StateConflict(f"no branch '{branch}' in {self.pipeline.primary.repo}")
            other = self.store.previews.named(name)
            if other is not None and other.branch != branch:
                raise StateConflict(
                    f"branch '{branch}' would be preview '{name}', which is branch "
                    f"'{other.branch}'s: take that one down first"
                )
            row = self.store.previews.get(branch)
            self._end_cut_off(row)
            if row is not None and _current(row, head, retry_failed=retry_failed):
                return self._outcome(branch, changed=False, ok=row.state == "deployed")
            return self._build_and_deploy(preview, branch, name, head)

    def down(self, branch: str) -> PreviewOutcome:
        """Run `teardown` for `branch`'s preview and forget it; a failed teardown keeps
        the record, so it can be run again."""
        preview = self.pipeline.preview
        if preview is None:
            raise UsageError(refusal(self.pipeline, branch) or "no [preview] table")
        row = self.store.previews.get(branch)
        if row is None:
            raise StateConflict(f"branch '{branch}' has no preview")
        with self._held(row.preview):
            self._end_cut_off(self.store.previews.get(branch))
            self._begin(branch, row.preview, row.commit, "tearing-down")
            log = self._log(row.preview)
            if preview.teardown is not None:
                ended = self._run(preview, preview.teardown, "teardown", row, log)
                if ended is not None:
                    return self._finish(branch, ok=False, detail=f"teardown {ended}")
            with self.store.write():
                self.store.previews.forget(branch, detail="torn down", now=self._clock())
            remove_tree(self._artefacts.root / "previews" / row.preview)
            return PreviewOutcome(row=None, changed=True, ok=True, detail="torn down", log=log)

    # -- internals -------------------------------------------------------------------

    def _config(self, branch: str) -> Preview:
        why = refusal(self.pipeline, branch)
        if why is not None or self.pipeline.preview is None:
            raise UsageError(why or "no [preview] table")
        return self.pipeline.preview

    def _build_and_deploy(
        self, preview: Preview, branch: str, name: str, head: str
    ) -> PreviewOutcome:
        self._begin(branch, name, head, "building")
        log = self._log(name)
        try:
            built = self._build(name, head, log)
        except CaptainError as error:
            return self._finish(branch, ok=False, detail=str(error))
        if not built.ok:
            return self._finish(branch, ok=False, detail=built.detail)
        with self.store.write():
            self.store.previews.built(
                branch,
                artefacts=tuple((a.name, a.sha256, a.size) for a in built.artefacts),
                now=self._clock(),
            )
        row = self.store.previews.get(branch)
        assert row is not None  # written above, and this process holds the preview
        url_file = self._folder / f"{name}.url"
        url_file.unlink(missing_ok=True)
        ended = self._run(preview, preview.deploy, "preview", row, log, url_file=url_file)
        if ended is not None:
            return self._finish(branch, ok=False, detail=f"deploy {ended}")
        url = _url_in(url_file)
        detail = "deployed" + (f": {url}" if url else "")
        return self._finish(branch, ok=True, detail=detail, url=url)

    def _build(self, name: str, head: str, log: Path) -> BuildOutcome:
        pipeline = self.pipeline
        sources = {s.name: ready(s) for s in pipeline.sources}
        commits = {s.name: sources[s.name].head() or "" for s in pipeline.sources[1:]}
        commits[pipeline.primary.name] = head
        info = sources[pipeline.primary.name].commit(head)
        builder = Builder(
            pipeline=pipeline,
            runner=self._runner,
            store=self._artefacts,
            sources=dict(sources),
            base_env=self._env,
        )
        return builder.build(
            version=f"preview-{name}",
            commits=commits,
            log=log,
            extra_env={
                "CAPTAIN_COMMIT_MESSAGE": info.message,
                "CAPTAIN_COMMIT_AUTHOR": info.author,
            },
            cancel=self._cancel,
        )

    def _run(
        self,
        preview: Preview,
        command: str,
        action: str,
        row: PreviewRow,
        log: Path,
        *,
        url_file: Path | None = None,
    ) -> str | None:
        """Run the deploy or the teardown; None when it succeeded, else how it ended."""
        folder = self._artefacts.root / "previews" / row.preview
        if action == "preview":
            stored = [StoredArtefact(name=n, sha256=s, size=z) for n, s, z in row.artefacts]
            try:
                folder = self._artefacts.materialise(row.preview, stored, under="previews")
            except CaptainError as error:
                return f"could not start: {error}"
        pipeline = self.pipeline
        env = command_env(
            self._env,
            pipeline=pipeline.name,
            action=action,
            version="",
            commits={pipeline.primary.name: row.commit},
            primary=pipeline.primary.name,
            artefacts=folder,
            state_dir=pipeline.state_dir,
            pipeline_dir=pipeline.root,
            extra={
                "CAPTAIN_PREVIEW": row.preview,
                "CAPTAIN_PREVIEW_URL_FILE": str(url_file or self._folder / f"{row.preview}.url"),
            },
        )
        result = self._runner.run(
            command,
            cwd=pipeline.root,
            env=env,
            timeout=preview.timeout,
            log=log,
            cancel=self._cancel,
        )
        return None if result.ok else result.describe()

    def _begin(self, branch: str, name: str, commit: str, state: str) -> None:
        with self.store.write():
            self.store.previews.begin(
                branch,
                preview=name,
                commit=commit,
                state=state,  # type: ignore[arg-type]
                now=self._clock(),
            )

    def _finish(
        self, branch: str, *, ok: bool, detail: str, url: str | None = None
    ) -> PreviewOutcome:
        if self._cancel is not None and self._cancel.is_set():
            # The engine stops: the row stays unfinished, so the next pass does it again
            # rather than counting a cut-off deploy as failed on this head.
            return self._outcome(branch, changed=True, ok=False, detail="cut off by the stop")
        with self.store.write():
            self.store.previews.finish(branch, ok=ok, detail=detail, url=url, now=self._clock())
        return self._outcome(branch, changed=True, ok=ok, detail=detail)

    def _outcome(self, branch: str, *, changed: bool, ok: bool, detail: str = "") -> PreviewOutcome:
        row = self.store.previews.get(branch)
        name = row.preview if row is not None else preview_name(branch)
        return PreviewOutcome(
            row=row,
            changed=changed,
            ok=ok,
            detail=detail or (row.detail if row is not None else ""),
            log=self._log(name),
        )

    def _log(self, name: str) -> Path:
        return self.pipeline.state_dir / "logs" / "previews" / f"{name}.log"

    def _end_cut_off(self, row: PreviewRow | None) -> None:
        """A row left unfinished means the process that held the preview's lock died
        mid-command (rule R10): end what its build, deploy or teardown left running
        (named in the preview's log) before doing it again, so two never run at once.
        Called with the lock held, so no live process is working on the preview."""
        if row is not None and row.state in UNFINISHED:
            end_leftovers([self._log(row.preview)], self.pipeline.state_dir)

    @contextlib.contextmanager
    def _held(self, name: str) -> Iterator[None]:
        """This process alone works on preview `name` (the kernel frees it on a crash)."""
        private_dir(self._folder)
        handle = private_file(self._folder / f"{name}.lock", os.O_RDWR)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)


def _current(row: PreviewRow, head: str, *, retry_failed: bool) -> bool:
    """Whether the preview needs nothing done: it ran `head` to its end (a failure
    counts only when not retried); a row a crash left unfinished is done again."""
    if row.commit != head:
        return False
    return row.state == "deployed" or (row.state == "failed" and not retry_failed)


def _url_in(path: Path) -> str | None:
    """The first line the deploy wrote into `CAPTAIN_PREVIEW_URL_FILE`, if any."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return next((line.strip() for line in text.splitlines() if line.strip()), None)
