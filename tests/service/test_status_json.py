"""SPEC §6 `captain status --json`: one object with exactly the keys and value types the
specification shows, every enum value within the listed set, in every state a target,
an approval and a stage's waiting candidate can be in — including the short-lived ones
(deploying, rolling back, an approval pending or running), read from inside the command
while it runs."""

from __future__ import annotations

import json
import re
from typing import Any

from release_captain.testing import Call
from tests.service.conftest import MakeService
from tests.service.kit import Service

VERSION = re.compile(r"^v[1-9][0-9]*$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TARGET_STATES = {
    "idle",
    "deploying",
    "verifying",
    "succeeded",
    "failed",
    "rolling_back",
    "rolled_back",
}
APPROVAL_STATES = {"pending", "running", "passed", "failed", "waiting-for-person"}
#: SPEC §6's reasons, plus `busy`, which the README documents as an extension.
WAITING_REASONS = {"manual-approval", "blocker", "alarm", "paused", "busy"}


def version_or_null(value: object) -> bool:
    return value is None or (isinstance(value, str) and VERSION.match(value) is not None)


def assert_forecast_shape(forecast: Any, latest: str | None) -> None:
    """The newest version's outlook: null before any version."""
    if latest is None:
        assert forecast is None
        return
    assert set(forecast) == {"version", "stage", "state", "pass_at", "waits_for"}
    assert forecast["version"] == latest and isinstance(forecast["stage"], str)
    assert forecast["state"] in {"passed", "in-flight", "forecast", "rejected", "never"}
    assert forecast["pass_at"] is None or ISO.match(forecast["pass_at"])
    for wait in forecast["waits_for"]:
        assert set(wait) == {"stage", "reason"} and all(isinstance(v, str) for v in wait.values())


def assert_status_shape(doc: Any) -> None:
    """Every key and value type of SPEC §6's status object; nothing more, nothing less."""
    assert json.loads(json.dumps(doc)) == doc, "plain JSON values only"
    # `forecast` is the README's documented addition to SPEC §6's shape (issue 15).
    assert set(doc) == {"pipeline", "engine", "latest_version", "stages", "forecast"}
    assert_forecast_shape(doc["forecast"], doc["latest_version"])
    assert isinstance(doc["pipeline"], str) and doc["pipeline"]
    assert set(doc["engine"]) == {"running", "pid", "holding"}
    assert doc["engine"]["holding"] is None or isinstance(doc["engine"]["holding"], str)
    assert isinstance(doc["engine"]["running"], bool)
    assert doc["engine"]["pid"] is None or type(doc["engine"]["pid"]) is int
    assert doc["engine"]["running"] == (doc["engine"]["pid"] is not None)
    assert version_or_null(doc["latest_version"])
    assert isinstance(doc["stages"], list) and doc["stages"]
    for stage in doc["stages"]:
        assert set(stage) == {
            "name",
            "promotion",
            "paused",
            "blockers_active",
            "passed",
            "in_flight",
            "waiting",
            "targets",
        }, stage
        assert isinstance(stage["name"], str)
        assert stage["promotion"] in ("automatic", "manual")
        assert isinstance(stage["paused"], bool)
        assert isinstance(stage["blockers_active"], list)
        assert all(isinstance(b, str) for b in stage["blockers_active"])
        assert version_or_null(stage["passed"]) and version_or_null(stage["in_flight"])
        if stage["waiting"] is not None:
            assert set(stage["waiting"]) == {"version", "reason"}
            assert VERSION.match(stage["waiting"]["version"])
            assert stage["waiting"]["reason"] in WAITING_REASONS
        assert isinstance(stage["targets"], list) and stage["targets"]
        for target in stage["targets"]:
            assert set(target) == {"name", "version", "state", "last_good", "approvals"}
            assert isinstance(target["name"], str)
            assert version_or_null(target["version"]) and version_or_null(target["last_good"])
            assert target["state"] in TARGET_STATES
            for approval in target["approvals"]:
                assert set(approval) in ({"name", "state"}, {"name", "state", "remaining_s"})
                assert isinstance(approval["name"], str)
                assert approval["state"] in APPROVAL_STATES
                if "remaining_s" in approval:
                    assert type(approval["remaining_s"]) is float
                    assert approval["remaining_s"] >= 0


def status(service: Service) -> dict[str, Any]:
    doc = service.captain.status(forecast=True).to_json()
    assert_status_shape(doc)
    return doc


def stage_of(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["stages"] if s["name"] == name)


def target_of(doc: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    return next(t for t in stage_of(doc, stage)["targets"] if t["name"] == name)


FLOW = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
targets = ["us-east-1", "eu-west-1"]
approvals = [
  { name = "check", run = "check" },
  { name = "soak", wait = "10m" },
  { name = "qa", manual = true },
]
"""


def test_before_any_version_every_stage_is_empty_and_every_target_idle(
    make_service: MakeService,
) -> None:
    doc = status(make_service(FLOW))
    assert doc["pipeline"] == "svc"
    assert doc["engine"] == {"running": False, "pid": None, "holding": None}
    assert doc["latest_version"] is None
    assert [s["name"] for s in doc["stages"]] == ["beta", "gamma"]
    assert stage_of(doc, "gamma") == {
        "name": "gamma",
        "promotion": "automatic",
        "paused": False,
        "blockers_active": [],
        "passed": None,
        "in_flight": None,
        "waiting": None,
        "targets": [
            {"name": "us-east-1", "version": None, "state": "idle", "last_good": None,
             "approvals": []},
            {"name": "eu-west-1", "version": None, "state": "idle", "last_good": None,
             "approvals": []},
        ],
    }  # fmt: skip


def test_a_rollout_goes_through_every_target_and_approval_state(
    make_service: MakeService,
) -> None:
    """Seen from inside each command as it runs, then at each timer and sign-off."""
    seen: dict[str, dict[str, Any]] = {}
    service: Service

    def look(name: str, result: int) -> Any:
        def command(call: Call) -> int:
            if call.env["CAPTAIN_STAGE"] == "gamma" and call.env["CAPTAIN_TARGET"] == "us-east-1":
                seen.setdefault(name, target_of(status(service), "gamma", "us-east-1"))
            return result

        return command

    service = make_service(FLOW, {"deploy": look("deploy", 0), "check": look("check", 0)})
    service.commit("a1")
    assert seen["deploy"] == {
        "name": "us-east-1",
        "version": "v1",
        "state": "deploying",
        "last_good": None,
        "approvals": [
            {"name": "check", "state": "pending"},
            {"name": "soak", "state": "pending"},
            {"name": "qa", "state": "pending"},
        ],
    }
    assert seen["check"]["state"] == "verifying"
    assert seen["check"]["approvals"] == [
        {"name": "check", "state": "running"},
        {"name": "soak", "state": "pending"},
        {"name": "qa", "state": "pending"},
    ]

    doc = status(service)
    gamma = stage_of(doc, "gamma")
    assert (gamma["passed"], gamma["in_flight"], gamma["waiting"]) == (None, "v1", None)
    assert target_of(doc, "gamma", "us-east-1")["approvals"] == [
        {"name": "check", "state": "passed"},
        {"name": "soak", "state": "running", "remaining_s": 600.0},
        {"name": "qa", "state": "pending"},
    ]
    service.advance(150)
    soak = target_of(status(service), "gamma", "us-east-1")["approvals"][1]
    assert soak == {"name": "soak", "state": "running", "remaining_s": 450.0}

    service.advance(450)
    target = target_of(status(service), "gamma", "us-east-1")
    assert target["state"] == "verifying"
    assert target["approvals"][2] == {"name": "qa", "state": "waiting-for-person"}

    service.captain.approve("gamma")
    service.settle()
    doc = status(service)
    assert stage_of(doc, "gamma")["passed"] == "v1"
    assert stage_of(doc, "gamma")["in_flight"] is None
    for name in ("us-east-1", "eu-west-1"):
        target = target_of(doc, "gamma", name)
        assert (target["version"], target["state"]) == ("v1", "succeeded")
        assert target["last_good"] is None
        assert {a["state"] for a in target["approvals"]} == {"passed"}


ROLLING = """
[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "check" }]
"""


def test_a_failed_target_shows_failed_rolling_back_rolled_back_and_its_last_good(
    make_service: MakeService,
) -> None:
    seen: list[dict[str, Any]] = []
    service: Service

    def deploy(call: Call) -> int:
        if call.env["CAPTAIN_ACTION"] == "rollback":
            seen.append(target_of(status(service), "beta", "local"))
        return 0

    def check(call: Call) -> int:
        return 1 if call.env["CAPTAIN_VERSION"] == "v2" else 0

    service = make_service(ROLLING, {"deploy": deploy, "check": check})
    service.commit("a1")
    local = target_of(status(service), "beta", "local")
    assert (local["version"], local["state"], local["last_good"]) == ("v1", "succeeded", None)
    service.commit("a2")
    (during,) = seen
    assert (during["version"], during["state"]) == ("v2", "rolling_back")
    assert during["approvals"] == [{"name": "check", "state": "failed"}]
    assert during["last_good"] == "v1"
    after = target_of(status(service), "beta", "local")
    assert (after["version"], after["state"], after["last_good"]) == ("v1", "rolled_back", None)
    assert after["approvals"] == [{"name": "check", "state": "passed"}]


def test_a_failed_target_with_nothing_to_roll_back_to_shows_failed(
    make_service: MakeService,
) -> None:
    service = make_service(ROLLING, {"check": 1})
    service.commit("a1")
    doc = status(service)
    local = target_of(doc, "beta", "local")
    assert (local["version"], local["state"], local["last_good"]) == ("v1", "failed", None)
    assert local["approvals"] == [{"name": "check", "state": "failed"}]
    assert stage_of(doc, "beta")["in_flight"] is None and stage_of(doc, "beta")["passed"] is None


GATED = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["a"]

[[stages]]
name = "prod"
targets = ["r"]
blockers = ["freeze"]

[blockers.freeze]
deny = ["2026-09-21"]
timezone = "UTC"
"""


def test_waiting_names_the_version_and_each_reason(make_service: MakeService) -> None:
    service = make_service(GATED)
    service.commit("a1")
    doc = status(service)
    assert doc["latest_version"] == "v1"
    assert stage_of(doc, "gamma")["waiting"] == {"version": "v1", "reason": "manual-approval"}
    assert stage_of(doc, "gamma")["promotion"] == "manual"

    service.captain.approve("gamma")
    service.settle()
    doc = status(service)
    prod = stage_of(doc, "prod")
    assert prod["waiting"] == {"version": "v1", "reason": "blocker"}
    assert prod["blockers_active"] == ["freeze"]

    service.captain.pause("beta", reason="incident")
    service.commit("a2")
    beta = stage_of(status(service), "beta")
    assert (beta["paused"], beta["waiting"]) == (True, {"version": "v2", "reason": "paused"})
    assert beta["passed"] == "v1"


ALARMED = """
[[stages]]
name = "prod"
targets = ["r"]
block_on_alarm = ["errors"]

[monitors.errors]
run = "errors"
"""


def test_waiting_for_a_monitor_in_alarm(make_service: MakeService) -> None:
    hurting = {"now": False}
    service = make_service(ALARMED, {"errors": lambda call: 1 if hurting["now"] else 0})
    service.commit("a1")
    hurting["now"] = True
    service.commit("a2")
    prod = stage_of(status(service), "prod")
    assert prod["waiting"] == {"version": "v2", "reason": "alarm"}
    assert (prod["passed"], prod["in_flight"]) == ("v1", None)


def test_a_stage_wide_alarm_holds_even_the_first_deployment(make_service: MakeService) -> None:
    service = make_service(ALARMED, {"errors": 1})
    service.commit("a1")
    prod = stage_of(status(service), "prod")
    assert prod["waiting"] == {"version": "v1", "reason": "alarm"}
    assert prod["in_flight"] is None and prod["passed"] is None


def test_a_candidate_behind_a_version_in_flight_waits_busy(make_service: MakeService) -> None:
    service = make_service(
        """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
targets = ["a"]
approvals = [{ name = "soak", wait = "10m" }]
"""
    )
    service.commit("a1")
    service.commit("a2")
    gamma = stage_of(status(service), "gamma")
    assert (gamma["in_flight"], gamma["waiting"]) == ("v1", {"version": "v2", "reason": "busy"})
