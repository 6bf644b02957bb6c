"""Provides version detection (rule R1): a new head of a watched branch becomes the next
version, recording every commit it includes.

Heads replaced before the captain saw them are never built: each detection compares the
sources' heads now with the heads recorded last, whatever happened in between, so a
force-push or rewritten history also yields a new version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from release_captain.config.model import Pipeline
from release_captain.errors import CaptainError
from release_captain.runtime.watched_source import CommitInfo, WatchedSource
from release_captain.store import CommitRow, Store


class Detector:
    """Turns changed source heads into recorded versions."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        sources: Mapping[str, WatchedSource],
        clock: Callable[[], float],
    ) -> None:
        self._pipeline = pipeline
        self._store = store
        self._sources = sources
        self._clock = clock
        #: The last problem reported per source, so a gone repository is said once.
        self._problems: dict[str, str] = {}

    def detect(self) -> int | None:
        """Record a new version if any source's head moved; return its number."""
        heads: dict[str, str] = {}
        for source in self._pipeline.sources:
            head = self._head(source.name)
            if head is None:
                return None
            heads[source.name] = head
        recorded = self._store.versions.source_heads()
        if all(recorded.get(name) == sha for name, sha in heads.items()):
            return None
        commits: list[CommitRow] = []
        seen: dict[str, CommitInfo] = {}
        for name, sha in heads.items():
            if recorded.get(name) == sha:
                continue
            for c in self._sources[name].commits_between(recorded.get(name), sha):
                seen.setdefault(c.sha, c)
                commits.append(
                    CommitRow(
                        source=name,
                        sha=c.sha,
                        author=c.author,
                        summary=c.message.splitlines()[0] if c.message else "",
                        committed_at=c.committed_at,
                    )
                )
        primary = self._pipeline.primary.name
        # The primary's head is the newest commit just listed, unless only another
        # source moved: then it is read on its own.
        tip = seen.get(heads[primary]) or self._sources[primary].commit(heads[primary])
        return self._store.record_version(
            heads=heads,
            primary=primary,
            commits=commits,
            author=tip.author,
            message=tip.message,
            now=self._clock(),
        )

    def _head(self, name: str) -> str | None:
        """The source's head, or None (said once in the history) when it cannot be read."""
        source = (
            self._pipeline.primary
            if name == self._pipeline.primary.name
            else next(s for s in self._pipeline.sources if s.name == name)
        )
        try:
            head = self._sources[name].head()
            problem = (
                None
                if head is not None
                else f"branch '{source.branch}' of source '{name}' does not exist"
            )
        except CaptainError as error:
            head, problem = None, str(error)
        if problem is None:
            if name in self._problems:
                del self._problems[name]
                self._store.append_event(
                    "source.recovered",
                    now=self._clock(),
                    detail=f"source '{name}' is readable again",
                )
            return head
        if self._problems.get(name) != problem:
            self._problems[name] = problem
            self._store.append_event(
                "source.unavailable",
                now=self._clock(),
                detail=f"{problem}; the stages keep running what they have",
            )
        return None
