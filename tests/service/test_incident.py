"""The incident query: the newest failure, a reason to act with that quotes it, and the
versions a target may be rolled back to with the engine's answer for each."""

from __future__ import annotations

from pathlib import Path

from release_captain.service import incident
from release_captain.store import Event
from tests.tui import incidents, states


def failed(detail: str, id: int = 1, kind: str = "step.failed") -> Event:
    return Event(
        id=id, at=0.0, kind=kind, version=4, stage="gamma", target="us-east-1", detail=detail
    )


def test_the_reason_quotes_what_the_failing_step_printed_last() -> None:
    event = failed("health: monitor errors in ALARM: exited 1")
    output = "$ errors\nGET /basket 200\nGET /basket 500\n# exited 1"
    assert incident.reason_of(event, output) == (
        "health ALARM on gamma/us-east-1 (v4): GET /basket 500"
    )
    assert incident.reason_of(failed("deploy: exited 2"), "$ deploy\n# exited 2") == (
        "deploy failed on gamma/us-east-1 (v4): exited 2"
    )


def test_the_newest_failure_wins_and_other_events_are_not_failures() -> None:
    events = [
        failed("deploy: exited 2", id=1),
        failed("from v3 to v2: exited 1", id=2, kind="rollback.failed"),
        failed("deployed", id=3, kind="target.succeeded"),
    ]
    found = incident.latest_failure(events)
    assert found is not None and found.id == 2
    assert incident.latest_failure(events[2:]) is None


def test_an_alarm_is_the_incident_with_its_output_and_rollback_choices(tmp_path: Path) -> None:
    w = incidents.alarmed(tmp_path)
    found = incident.latest_incident(w.captain)
    assert found is not None
    assert (found.stage, found.version, found.step) == ("gamma", 4, "health")
    assert found.output == "$ errors\n# exited 1"
    assert found.reason.startswith(f"health ALARM on gamma/{found.target} (v4): ")
    assert (found.running, found.rejected, found.next_stage) == (3, True, "prod-wave-1")
    assert found.choices == (
        incident.RollbackChoice(version=2, last_good=True),
        incident.RollbackChoice(version=1),
    )


def test_a_version_the_engine_refuses_says_why(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    incidents.shipped(w, "b2c3d4e5f6a7", "Faster checkout")
    incidents.shipped(w, "c3d4e5f6a7b8", "Taxes at checkout")
    w.captain.rollback(["gamma/us-east-1"], reason="slow")  # v3 -> v2; v3 rejected there
    w.h.settle()
    choices = incident.rollback_choices(w.captain, "gamma/us-east-1")
    assert [(c.version, c.last_good) for c in choices] == [(3, False), (1, True)]
    assert "rejected" in choices[0].refused and "--force" in choices[0].refused
    assert choices[1].refused == ""


def test_nothing_failed_is_no_incident(tmp_path: Path) -> None:
    assert incident.latest_incident(states.idle(tmp_path).captain) is None


def test_an_incident_a_later_version_healed_says_it_is_over(tmp_path: Path) -> None:
    """v4 alarmed in gamma and was rolled back; v5 then succeeded there. The newest
    failure is still v4's, but nobody should roll a healthy target back for it."""
    w = incidents.alarmed(tmp_path)
    found = incident.latest_incident(w.captain)
    assert found is not None and not found.over
    w.h.runner.script["errors"] = 0
    incidents.shipped(w, "e5f6a7b8c9d0", "Smaller buttons")
    found = incident.latest_incident(w.captain)
    assert found is not None and found.version == 4
    assert found.running == 5 and found.over
