"""The demo's summary sets the forecast taken at each version's build beside when the
version passed the last stage (issue 15, item 2)."""

from __future__ import annotations

import time

import pytest

from release_captain.demo import foresight
from release_captain.engine.forecast import StageForecast
from release_captain.service import ForecastView, VersionRow
from release_captain.store.views import StageMark

NOON = 1_790_000_000.0


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def row(**marks: StageMark) -> VersionRow:
    return VersionRow(
        number=2,
        commit="b" * 40,
        author="Ada",
        message="m",
        build="succeeded",
        build_detail="",
        created_at=NOON,
        stages={k: m.state for k, m in marks.items()},
        marks=marks,
    )


def view(pass_at: float | None) -> ForecastView:
    state = "forecast" if pass_at is not None else "never"
    prod = StageForecast(name="prod", state=state, enter_at=None, pass_at=pass_at)
    return ForecastView(version=2, now=NOON, stages=(prod,))


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_a_passed_version_shows_forecast_actual_and_how_far_off() -> None:
    passed = StageMark(state="passed", entered_at=NOON, finished_at=NOON + 130, reason="")
    said = foresight(view(NOON + 100), row(prod=passed), "prod")
    assert said == (clock(NOON + 100), clock(NOON + 130), "30s late")
    early = foresight(view(NOON + 400), row(prod=passed), "prod")
    assert early == (clock(NOON + 400), clock(NOON + 130), "4m early")


def test_a_version_that_never_got_there_says_what_became_of_it() -> None:
    assert foresight(view(NOON + 100), row(), "prod") == (clock(NOON + 100), "not reached", "")
    rejected = StageMark(state="rejected", entered_at=NOON, finished_at=NOON + 5, reason="x")
    assert foresight(view(None), row(prod=rejected), "prod") == ("never", "rejected", "")
