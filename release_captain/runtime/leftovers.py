"""Provides ending what a crash left running (rule R10): before a command cut off by a
crash runs again, what is left of its old process group is ended — SIGTERM, a grace,
SIGKILL — and the captain waits until the group is empty, so two commands never run at
once on the same target.

Each command's shell writes its process group to the step's log before the command
runs (`runtime.shell.ANNOUNCE_GROUP`). A group is ended only while one of its processes
still carries this state directory in `CAPTAIN_STATE_DIR`: a process id reused since by
something else is left alone, and so is a service a deploy started in a session of its
own (it is in another group).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterable
from pathlib import Path

from release_captain.runtime.reaper import live_group_members

_GROUP_LINE = re.compile(rb"^# process group (\d+)$", re.MULTILINE)
#: How often a group being ended is looked at.
_POLL = 0.02


def groups_in(log: Path) -> set[int]:
    """The process groups a step's log says its commands ran in."""
    try:
        text = log.read_bytes()
    except OSError:
        return set()
    return {int(m.group(1)) for m in _GROUP_LINE.finditer(text)}


def end_leftovers(
    logs: Iterable[Path], state_dir: Path, *, grace: float = 2.0, patience: float = 30.0
) -> set[int]:
    """End every group the logs name that still runs for this state directory; return
    those that had to be ended. Waits until they are empty (or `patience` runs out: a
    process stuck in the kernel cannot be waited for forever)."""
    mark = f"CAPTAIN_STATE_DIR={state_dir.absolute()}".encode()
    groups = {g for log in logs for g in groups_in(log) if g != os.getpgrp()}
    ours = _ours(groups, mark)
    if not ours:
        return set()
    for group in ours:
        _signal(group, signal.SIGTERM)
    if not _wait_empty(ours, mark, grace):
        for group in ours:
            _signal(group, signal.SIGKILL)
        _wait_empty(ours, mark, patience)
    return ours


def _wait_empty(groups: set[int], mark: bytes, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _ours(groups, mark):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


def _ours(groups: set[int], mark: bytes) -> set[int]:
    """Those of `groups` with a live process that runs for this state directory, from
    one scan of /proc."""
    members = live_group_members() or {}
    return {g for g in groups if any(_carries(pid, mark) for pid in members.get(g, ()))}


def _carries(pid: int, mark: bytes) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return mark in environ.split(b"\0")


def _signal(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)
