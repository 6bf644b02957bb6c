"""SPEC §10's `captain metrics` through the service, over a history made on a fake
clock, so every figure is exact: each test names one figure and the events it counts
(see `service.metrics` for the definitions)."""

from __future__ import annotations

from typing import Any

import pytest

from release_captain.errors import UsageError
from release_captain.service.metrics import per_day
from release_captain.testing import Call
from tests.service.conftest import MakeService
from tests.service.kit import Service

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "qa", manual = true }]

[[stages]]
name = "prod"
promotion = "manual"
targets = ["a", "b"]
approvals = [{ name = "check", run = "check" }]
"""

#: The fake clock's start: every time below is an offset from it.
T0 = 1_790_000_000.0


def _check(call: Call) -> int:
    """v2's check fails on prod/a; everything else passes."""
    return int(call.env["CAPTAIN_VERSION"] == "v2" and call.env["CAPTAIN_TARGET"] == "a")


@pytest.fixture
def history(make_service: MakeService) -> Service:
    """A history whose times are known (offsets from T0):

    - v1 (committed T0-1000): beta enters 0, signed off 30 and passes 30; prod entry
      approved 120 (waited 90), enters and passes 120.
    - v2 (committed T0+100): beta enters 120, signed off 180 (waited 60), passes 180;
      prod entry approved 200 (waited 20), enters 200; prod/a fails 200 and its
      rollback to v1 takes 45 s (restored 245), after which v2 is rejected in prod.
    - v3 and v4: beta takes v3 at 300, signed off 400 (waited 100), passes 400; v4
      enters beta 400, signed off 410 (waited 10), passes 410; prod is approved for v4
      at 500 (waited 90) and takes it, so v3 is superseded in prod, never entering;
      v4 passes prod 500.
    - a person rolls prod/b back (from v4) at 600, which rejects v4 in prod.
    """
    service = make_service(STAGES, {"check": _check})
    clock = service.h.clock

    def deploy(call: Call) -> int:
        if call.env["CAPTAIN_ACTION"] == "rollback" and call.env["CAPTAIN_TARGET"] == "a":
            clock.advance(45)
        return 0

    service.h.runner.script["deploy"] = deploy

    def at(offset: float) -> None:
        clock.now = T0 + offset
        service.settle()

    def approve(stage: str) -> None:
        service.captain.approve(stage)
        service.settle()

    def commit(sha: str, committed: float) -> None:
        service.h.sources["app"].commit_to(sha, committed_at=T0 + committed)
        service.h.announce_commit()
        service.settle()

    commit("aaaa01", -1000)
    at(30)
    approve("beta")
    at(120)
    approve("prod")
    commit("bbbb02", 100)
    at(180)
    approve("beta")
    at(200)
    approve("prod")
    at(300)
    commit("cccc03", 250)
    at(400)
    approve("beta")
    commit("dddd04", 390)
    at(410)
    approve("beta")
    at(500)
    approve("prod")
    at(600)
    service.captain.rollback(["prod/b"], reason="latency")
    at(700)
    return service


def figures(service: Service, since: str | None = None) -> dict[str, Any]:
    doc: Any = service.captain.metrics(since=since).to_json()
    return {"delivery": doc["delivery"], **{s["name"]: s for s in doc["stages"]}, "doc": doc}


def test_the_history_is_the_one_the_figures_are_read_from(history: Service) -> None:
    states = {n: history.stage_states(n) for n in (1, 2, 3, 4)}
    assert states == {
        1: {"beta": "passed", "prod": "passed"},
        2: {"beta": "passed", "prod": "rejected"},
        3: {"beta": "passed", "prod": "superseded"},
        4: {"beta": "passed", "prod": "rejected"},
    }


def test_the_json_has_the_shape_of_spec_10(history: Service) -> None:
    doc = figures(history)["doc"]
    assert set(doc) == {"since", "until", "stages", "delivery"}
    assert (doc["since"], doc["until"]) == ("2026-08-22T14:25:00.000Z", "2026-09-21T14:25:00.000Z")
    assert [s["name"] for s in doc["stages"]] == ["beta", "prod"]
    for stage in doc["stages"]:
        assert set(stage) == {
            "name",
            "deployments",
            "passed",
            "rejected",
            "rolled_back",
            "change_failure_rate",
            "median_time_in_stage_s",
            "median_waiting_for_person_s",
        }
    assert set(doc["delivery"]) == {
        "stage",
        "deployment_frequency_per_day",
        "lead_time_s",
        "time_to_restore_s",
    }
    assert set(doc["delivery"]["lead_time_s"]) == {"median", "p90"}


def test_deployments_count_the_versions_that_entered_not_the_superseded(
    history: Service,
) -> None:
    got = figures(history)
    assert (got["beta"]["deployments"], got["prod"]["deployments"]) == (4, 3)


def test_passed_and_rejected_count_what_settled_in_the_stage(history: Service) -> None:
    got = figures(history)
    assert (got["beta"]["passed"], got["beta"]["rejected"]) == (4, 0)
    # v4 passed prod, then a person's rollback rejected it there (rule R8).
    assert (got["prod"]["passed"], got["prod"]["rejected"]) == (2, 2)


def test_rolled_back_counts_automatic_and_manual_rollbacks_of_targets(history: Service) -> None:
    got = figures(history)
    assert (got["beta"]["rolled_back"], got["prod"]["rolled_back"]) == (0, 2)


def test_change_failure_rate_is_rejected_over_entered(history: Service) -> None:
    got = figures(history)
    assert got["beta"]["change_failure_rate"] == 0.0
    assert got["prod"]["change_failure_rate"] == pytest.approx(2 / 3, abs=1e-4)


def test_median_time_in_stage_is_entered_to_passed(history: Service) -> None:
    got = figures(history)
    # beta: v1 30, v2 60, v3 100, v4 10 -> median 45; prod: v1 0, v4 0.
    assert got["beta"]["median_time_in_stage_s"] == 45.0
    assert got["prod"]["median_time_in_stage_s"] == 0.0


def test_waiting_for_a_person_covers_sign_offs_and_manual_gates(history: Service) -> None:
    got = figures(history)
    # beta sign-offs waited 30, 60, 100, 10; prod's gate waited 90, 20, 90.
    assert got["beta"]["median_waiting_for_person_s"] == 45.0
    assert got["prod"]["median_waiting_for_person_s"] == 90.0


def test_deployment_frequency_is_versions_passing_the_last_stage_per_day(
    history: Service,
) -> None:
    got = figures(history, "2d")
    assert got["delivery"]["stage"] == "prod"
    assert got["delivery"]["deployment_frequency_per_day"] == 1.0


def test_lead_time_runs_from_the_commit_to_passing_the_last_stage(history: Service) -> None:
    # v1: 120 - (-1000) = 1120; v4: 500 - 390 = 110.
    assert figures(history)["delivery"]["lead_time_s"] == {"median": 615.0, "p90": 1120.0}


def test_time_to_restore_runs_from_a_target_failing_to_its_rollback(history: Service) -> None:
    # prod/a failed at 200 and was back on v1 at 245; prod/b never failed.
    assert figures(history)["delivery"]["time_to_restore_s"] == {"median": 45.0, "p90": 45.0}


def test_a_window_starting_at_an_event_includes_it(history: Service) -> None:
    # now is T0+700: a window of 200 s starts at v4's entry into prod, at 500.
    got = figures(history, "200s")
    assert (got["prod"]["deployments"], got["prod"]["passed"]) == (1, 1)
    assert got["delivery"]["lead_time_s"] == {"median": 110.0, "p90": 110.0}
    assert got["delivery"]["time_to_restore_s"] == {"median": None, "p90": None}
    # one second less and v4 entered before it; its rejection at 600 is still inside.
    got = figures(history, "199s")
    assert (got["prod"]["deployments"], got["prod"]["passed"], got["prod"]["rejected"]) == (
        0,
        0,
        1,
    )
    assert got["prod"]["change_failure_rate"] is None


def test_a_window_with_nothing_in_it_has_zero_counts_and_null_rates(history: Service) -> None:
    got = figures(history, "50s")
    for name in ("beta", "prod"):
        stage = got[name]
        assert [stage[k] for k in ("deployments", "passed", "rejected", "rolled_back")] == [0] * 4
        assert stage["change_failure_rate"] is None
        assert stage["median_time_in_stage_s"] is None
        assert stage["median_waiting_for_person_s"] is None
    assert got["delivery"]["deployment_frequency_per_day"] == 0.0
    assert got["delivery"]["lead_time_s"] == {"median": None, "p90": None}
    assert figures(history, "0s")["delivery"]["deployment_frequency_per_day"] is None


@pytest.mark.parametrize("since", ["soon", "-1d", "400d"])
def test_a_bad_since_is_a_usage_error(history: Service, since: str) -> None:
    with pytest.raises(UsageError, match=r"^--since: "):
        history.captain.metrics(since=since)


def test_deployments_per_day_add_up_to_deployments_newest_day_last(history: Service) -> None:
    view = history.captain.metrics(since="3d")
    # Everything happened within the last 700 s: the newest day holds it all.
    assert {s.name: s.deployments_per_day for s in view.stages} == {
        "beta": (0, 0, 4),
        "prod": (0, 0, 3),
    }
    assert "deployments_per_day" not in view.to_json()["stages"][0]  # SPEC §10's shape


def test_lead_times_are_listed_in_the_order_versions_passed(history: Service) -> None:
    # v1 passed prod at 120 (lead time 1120), v4 at 500 (110).
    assert history.captain.metrics().delivery.lead_times_s == (1120.0, 110.0)


def test_a_day_is_24_hours_back_from_the_end_of_the_window() -> None:
    until = T0 + 10 * 86400
    moments = [until, until - 86399, until - 86400, until - 3 * 86400 + 1, until - 3 * 86400]
    # 3 days: the last 24 h hold two, the day before one, the first day (its start
    # included) two.
    assert per_day(moments, until - 3 * 86400, until) == (2, 1, 2)
    # A window of 12 h is one day; a window of 36 h two, the first cut short.
    assert per_day([until - 3600], until - 43200, until) == (1,)
    assert per_day([until - 30 * 3600], until - 36 * 3600, until) == (1, 0)
