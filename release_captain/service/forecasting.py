"""Provides `forecast_of`: SPEC §10's answer to "if I merge now, when does it reach
production?" for one version, as the read model the CLI, `status` and the demo show;
`forecasts_of` for several versions at once (the TUI's journey), and `outlook_of`, the
one line of it `status` prints.

Everything is read in one go (the state, the recorded durations, running builds) and
handed to the pure `engine.forecast`; nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Struct
from msgspec.structs import replace

from release_captain.config.model import Pipeline
from release_captain.engine.forecast import Simulation, StageForecast, forecast
from release_captain.errors import StateConflict
from release_captain.service.reading import resolve_version
from release_captain.service.shapes import OutlookView, StatusView
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

    def stage(self, name: str) -> StageForecast | None:
        """The forecast of the stage called `name`."""
        return next((s for s in self.stages if s.name == name), None)


def forecast_of(pipeline: Pipeline, store: Store, version: str | None, now: float) -> ForecastView:
    """The forecast of `version` (`v12`, `12`, a commit prefix; default the newest)."""
    if version is None:
        number = store.views.latest_version()
        if number is None:
            raise StateConflict("there is no version yet: nothing to forecast")
    else:
        number = resolve_version(store, version)
    return forecasts_of(pipeline, store, [number], now)[number]


def forecasts_of(
    pipeline: Pipeline, store: Store, numbers: Sequence[int], now: float
) -> dict[int, ForecastView]:
    """The forecasts of several versions, over one read of the state and the durations."""
    if not numbers:
        return {}
    state = store.load_state(pipeline, named=list(numbers))
    sim = Simulation(
        pipeline=pipeline,
        durations=recorded_durations(store.db),
        building_since=builds_running_since(store.db),
    )
    return {
        n: ForecastView(version=n, now=now, stages=forecast(sim, state, n, now)) for n in numbers
    }


def outlook_of(view: ForecastView) -> OutlookView | None:
    """The forecast cut to what `status` says: when the version passes the last stage,
    what it waits for on the way, or why it will not get there."""
    last = view.last
    if last is None:
        return None
    ahead = [s for s in view.stages if s.state not in ("passed", "rejected")]
    rejected = next((s.name for s in view.stages if s.state == "rejected"), None)
    return OutlookView(
        version=view.version,
        stage=last.name,
        state=last.state,
        pass_at=last.pass_at,
        waits_for=tuple((s.name, why) for s in ahead for why in s.waits_for),
        why_not="" if rejected is None else f"rejected in {rejected}",
        now=view.now,
    )


def with_outlook(pipeline: Pipeline, store: Store, status: StatusView, now: float) -> StatusView:
    """`status` with the newest version's outlook, when there is a version."""
    if status.latest_version is None:
        return status
    view = forecasts_of(pipeline, store, [status.latest_version], now)[status.latest_version]
    return replace(status, forecast=outlook_of(view))


def _stage_json(stage: StageForecast) -> dict[str, object]:
    """One stage as SPEC §10 prints it: times in ISO 8601 UTC or null."""
    return {
        "name": stage.name,
        "state": stage.state,
        "enter_at": None if stage.enter_at is None else iso(stage.enter_at),
        "pass_at": None if stage.pass_at is None else iso(stage.pass_at),
        "waits_for": list(stage.waits_for),
    }
