"""People's typed verbs without an engine (rule R11: they act directly) — approve (an
entry gate and a sign-off), reject (a candidate and a version in flight), gate, pause and
resume — and what each prints with `--json` (`reply_json`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from release_captain.errors import CaptainError
from release_captain.service import Captain
from release_captain.service.shapes import reply_json
from tests.service.conftest import MakeService
from tests.service.kit import Service

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["a", "b"]
approvals = [{ name = "soak", wait = "10m" }, { name = "qa", manual = true }]
"""


@pytest.fixture
def service(make_service: MakeService) -> Service:
    return make_service(STAGES)


def gamma(service: Service) -> dict[str, Any]:
    doc: Any = service.captain.status().to_json()
    return next(s for s in doc["stages"] if s["name"] == "gamma")


def test_approve_grants_the_entry_then_the_sign_off(service: Service) -> None:
    service.commit("aaaa01")
    reply = service.captain.approve("gamma", comment="entry ok")
    assert reply_json(reply) == {
        "message": "approved v1 to enter gamma",
        "stage": "gamma",
        "version": "v1",
        "approved": "entry",
    }
    service.settle()
    assert service.stage_states(1)["gamma"] == "in-flight"
    service.advance(600)  # the soak ends; qa waits for a person on both targets
    reply = service.captain.approve("gamma", comment="qa ok")
    assert reply_json(reply) == {
        "message": "approved the sign-off of v1 in gamma",
        "stage": "gamma",
        "version": "v1",
        "approved": "signoff",
    }
    service.settle()
    assert service.stage_states(1)["gamma"] == "passed"
    kinds = [(e.kind, e.detail) for e in service.captain.history(stage="gamma")]
    assert sum(1 for k, _ in kinds if k == "approval.granted") == 2
    assert any(d.endswith("qa ok") for _, d in kinds)


def test_approve_with_nothing_waiting_is_a_conflict(service: Service) -> None:
    with pytest.raises(CaptainError, match="nothing in gamma waits for a person") as caught:
        service.captain.approve("gamma")
    assert caught.value.exit_code == 3


def test_approving_a_version_a_newer_one_superseded_is_a_conflict(service: Service) -> None:
    service.commit("aaaa01")
    service.commit("bbbb02")
    service.captain.approve("gamma", version=2)
    service.settle()
    assert service.stage_states(1)["gamma"] == "superseded"
    with pytest.raises(CaptainError, match="v1 was already superseded in gamma") as caught:
        service.captain.approve("gamma", version="v1")
    assert caught.value.exit_code == 3


def test_reject_a_candidate_waiting_at_the_gate(service: Service) -> None:
    service.commit("aaaa01")
    reply = service.captain.reject("gamma", comment="not this one")
    assert reply_json(reply) == {
        "message": "rejected v1 in gamma",
        "stage": "gamma",
        "version": "v1",
        "rejected": True,
    }
    service.settle()
    assert service.stage_states(1)["gamma"] == "rejected"
    assert gamma(service)["waiting"] is None
    with pytest.raises(CaptainError, match="rejected") as caught:
        service.captain.approve("gamma", version=1)
    assert caught.value.exit_code == 3


def test_reject_the_version_in_flight_stops_it_and_it_never_passes(service: Service) -> None:
    service.commit("aaaa01")
    service.captain.approve("gamma")
    service.settle()
    reply = service.captain.reject("gamma", comment="stop")
    assert reply_json(reply) == {
        "message": "rejected v1 in gamma; what ran of it there was stopped",
        "stage": "gamma",
        "version": "v1",
        "rejected": True,
    }
    service.settle()
    service.advance(600)
    assert service.stage_states(1)["gamma"] == "rejected"
    assert gamma(service)["in_flight"] is None
    gamma_steps = [e for e in service.captain.history(stage="gamma") if e.kind.startswith("step.")]
    assert not [e for e in gamma_steps if e.kind == "step.passed" and "soak" in e.detail]
    stopped = [e for e in gamma_steps if e.kind == "step.failed"]
    assert {e.target for e in stopped} == {"a", "b"}
    assert all(e.detail.startswith("soak: ") and e.actor != "captain" for e in stopped)


def test_gate_switches_promotion_and_the_waiting_version_goes_in(service: Service) -> None:
    service.commit("aaaa01")
    reply = service.captain.gate("gamma", "automatic")
    assert reply_json(reply) == {
        "message": "gamma promotion is now automatic",
        "stage": "gamma",
        "promotion": "automatic",
    }
    assert gamma(service)["promotion"] == "automatic"
    service.settle()
    assert service.stage_states(1)["gamma"] == "in-flight"
    assert reply_json(service.captain.gate("gamma", "manual"))["promotion"] == "manual"
    assert gamma(service)["promotion"] == "manual"


def test_gate_takes_only_manual_or_automatic(service: Service) -> None:
    with pytest.raises(CaptainError, match="manual or automatic") as caught:
        service.captain.gate("gamma", "sometimes")
    assert caught.value.exit_code == 2


def test_pause_holds_new_versions_and_resume_lets_them_in(service: Service) -> None:
    reply = service.captain.pause("beta", reason="incident 42")
    assert reply_json(reply) == {
        "message": "beta is paused: it takes no new version",
        "stage": "beta",
        "paused": True,
    }
    service.commit("aaaa01")
    beta = service.captain.status().to_json()["stages"][0]  # type: ignore[index]
    assert beta["paused"] is True
    assert beta["waiting"] == {"version": "v1", "reason": "paused"}
    assert "beta" not in service.stage_states(1)
    reply = service.captain.resume("beta")
    assert reply_json(reply) == {"message": "beta resumed", "stage": "beta", "paused": False}
    service.settle()
    assert service.stage_states(1)["beta"] == "passed"
    paused = next(e for e in service.captain.history() if e.kind == "stage.paused")
    assert paused.detail == "incident 42" and paused.actor != "captain"


@pytest.mark.parametrize(
    "act",
    [
        lambda c: c.approve("delta"),
        lambda c: c.reject("delta"),
        lambda c: c.gate("delta", "manual"),
        lambda c: c.pause("delta"),
        lambda c: c.resume("delta"),
    ],
    ids=["approve", "reject", "gate", "pause", "resume"],
)
def test_an_unknown_stage_is_refused_with_the_stages_there_are(
    service: Service, act: Callable[[Captain], object]
) -> None:
    with pytest.raises(
        CaptainError, match=r"no stage named 'delta' \(stages: beta, gamma\)"
    ) as caught:
        act(service.captain)
    assert caught.value.exit_code == 3
