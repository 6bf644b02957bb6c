"""Gates and verification (rules R4, R9) through the loop with a fake clock: manual
promotion, sign-offs, pause, blockers, alarms before entry, and monitor bakes."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from release_captain.errors import CaptainError
from release_captain.service import Captain
from release_captain.testing import Call, Harness, harness

if TYPE_CHECKING:
    from release_captain.service import StageView

BASE = """
[pipeline]
name = "gates"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
"""

OK = {"deploy": 0, "check": 0}


def setup(tmp_path: Path, stages: str, script: dict | None = None) -> tuple[Harness, Captain]:
    h = harness(tmp_path, BASE + stages, script={**OK, **(script or {})})
    return h, Captain(h.pipeline, clock=h.clock, store=h.store)


def commit(h: Harness, sha: str) -> None:
    h.sources["app"].commit_to(sha)
    h.announce_commit()
    h.settle()


def stage(captain: Captain, name: str) -> StageView:
    return next(s for s in captain.status().stages if s.name == name)


def states(captain: Captain, version: int) -> dict[str, str]:
    return next(r for r in captain.versions() if r.number == version).stages


MANUAL = """
[[stages]]
name = "gamma"
promotion = "manual"
targets = ["a"]
"""


def test_a_manual_gate_waits_for_a_person_then_takes_the_approved_version(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, MANUAL)
    commit(h, "a1")
    gamma = stage(captain, "gamma")
    assert (gamma.waiting.version, gamma.waiting.reason) == (1, "manual-approval")
    assert captain.status().to_json()["stages"][1]["waiting"] == {
        "version": "v1",
        "reason": "manual-approval",
    }
    result = captain.approve("gamma", comment="looks good")
    assert result.message == "approved v1 to enter gamma"
    h.settle()
    assert states(captain, 1)["gamma"] == "passed"
    granted = [e for e in captain.history() if e.kind == "approval.granted"]
    assert granted[-1].detail.endswith("looks good") and granted[-1].actor != "captain"


def test_rejecting_at_a_manual_gate_records_the_version_rejected(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, MANUAL)
    commit(h, "a1")
    captain.reject("gamma", comment="not this one")
    h.settle()
    assert states(captain, 1)["gamma"] == "rejected"
    assert stage(captain, "gamma").waiting is None


def test_switching_the_gate_to_automatic_lets_the_version_through(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, MANUAL)
    commit(h, "a1")
    captain.gate("gamma", "automatic")
    assert stage(captain, "gamma").promotion == "automatic"
    h.settle()
    assert states(captain, 1)["gamma"] == "passed"


def test_approving_v1_while_v2_waits_deploys_v1_and_v2_waits_for_its_own(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, MANUAL)
    commit(h, "a1")
    commit(h, "a2")
    assert stage(captain, "gamma").waiting.version == 2
    captain.approve("gamma", version=1)
    h.settle()
    assert states(captain, 1)["gamma"] == "passed"
    gamma = stage(captain, "gamma")
    assert (gamma.waiting.version, gamma.waiting.reason) == (2, "manual-approval")
    assert captain.approve("gamma").message == "approved v2 to enter gamma"


def test_later_waves_promote_automatically_unless_wave_promotion_is_manual(tmp_path: Path) -> None:
    waves = """
[[stages]]
name = "prod"
promotion = "manual"
waves = [["a"], ["b"], ["c"]]
"""
    h, captain = setup(tmp_path, waves)
    commit(h, "a1")
    captain.approve("prod-wave-1")
    h.settle()
    assert states(captain, 1)["prod-wave-3"] == "passed"
    h2, captain2 = setup(
        tmp_path / "again",
        waves.replace('promotion = "manual"', 'promotion = "manual"\nwave_promotion = "manual"'),
    )
    commit(h2, "a1")
    captain2.approve("prod-wave-1")
    h2.settle()
    assert stage(captain2, "prod-wave-2").waiting.reason == "manual-approval"


def test_a_sign_off_approval_waits_for_a_person(tmp_path: Path) -> None:
    h, captain = setup(
        tmp_path,
        """
[[stages]]
name = "gamma"
targets = ["a", "b"]
approvals = [{ name = "qa", manual = true }]
""",
    )
    commit(h, "a1")
    gamma = stage(captain, "gamma")
    assert {t.approvals[0].state for t in gamma.targets} == {"waiting-for-person"}
    assert h.reconciler.idle(h.reconciler.tick()), "waiting for a person is idle"
    result = captain.approve("gamma")
    assert result.message == "approved the sign-off of v1 in gamma"
    h.settle()
    assert states(captain, 1)["gamma"] == "passed"


def test_pause_holds_new_versions_and_resume_releases_them(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, '[[stages]]\nname = "gamma"\ntargets = ["a"]\n')
    captain.pause("gamma", reason="incident 42")
    commit(h, "a1")
    gamma = stage(captain, "gamma")
    assert gamma.paused and gamma.waiting.reason == "paused"
    assert "gamma" not in states(captain, 1)
    captain.resume("gamma")
    h.settle()
    assert states(captain, 1)["gamma"] == "passed"


BLOCKED = """
[[stages]]
name = "gamma"
targets = ["a"]

[[stages]]
name = "prod"
targets = ["r"]
blockers = ["freeze"]

[blockers.freeze]
{rule}
timezone = "Europe/London"
"""


@pytest.mark.parametrize(
    "rule",
    ['deny = ["2026-09-21"]', 'allow = ["Sat-Sun"]'],
    ids=["deny-window-covers-now", "allow-window-excludes-now"],
)
def test_an_active_blocker_holds_production_while_gamma_proceeds(tmp_path: Path, rule: str) -> None:
    h, captain = setup(tmp_path, BLOCKED.replace("{rule}", rule))
    commit(h, "a1")
    assert states(captain, 1)["gamma"] == "passed"
    prod = stage(captain, "prod")
    assert prod.blockers_active == ("freeze",)
    assert (prod.waiting.version, prod.waiting.reason) == (1, "blocker")
    (view,) = captain.blockers()
    assert view.active and view.next_change is not None
    assert prod.waiting.detail.startswith("blocker freeze is active; lifts at 2026-09-2")


def test_override_blockers_lets_one_version_through_and_history_says_why(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, BLOCKED.replace("{rule}", 'deny = ["2026-09-21"]'))
    commit(h, "a1")
    with pytest.raises(CaptainError, match="needs a --comment"):
        captain.approve("prod", override_blockers=True)
    captain.approve("prod", override_blockers=True, comment="hotfix for outage")
    h.settle()
    assert states(captain, 1)["prod"] == "passed"
    commit(h, "a2")
    assert stage(captain, "prod").waiting.reason == "blocker", "the override was for v1 only"
    (granted,) = [e for e in captain.history() if e.kind == "approval.granted"]
    assert "overriding blockers: hotfix for outage" in granted.detail


BAKE = """
[[stages]]
name = "prod"
targets = ["r"]

[[stages.approvals]]
name = "bake"
bake = "60s"
monitors = ["{monitor}"]
interval = "10s"
min_checks = {min_checks}

[monitors.health]
http = "http://127.0.0.1:{port}/health"
max_latency = "2s"

[monitors.errors]
run = "errors"
"""


class Health(http.server.BaseHTTPRequestHandler):
    """Answers 200 until `failing` is set, then 500."""

    failing = False

    def do_GET(self) -> None:  # http.server's name
        self.send_response(500 if type(self).failing else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[Health]]]:
    handler = type("H", (Health,), {"failing": False})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()


def test_a_server_that_starts_answering_500_fails_the_bake_within_one_interval(
    tmp_path: Path, health_server: tuple[int, type[Health]]
) -> None:
    port, handler = health_server
    h, captain = setup(tmp_path, BAKE.format(monitor="health", port=port, min_checks=1))
    commit(h, "a1")
    h.advance(10)
    target = stage(captain, "prod").targets[0]
    assert target.approvals[0].state == "running"
    handler.failing = True
    h.advance(10)
    target = stage(captain, "prod").targets[0]
    assert target.approvals[0].state == "failed"
    assert states(captain, 1)["prod"] == "rejected"
    failed = [e for e in captain.history() if e.kind == "step.failed"]
    assert "monitor health in ALARM" in failed[-1].detail and "500" in failed[-1].detail


def test_a_run_monitor_that_starts_failing_fails_the_bake(tmp_path: Path) -> None:
    calls = {"n": 0}

    def errors(call: Call) -> int:
        calls["n"] += 1
        return 0 if calls["n"] < 3 else 1

    h, captain = setup(
        tmp_path, BAKE.format(monitor="errors", port=0, min_checks=1), script={"errors": errors}
    )
    commit(h, "a1")
    h.advance(10)
    h.advance(10)
    assert states(captain, 1)["prod"] == "rejected"
    assert calls["n"] == 3
    monitor_env = h.runner.ran("errors")[0].env
    assert monitor_env["CAPTAIN_ACTION"] == "monitor" and monitor_env["CAPTAIN_TARGET"] == "r"


def test_a_bake_passes_only_after_its_duration_with_enough_checks(tmp_path: Path) -> None:
    h, captain = setup(
        tmp_path, BAKE.format(monitor="errors", port=0, min_checks=9), script={"errors": 0}
    )
    commit(h, "a1")
    for _ in range(6):
        h.advance(10)
    assert len(h.runner.ran("errors")) == 7
    assert "prod" in states(captain, 1) and states(captain, 1)["prod"] == "in-flight", (
        "60 s elapsed but only 7 of 9 checks: the bake must not pass"
    )
    h.advance(10)
    h.advance(10)
    assert states(captain, 1)["prod"] == "passed"


def test_a_running_bake_counts_down_in_status(tmp_path: Path) -> None:
    h, captain = setup(
        tmp_path, BAKE.format(monitor="errors", port=0, min_checks=1), script={"errors": 0}
    )
    commit(h, "a1")
    first = captain.status().to_json()["stages"][1]["targets"][0]["approvals"][0]
    h.advance(10)
    second = captain.status().to_json()["stages"][1]["targets"][0]["approvals"][0]
    assert first == {"name": "bake", "state": "running", "remaining_s": 60.0}
    assert second["remaining_s"] == 50.0


ALARMED = """
[[stages]]
name = "prod"
targets = ["r"]
block_on_alarm = ["errors"]

[monitors.errors]
run = "errors"
"""


def test_a_monitor_in_alarm_holds_the_stage_until_it_clears(tmp_path: Path) -> None:
    hurting = {"now": False}
    h, captain = setup(
        tmp_path, ALARMED, script={"errors": lambda call: 1 if hurting["now"] else 0}
    )
    commit(h, "a1")
    assert states(captain, 1)["prod"] == "passed"
    hurting["now"] = True
    commit(h, "a2")
    prod = stage(captain, "prod")
    assert (prod.waiting.version, prod.waiting.reason) == (2, "alarm")
    assert "prod" not in states(captain, 2)
    hurting["now"] = False
    h.advance(5)
    assert states(captain, 2)["prod"] == "passed"
    kinds = [e.kind for e in captain.history(stage="prod")]
    assert "stage.alarm" in kinds and "stage.alarm-cleared" in kinds


def test_where_names_the_version_of_a_commit_in_the_middle_of_its_range(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, MANUAL)
    source = h.sources["app"]
    source.commit_to("aa01")
    commit(h, "aa02")  # v1 holds aa01 and aa02 (no earlier version)
    source.commit_to("bb01")
    source.commit_to("bb02")
    commit(h, "bb03")  # v2 holds bb01..bb03
    view = captain.where("bb02")
    assert view.version == 2
    by_stage = {s.stage: s.state for s in view.stages}
    assert by_stage == {"beta": "passed", "gamma": "waiting"}
    gamma = next(s for s in view.stages if s.stage == "gamma")
    assert gamma.reason.startswith("manual-approval")


def test_approving_a_version_held_by_a_blocker_says_how_to_override(tmp_path: Path) -> None:
    h, captain = setup(tmp_path, BLOCKED.replace("{rule}", 'deny = ["2026-09-21"]'))
    commit(h, "a1")
    with pytest.raises(CaptainError, match="--override-blockers --comment WHY") as caught:
        captain.approve("prod")
    assert caught.value.exit_code == 3
    with pytest.raises(CaptainError, match="nothing in gamma waits for a person"):
        captain.approve("gamma")
