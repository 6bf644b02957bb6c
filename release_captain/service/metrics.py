"""Provides `captain metrics` (SPEC §10): per stage and for delivery, figures computed
from the recorded history within a window `[since, until]` (until is now), for the CLI
and the TUI alike.

Each figure, exactly (the rows come from `store.metrics`, which says what the store
records):

- `deployments`: versions that entered the stage within the window (the stage took
  them). A version superseded before entering never entered: it counts nowhere.
- `passed` / `rejected`: versions that passed / were rejected in the stage within the
  window. A rejection counts whether or not the version had entered (a person may
  reject a version ahead of the stage).
- `rolled_back`: targets of the stage rolled back, automatically (R7) or by a person
  (R8), whose rollback started within the window; one per target and version rolled
  back from, whatever its outcome and however many attempts it took.
- `change_failure_rate`: of the versions that entered within the window, the share
  rejected there since; null when none entered.
- `median_time_in_stage_s`: over the versions that passed within the window, the
  median time from entering the stage to passing it.
- `median_waiting_for_person_s`: over the waits a person ended within the window, the
  median time waited: for a manual gate (or a blocker a person overrode), from when the
  stage could take the version (it passed the previous stage; was built, for the first
  stage) to the entry approval, zero when approved ahead; for a `manual` sign-off,
  from when the first target began it to the approval.
- Delivery, at the last stage of the pipeline: `deployment_frequency_per_day`, the
  versions that passed it within the window per day of the window (null for an empty
  window); `lead_time_s`, from the primary commit's committer time to the version
  passing it; `time_to_restore_s`, from a target of it failing to its rollback
  succeeding (a target a person rolled back without it failing has no failure time,
  so it is not counted). Each is `{"median", "p90"}` over the versions or targets
  that passed / were restored within the window, null when there are none; p90 is the
  nearest-rank percentile.

For charts (the TUI's metrics screen), not in the JSON of SPEC §10: each stage's
`deployments_per_day`, the versions that entered it on each day of the window, oldest
first, where a day is 24 hours counted back from the window's end (the last one ends
now; the first may be cut short by `since`), so they add up to `deployments`; and the
delivery's `lead_times_s`, the lead time of each version that passed the last stage, in
the order they passed it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from msgspec import Struct

from release_captain.config.durations import parse_duration
from release_captain.config.model import Pipeline
from release_captain.errors import UsageError
from release_captain.store import Store
from release_captain.store.metrics import MetricRows
from release_captain.wording import iso

#: The window `captain metrics` looks at unless told otherwise.
DEFAULT_SINCE = "30d"
_DAY = 86400.0


class Spread(Struct, frozen=True, kw_only=True):
    """The median and 90th percentile of some durations, in seconds (None: none)."""

    median: float | None = None
    p90: float | None = None
    #: How many durations they were computed over.
    count: int = 0

    def to_json(self) -> dict[str, float | None]:
        return {"median": _seconds(self.median), "p90": _seconds(self.p90)}


class StageMetrics(Struct, frozen=True, kw_only=True):
    """One stage's figures over the window."""

    name: str
    deployments: int
    passed: int
    rejected: int
    rolled_back: int
    change_failure_rate: float | None
    median_time_in_stage_s: float | None
    median_waiting_for_person_s: float | None
    #: Versions that entered on each day of the window, oldest first (not in the JSON).
    deployments_per_day: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        rate = self.change_failure_rate
        return {
            "name": self.name,
            "deployments": self.deployments,
            "passed": self.passed,
            "rejected": self.rejected,
            "rolled_back": self.rolled_back,
            "change_failure_rate": None if rate is None else round(rate, 4),
            "median_time_in_stage_s": _seconds(self.median_time_in_stage_s),
            "median_waiting_for_person_s": _seconds(self.median_waiting_for_person_s),
        }


class DeliveryMetrics(Struct, frozen=True, kw_only=True):
    """The delivery figures, measured at the last stage of the pipeline."""

    stage: str
    deployment_frequency_per_day: float | None
    lead_time_s: Spread
    time_to_restore_s: Spread
    #: Each version's lead time, in the order they passed (not in the JSON).
    lead_times_s: tuple[float, ...] = ()

    def to_json(self) -> dict[str, object]:
        frequency = self.deployment_frequency_per_day
        return {
            "stage": self.stage,
            "deployment_frequency_per_day": None if frequency is None else round(frequency, 4),
            "lead_time_s": self.lead_time_s.to_json(),
            "time_to_restore_s": self.time_to_restore_s.to_json(),
        }


class MetricsView(Struct, frozen=True, kw_only=True):
    """`captain metrics`: the window, each stage in pipeline order, and delivery."""

    since: float
    until: float
    stages: tuple[StageMetrics, ...]
    delivery: DeliveryMetrics

    def to_json(self) -> dict[str, object]:
        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "stages": [stage.to_json() for stage in self.stages],
            "delivery": self.delivery.to_json(),
        }


def window_length(since: str | None) -> float:
    """Seconds of `--since` (default `DEFAULT_SINCE`); a bad one is a usage error."""
    try:
        return parse_duration(DEFAULT_SINCE if since is None else since)
    except ValueError as error:
        raise UsageError(f"--since: {error}") from None


def metrics_of(pipeline: Pipeline, store: Store, *, since: str | None, now: float) -> MetricsView:
    """The figures of SPEC §10 over the window that ends `now`."""
    start = now - window_length(since)
    names = [stage.name for stage in pipeline.stages]
    rows = store.metrics.rows(
        since=start, until=now, stages=names, last=names[-1], primary=pipeline.sources[0].name
    )
    return MetricsView(
        since=start,
        until=now,
        stages=tuple(_stage(rows, name, start) for name in names),
        delivery=_delivery(rows, names[-1], now - start),
    )


def _stage(rows: MetricRows, name: str, since: float) -> StageMetrics:
    mine = [r for r in rows.records if r.stage == name]
    entered = {r.version: r for r in mine if r.event == "entered"}
    passed = {r.version: r for r in mine if r.event == "passed"}
    rejected = {r.version for r in mine if r.event == "rejected"}
    failed = sum(1 for r in entered.values() if r.state == "rejected")
    return StageMetrics(
        name=name,
        deployments=len(entered),
        passed=len(passed),
        rejected=len(rejected),
        rolled_back=rows.rollbacks.get(name, 0),
        change_failure_rate=failed / len(entered) if entered else None,
        median_time_in_stage_s=_median(
            r.at - r.entered_at for r in passed.values() if r.entered_at is not None
        ),
        median_waiting_for_person_s=_median(
            max(0.0, w.granted_at - w.since)
            for w in rows.waits
            if w.stage == name and w.since is not None
        ),
        deployments_per_day=per_day((r.at for r in entered.values()), since, rows.until),
    )


def _delivery(rows: MetricRows, last: str, length: float) -> DeliveryMetrics:
    passed = len(rows.lead_times)
    ordered = sorted(rows.lead_times, key=lambda t: (t.passed_at, t.version))
    lead_times = tuple(
        max(0.0, t.passed_at - t.committed_at) for t in ordered if t.committed_at is not None
    )
    return DeliveryMetrics(
        stage=last,
        deployment_frequency_per_day=passed / (length / _DAY) if length > 0 else None,
        lead_time_s=spread(lead_times),
        time_to_restore_s=spread(max(0.0, r.restored_at - r.failed_at) for r in rows.restores),
        lead_times_s=lead_times,
    )


def per_day(moments: Iterable[float], since: float, until: float) -> tuple[int, ...]:
    """How many of `moments` fell on each day of `[since, until]`, oldest first: days of
    24 hours counted back from `until`, so the newest is the last 24 hours whatever the
    length of the window."""
    days = max(1, math.ceil((until - since) / _DAY))
    counts = [0] * days
    for at in moments:
        counts[max(0, days - 1 - int((until - at) // _DAY))] += 1
    return tuple(counts)


def spread(durations: Iterable[float]) -> Spread:
    """Median and nearest-rank 90th percentile of `durations`."""
    ordered = sorted(durations)
    if not ordered:
        return Spread()
    return Spread(
        median=statistics.median(ordered),
        p90=ordered[math.ceil(0.9 * len(ordered)) - 1],
        count=len(ordered),
    )


def _median(durations: Iterable[float]) -> float | None:
    return spread(durations).median


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
