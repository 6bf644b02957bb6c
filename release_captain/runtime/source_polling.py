"""Provides `SourcePoller`: when the loop looks at the sources (rule R1) — on a watched
ref's change, every `poll` interval, and after a URL source's fetch — and the fetches
themselves, on a pool thread so a slow remote never holds a pass."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping

from release_captain.config.model import Pipeline
from release_captain.errors import CaptainError
from release_captain.runtime.detection import Detector
from release_captain.runtime.watched_source import WatchedSource
from release_captain.store import Store


class SourcePoller:
    """Decides when to read the sources' heads, and reads them."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        sources: Mapping[str, WatchedSource],
        clock: Callable[[], float],
        *,
        submit: Callable[[Callable[[], None]], None],
        fetched: Callable[[], None],
    ) -> None:
        self._pipeline = pipeline
        self._sources = sources
        self._clock = clock
        self._submit = submit
        self._fetched = fetched
        self._detector = Detector(pipeline, store, sources, clock)
        self._dirty = True
        self._next_poll = 0.0
        #: True while a fetch of the URL sources runs.
        self.fetching = False

    @property
    def next_poll(self) -> float:
        """When the sources are due to be looked at again."""
        return self._next_poll

    def changed(self) -> None:
        """A source head may have moved: look on the next pass."""
        self._dirty = True

    def poll(self) -> None:
        """Look at the sources when due or told to, starting a fetch when due."""
        now = self._clock()
        if now >= self._next_poll:
            self._dirty = True
            self._next_poll = now + min(s.poll for s in self._pipeline.sources)
            self._fetch_urls()
        if self._dirty:
            self._dirty = False
            self._detector.detect()

    def detect_now(self) -> bool:
        """Look at the sources at once: True when a new version was recorded."""
        return self._detector.detect() is not None

    def _fetch_urls(self) -> None:
        urls = [s for s in self._pipeline.sources if s.is_url]
        if not urls or self.fetching:
            return
        self.fetching = True

        def fetch() -> None:
            for source in urls:
                # the detector reports an unreadable source when it reads the heads
                with contextlib.suppress(CaptainError):
                    self._sources[source.name].fetch()
            self.fetching = False
            self._fetched()

        self._submit(fetch)
