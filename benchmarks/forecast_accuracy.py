"""Provides the accuracy benchmark of issue 15: how far the forecast taken when each
version was built fell from what then happened, per stage.

It plays the demo's story (`release_captain.demo`: four versions, one rejected in
production, on real processes) `repeat` times, each in a fresh folder at `--speed 10`.
The demo takes each version's forecast as soon as its build succeeds; afterwards each
stage's forecast enter and pass times are set against the recorded ones. Nothing is
replayed: the forecast under test is the product's own, over the state and the
recorded medians it had at that moment, and the outcome is a real run — so no
per-version durations are needed.

v1 is reported apart: at its build nothing was recorded, so every command is forecast at
its fallback (a tenth of its timeout, at most 10 minutes); v2–v4 are forecast from the
medians of that run's earlier steps. A stage the version never passed (v3 is rejected
in prod-wave-2, by design outside "if nothing goes wrong") is counted, not measured.
Figures are for context (no target): a later change shows it improved the forecast.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from benchmarks.common import BenchmarkError, Figure, temp_folder
from release_captain.demo import Demo, prepare
from release_captain.errors import CaptainError
from release_captain.service import Captain, ForecastView, VersionRow

NAME = "forecast_accuracy"
PROJECT = Path(__file__).resolve().parent.parent
SPEED = 10.0
#: (stage, "enter" | "pass", "first" | "later") -> absolute errors in seconds.
Errors = dict[tuple[str, str, str], list[float]]


def run(repeat: int) -> list[Figure]:
    errors: Errors = {}
    missed: dict[str, int] = {}
    stages: list[str] = []
    for turn in range(max(1, repeat)):
        forecasts, rows, stages = _play(turn)
        for row in rows:
            view = forecasts.get(row.number)
            if view is None:
                raise BenchmarkError(f"the demo took no forecast of v{row.number}")
            _compare(view, row, errors, missed)
    return _figures(stages, errors, missed)


def _play(turn: int) -> tuple[dict[int, ForecastView], list[VersionRow], list[str]]:
    """One demo run in a fresh folder: its build-time forecasts and the versions."""
    with temp_folder(f"{NAME}-{turn}") as tmp:
        shutil.copy(PROJECT / "pipeline.toml", tmp / "pipeline.toml")
        shutil.copytree(
            PROJECT / "sample-repo",
            tmp / "sample-repo",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        pipeline = prepare(tmp / "pipeline.toml", speed=SPEED)
        story = Demo(pipeline, say=lambda text: None, approve=True, timeout=300)
        try:
            story.play()
        except CaptainError as error:
            raise BenchmarkError(f"the demo did not finish: {error}") from None
        captain = Captain(pipeline)
        try:
            return story.forecasts, captain.versions(), [s.name for s in pipeline.stages]
        finally:
            captain.close()


def _compare(view: ForecastView, row: VersionRow, errors: Errors, missed: dict[str, int]) -> None:
    """Each stage's forecast enter and pass times against the recorded ones."""
    group = "first" if row.number == 1 else "later"
    for said in view.stages:
        mark = row.marks.get(said.name)
        happened = {
            "enter": mark.entered_at if mark is not None else None,
            "pass": mark.finished_at if mark is not None and mark.state == "passed" else None,
        }
        expected = {"enter": said.enter_at, "pass": said.pass_at}
        for moment in ("enter", "pass"):
            got, want = happened[moment], expected[moment]
            if got is not None and want is not None:
                errors.setdefault((said.name, moment, group), []).append(abs(got - want))
            elif moment == "pass" and want is not None:
                missed[said.name] = missed.get(said.name, 0) + 1


def p90(values: list[float]) -> float:
    """The 90th percentile (inclusive method: a small sample's largest values count)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _figures(stages: list[str], errors: Errors, missed: dict[str, int]) -> list[Figure]:
    figures = []
    for group, who in (("later", "v2–v4"), ("first", "v1, nothing recorded yet")):
        for stage in stages:
            passed = errors.get((stage, "pass", group), [])
            entered = errors.get((stage, "enter", group), [])
            if not passed:
                continue
            note = (
                f"pass |error| p90 {p90(passed):.1f} s, n={len(passed)}; "
                f"enter |error| median {statistics.median(entered):.1f} s, "
                f"p90 {p90(entered):.1f} s"
                if entered
                else f"pass |error| p90 {p90(passed):.1f} s, n={len(passed)}"
            )
            if group == "later" and missed.get(stage):
                note += f"; forecast to pass but did not: {missed[stage]}"
            figures.append(
                Figure(
                    bench=NAME,
                    name=f"{who}: |forecast − actual| pass time, {stage}",
                    unit="s",
                    samples=passed,
                    note=note,
                )
            )
    return figures
