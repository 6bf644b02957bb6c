"""Provides benchmark 3 of issue 7, CLI latency: `captain status --json` on a store
holding 2,000 versions of history over 40 targets (the reference pipeline; see
`benchmarks/history.py`), cold — each call a fresh process, start-up included — and
`captain --help`.

One unmeasured call of each comes first (so the page cache holds the modules and the
database); `python -c pass` is shown as the floor any Python command pays.
"""

from __future__ import annotations

import json
import sys

from benchmarks.common import BenchmarkError, Figure, captain_command, check, temp_folder, timed_run
from benchmarks.history import copy_project, history_store
from benchmarks.pipelines import reference

NAME = "cli_latency"
VERSIONS = 2000
TARGET_STATUS_MS = 300.0
TARGET_HELP_MS = 150.0
TIMEOUT = 30.0


def run(repeat: int) -> list[Figure]:
    source = history_store(reference(), VERSIONS)
    status_ms: list[float] = []
    help_ms: list[float] = []
    floor_ms: list[float] = []
    with temp_folder(NAME) as tmp:
        project = tmp / "project"
        copy_project(source, project)
        status = [*captain_command(), "status", "--json"]
        helps = [*captain_command(), "--help"]
        floor = [sys.executable, "-c", "pass"]
        out = tmp / "status.json"
        for argv in (helps, floor, status):
            check(timed_run(argv, cwd=project, timeout=TIMEOUT, stdout=out), " ".join(argv[-2:]))
        _verify(out)
        for _ in range(repeat):
            timed = timed_run(status, cwd=project, timeout=TIMEOUT, stdout=out)
            check(timed, "captain status --json", out)
            status_ms.append(timed.seconds * 1000)
            timed = timed_run(helps, cwd=project, timeout=TIMEOUT)
            check(timed, "captain --help")
            help_ms.append(timed.seconds * 1000)
            timed = timed_run(floor, cwd=project, timeout=TIMEOUT)
            floor_ms.append(timed.seconds * 1000)
        _verify(out)
    return [
        Figure(
            bench=NAME,
            name=f"captain status --json, {VERSIONS:,} versions × 40 targets, cold",
            unit="ms",
            target=TARGET_STATUS_MS,
            samples=status_ms,
            note="a fresh process per call, start-up included",
        ),
        Figure(
            bench=NAME, name="captain --help", unit="ms", target=TARGET_HELP_MS, samples=help_ms
        ),
        Figure(
            bench=NAME, name="↳ python -c pass (interpreter floor)", unit="ms", samples=floor_ms
        ),
    ]


def _verify(out) -> None:
    """The status really read the generated history."""
    try:
        data = json.loads(out.read_text())
    except ValueError as error:
        raise BenchmarkError(f"captain status --json printed no JSON: {error}") from None
    if data.get("latest_version") != f"v{VERSIONS + 2}":
        raise BenchmarkError(f"unexpected status: latest_version {data.get('latest_version')}")
