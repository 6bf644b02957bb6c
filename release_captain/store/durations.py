"""Provides what a forecast needs from the record: how long commands took (SPEC §10),
and when builds that still run began.

Medians are taken over the most recent runs only, read newest first along the steps'
ids (one index walk, whatever the history): a forecast should follow how long a step
takes now, not how long it took a thousand versions ago, and must answer at once on a
store of 2,000 versions (docs/benchmarks.md).
"""

from __future__ import annotations

import statistics

from release_captain.engine.forecast import Durations
from release_captain.store.database import Database

#: How many of the newest passed command steps the medians are taken over.
RECENT_STEPS = 5000
#: How many of the newest successful builds the build median is taken over.
RECENT_BUILDS = 30


def recorded_durations(db: Database) -> Durations:
    """Median duration per (stage, target, onebox, step name), and of a build."""
    runs: dict[tuple[str, str, bool, str], list[float]] = {}
    for stage, target, onebox, name, took in db.execute(
        "SELECT stage, target, onebox, name, finished_at - started_at FROM ("
        "SELECT * FROM steps ORDER BY id DESC LIMIT ?) "
        "WHERE state = 'passed' AND kind IN ('deploy', 'run') AND finished_at IS NOT NULL",
        (RECENT_STEPS,),
    ):
        runs.setdefault((stage, target, bool(onebox), name), []).append(max(0.0, took))
    builds = [
        max(0.0, took)
        for (took,) in db.execute(
            "SELECT build_finished_at - build_started_at FROM versions "
            "WHERE build = 'succeeded' AND build_started_at IS NOT NULL "
            "AND build_finished_at IS NOT NULL ORDER BY number DESC LIMIT ?",
            (RECENT_BUILDS,),
        )
    ]
    return Durations(
        steps={key: statistics.median(took) for key, took in runs.items()},
        build=statistics.median(builds) if builds else None,
    )


def builds_running_since(db: Database) -> dict[int, float]:
    """version -> when its build began, for builds still running."""
    return {
        int(number): float(started)
        for number, started in db.execute(
            "SELECT number, build_started_at FROM versions "
            "WHERE build = 'building' AND build_started_at IS NOT NULL"
        )
    }
