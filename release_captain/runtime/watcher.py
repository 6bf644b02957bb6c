"""Provides instant detection of new heads in local sources (rule R1): a file watch on
the refs, so a commit wakes the loop at once instead of at its next poll.

Only ref changes count: files under `refs/heads` and `packed-refs`. The churn of
`objects/`, `logs/`, the index and lock files is never seen (the git folder is watched
without its subfolders), so a `git add` wakes no one. Watching is a convenience: the
loop still reads heads on its own, so a change missed here is only late, never lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

#: Milliseconds changes are grouped over before `on_change` is called.
_DEBOUNCE_MS = 20
#: Seconds `start` waits for the watches to be in place.
_READY_TIMEOUT = 2.0


class RefWatcher:
    """Calls `on_change()` from a daemon thread whenever a watched ref changes.

    A git folder (one holding `HEAD` and `objects/`) is watched on its own level only,
    for `packed-refs`; any other folder (`refs/heads`) is watched with its subfolders,
    for branch names such as `feature/x`. Paths that do not exist are skipped.
    """

    def __init__(self, paths: Sequence[Path], on_change: Callable[[], None]) -> None:
        self._paths = tuple(paths)
        self._on_change = on_change
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start watching; returns once the watches are in place. A watcher that was
        stopped (even before it started) does not start."""
        existing = [p for p in dict.fromkeys(self._paths) if p.exists()]
        flat = [p for p in existing if _is_git_dir(p)]
        deep = [p for p in existing if not _is_git_dir(p)]
        for paths, recursive in ((deep, True), (flat, False)):
            if not paths or self._stop.is_set():
                continue
            ready = threading.Event()
            thread = threading.Thread(
                target=self._watch,
                args=(paths, recursive, ready),
                name=f"captain-watch-{'refs' if recursive else 'gitdir'}",
                daemon=True,
            )
            thread.start()
            ready.wait(_READY_TIMEOUT)
            self._threads.append(thread)

    def stop(self, *, wait: bool = True) -> None:
        """Stop watching; with `wait`, also wait (briefly) for the threads to end.

        Without it the daemon threads end on their own within one debounce step; a
        change they see meanwhile still calls `on_change`.
        """
        self._stop.set()
        if wait:
            for thread in self._threads:
                thread.join(timeout=2.0)
        self._threads.clear()

    def _watch(self, paths: list[Path], recursive: bool, ready: threading.Event) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=_is_ref if recursive else _is_packed_refs,
                debounce=_DEBOUNCE_MS,
                step=_DEBOUNCE_MS,
                stop_event=_ReadyStop(self._stop, ready),
                recursive=recursive,
                raise_interrupt=False,
                ignore_permission_denied=True,
            ):
                if changes:
                    try:
                        self._on_change()
                    except Exception:  # a failing callback must not end the watch
                        logger.exception("ref watcher callback failed")
        except Exception:  # a watched folder removed, too many watches: polling still works
            logger.warning("watching %s stopped", ", ".join(map(str, paths)), exc_info=True)
        finally:
            ready.set()


class _ReadyStop:
    """The stop event handed to watchfiles; its first poll means the watches are set up."""

    def __init__(self, stop: threading.Event, ready: threading.Event) -> None:
        self._stop = stop
        self._ready = ready

    def is_set(self) -> bool:
        self._ready.set()
        return self._stop.is_set()


def _is_ref(_change: object, path: str) -> bool:
    """In a refs folder every file is a ref, save git's lock files."""
    return not path.endswith(".lock")


def _is_packed_refs(_change: object, path: str) -> bool:
    """In a git folder only `packed-refs` holds refs (HEAD, index and the rest do not)."""
    return Path(path).name == "packed-refs"


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()
