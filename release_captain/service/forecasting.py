"""Provides `forecast_of`: SPEC §10's answer to "if I merge now, when does it reach
production?" for one version, as the read model the CLI, `status` and the demo show.

Everything is read in one go (the state, the recorded durations, running builds) and
handed to the pure `engine.forecast`; nothing is written.
"""

from __future__ import annotations

from msgspec import Struct

from release_captain.config.model import Pipeline
from release_captain.engine.forecast import Simulation, StageForecast, forecast
from release_captain.errors import StateConflict
from release_captain.service.reading import resolve_version
from release_captain.store import Store
from release_captain.store.durations import builds_running_since, recorded_durations
from release_captain.wording import iso, version_name


class ForecastView(Struct, frozen=True, kw_only=True):
    """A version's forecast, taken at `now`."""

    version: int
    now: float
    #: Per stage: `passed`, `in-flight`, `forecast`, `rejected` or `never`, when it
    #: enters and passes (unix seconds), and what it waits for on the way.
    stages: tuple[StageForecast, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "version": version_name(self.version),
            "now": iso(self.now),
            "stages": [_stage_json(s) for s in self.stages],
        }

    @property
    def last(self) -> StageForecast | None:
        """The last stage of the pipeline: when the version reaches production."""
        return self.stages[-1] if self.stages else None


def forecast_of(pipeline: Pipeline, store: Store, version: str | None, now: float) -> ForecastView:
    """The forecast of `version` (`v12`, `12`, a commit prefix; default the newest)."""
    if version is None:
        number = store.views.latest_version()
        if number is None:
            raise StateConflict("there is no version yet: nothing to forecast")
    else:
        number = resolve_version(store, version)
    state = store.load_state(pipeline, named=[number])
    sim = Simulation(
        pipeline=pipeline,
        durations=recorded_durations(store.db),
        building_since=builds_running_since(store.db),
    )
    return ForecastView(version=number, now=now, stages=forecast(sim, state, number, now))


def _stage_json(stage: StageForecast) -> dict[str, object]:
    """One stage as SPEC §10 prints it: times in ISO 8601 UTC or null."""
    return {
        "name": stage.name,
        "state": stage.state,
        "enter_at": None if stage.enter_at is None else iso(stage.enter_at),
        "pass_at": None if stage.pass_at is None else iso(stage.pass_at),
        "waits_for": list(stage.waits_for),
    }
