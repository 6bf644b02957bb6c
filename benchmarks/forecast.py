"""Provides the benchmark of issue 15: `captain forecast --json` on the store of
`cli_latency` (2,000 versions of history over 40 targets, the reference pipeline), cold
— each call a fresh process, start-up included. Target: under 300 ms."""

from __future__ import annotations

import json

from benchmarks.common import BenchmarkError, Figure, captain_command, cold_ms, temp_folder
from benchmarks.history import copy_project, history_store
from benchmarks.pipelines import reference

NAME = "forecast"
VERSIONS = 2000
TARGET_MS = 300.0
TIMEOUT = 30.0


def run(repeat: int) -> list[Figure]:
    source = history_store(reference(), VERSIONS)
    with temp_folder(NAME) as tmp:
        project = tmp / "project"
        copy_project(source, project)
        argv = [*captain_command(), "forecast", "--json"]
        out = tmp / "forecast.json"
        what = "captain forecast --json"
        cold_ms(argv, cwd=project, out=out, timeout=TIMEOUT, what=what)
        _verify(out)
        samples = [
            cold_ms(argv, cwd=project, out=out, timeout=TIMEOUT, what=what) for _ in range(repeat)
        ]
    return [
        Figure(
            bench=NAME,
            name=f"captain forecast --json, {VERSIONS:,} versions × 40 targets, cold",
            unit="ms",
            target=TARGET_MS,
            samples=samples,
            note="a fresh process per call, start-up included",
        )
    ]


def _verify(out) -> None:
    """The forecast read the generated history and answered for every stage."""
    try:
        data = json.loads(out.read_text())
    except ValueError as error:
        raise BenchmarkError(f"captain forecast --json printed no JSON: {error}") from None
    if data.get("version") != f"v{VERSIONS + 2}" or not data.get("stages"):
        raise BenchmarkError(f"unexpected forecast: {str(data)[:200]}")
