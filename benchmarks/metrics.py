"""Provides the benchmark of issue 15: `captain metrics --json` on a store holding
2,000 versions of history over 40 targets (the reference pipeline; see
`benchmarks/history.py`), cold — each call a fresh process, start-up included — with the
default window (30 days, which covers the whole generated history) and `--since 1h`
(which covers only the live tail).

One unmeasured call comes first (so the page cache holds the modules and the database).
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.common import BenchmarkError, Figure, captain_command, cold_ms, temp_folder
from benchmarks.history import copy_project, history_store
from benchmarks.pipelines import reference

NAME = "metrics"
VERSIONS = 2000
TARGET_MS = 500.0
TIMEOUT = 30.0


def run(repeat: int) -> list[Figure]:
    source = history_store(reference(), VERSIONS)
    whole: list[float] = []
    recent: list[float] = []
    with temp_folder(NAME) as tmp:
        project = tmp / "project"
        copy_project(source, project)
        metrics = [*captain_command(), "metrics", "--json"]
        out = tmp / "metrics.json"
        cold_ms(metrics, cwd=project, out=out, timeout=TIMEOUT, what="captain metrics")
        _verify(out)
        for _ in range(repeat):
            for argv, samples in ((metrics, whole), ([*metrics, "--since", "1h"], recent)):
                what = " ".join(argv[1:])
                samples.append(cold_ms(argv, cwd=project, out=out, timeout=TIMEOUT, what=what))
    return [
        Figure(
            bench=NAME,
            name=f"captain metrics --json, {VERSIONS:,} versions × 40 targets, cold",
            unit="ms",
            target=TARGET_MS,
            samples=whole,
            note="the default 30-day window holds the whole generated history",
        ),
        Figure(
            bench=NAME,
            name="captain metrics --json --since 1h (only the live tail)",
            unit="ms",
            samples=recent,
        ),
    ]


def _verify(out: Path) -> None:
    """The metrics really counted the generated history."""
    try:
        data = json.loads(out.read_text())
    except ValueError as error:
        raise BenchmarkError(f"captain metrics --json printed no JSON: {error}") from None
    passed = data["stages"][-1]["passed"]
    if passed < VERSIONS:
        raise BenchmarkError(f"captain metrics counted {passed} versions passing, not {VERSIONS}+")
