"""Rule R8 through the typed verb: `Captain.rollback` redeploys the last good version (or
`to`), rejects the version rolled back from in that stage, records who and why, and
answers SPEC §6's `{"rollbacks": [{"stage", "target", "from", "to", "state"}]}`. Without
an engine it runs the request through the loop's own code and waits for the end; with
one, the engine does it and the verb follows it."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from release_captain.errors import CaptainError
from release_captain.service import Captain
from release_captain.service.shapes import RollbackView
from release_captain.store import Store
from release_captain.testing import Call
from tests.service.conftest import MakeService
from tests.service.kit import Service

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]
rollback = false

[[stages]]
name = "gamma"
targets = ["a", "b"]
approvals = [{ name = "soak", wait = "10m" }]
"""


def rollback_json(view: RollbackView) -> list[dict[str, Any]]:
    doc: Any = view.to_json()
    assert set(doc) == {"rollbacks"}
    for item in doc["rollbacks"]:
        assert set(item) == {"stage", "target", "from", "to", "state"}
        assert item["state"] in ("running", "succeeded", "failed")
    return doc["rollbacks"]


def rejected_in(service: Service, stage: str, version: int) -> bool:
    return service.stage_states(version).get(stage) == "rejected"


@pytest.fixture
def two_passed(make_service: MakeService) -> Service:
    """v1 then v2 passed gamma on both targets."""
    service = make_service(STAGES)
    for sha in ("aaaa01", "bbbb02"):
        service.commit(sha)
        service.advance(600)
    assert service.stage_states(2)["gamma"] == "passed"
    return service


def test_a_rollback_redeploys_the_last_good_version_and_rejects_the_one_left(
    two_passed: Service,
) -> None:
    service = two_passed
    view = service.captain.rollback(["gamma/a"], reason="latency up")
    assert rollback_json(view) == [
        {"stage": "gamma", "target": "a", "from": "v2", "to": "v1", "state": "succeeded"}
    ]
    assert not view.failed
    targets = service.targets()
    assert targets[("gamma", "a")] == (1, "rolled_back")
    assert targets[("gamma", "b")] == (2, "succeeded"), "the other target keeps its version"
    assert rejected_in(service, "gamma", 2)
    (call,) = [c for c in service.h.runner.ran("deploy") if c.env["CAPTAIN_ACTION"] == "rollback"]
    assert (call.env["CAPTAIN_VERSION"], call.env["CAPTAIN_PREVIOUS_VERSION"]) == ("v1", "v2")
    started = [
        e for e in service.captain.history(stage="gamma", target="a") if "rollback" in e.detail
    ]
    assert any("latency up" in e.detail for e in started)
    rejected = next(e for e in service.captain.history(stage="gamma") if e.kind == "stage.rejected")
    assert rejected.actor != "captain" and "latency up" in rejected.detail
    status = service.captain.status().to_json()
    a = status["stages"][1]["targets"][0]  # type: ignore[index]
    assert (a["version"], a["state"], a["last_good"]) == ("v1", "rolled_back", None)


def test_a_whole_stage_after_one_of_its_targets_moves_the_rest_to_the_same_version(
    two_passed: Service,
) -> None:
    service = two_passed
    service.captain.rollback(["gamma/a"])
    view = service.captain.rollback(["gamma"])
    assert rollback_json(view) == [
        {"stage": "gamma", "target": "b", "from": "v2", "to": "v1", "state": "succeeded"}
    ]
    assert service.targets()[("gamma", "a")] == (1, "rolled_back")
    assert service.targets()[("gamma", "b")] == (1, "rolled_back")


def test_a_whole_stage_rolls_every_target_back(two_passed: Service) -> None:
    view = two_passed.captain.rollback(["gamma"], wait=False)
    assert [(r["target"], r["from"], r["to"], r["state"]) for r in rollback_json(view)] == [
        ("a", "v2", "v1", "succeeded"),
        ("b", "v2", "v1", "succeeded"),
    ], "without an engine the verb does the work itself, so even --no-wait ends done"


def test_a_rollback_pre_empts_a_version_still_in_flight(two_passed: Service) -> None:
    service = two_passed
    service.commit("cccc03")  # v3 soaks in gamma
    assert service.targets()[("gamma", "a")] == (3, "verifying")
    view = service.captain.rollback(["gamma/a"])
    assert rollback_json(view)[0]["from"] == "v3" and rollback_json(view)[0]["to"] == "v2"
    service.advance(600)
    assert service.targets()[("gamma", "a")] == (2, "rolled_back")
    assert rejected_in(service, "gamma", 3)
    assert service.stage_states(3)["gamma"] == "rejected", "v3 never passes gamma"


@pytest.mark.parametrize("to", ["v1", "1", 1, "aaaa"], ids=["v1", "1", "int", "sha-prefix"])
def test_to_names_a_version_every_way_a_person_writes_one(
    make_service: MakeService, to: str | int
) -> None:
    service = make_service(STAGES)
    for sha in ("aaaa01", "bbbb02", "cccc03"):
        service.commit(sha)
        service.advance(600)
    view = service.captain.rollback(["gamma/b"], to=to)
    assert rollback_json(view) == [
        {"stage": "gamma", "target": "b", "from": "v3", "to": "v1", "state": "succeeded"}
    ]


def test_to_a_rejected_version_needs_force(two_passed: Service) -> None:
    service = two_passed
    service.captain.rollback(["gamma/a"])  # rejects v2 in gamma
    with pytest.raises(CaptainError, match="v2 was rejected in gamma; use --force") as caught:
        service.captain.rollback(["gamma/a"], to="v2")
    assert caught.value.exit_code == 3
    view = service.captain.rollback(["gamma/a"], to="v2", force=True, reason="it was fine")
    assert rollback_json(view) == [
        {"stage": "gamma", "target": "a", "from": "v1", "to": "v2", "state": "succeeded"}
    ]
    assert service.targets()[("gamma", "a")] == (2, "rolled_back")


def test_a_failed_rollback_deploy_says_failed(make_service: MakeService) -> None:
    def deploy(call: Call) -> int:
        return 1 if call.env["CAPTAIN_ACTION"] == "rollback" else 0

    service = make_service(STAGES, {"deploy": deploy})
    for sha in ("aaaa01", "bbbb02"):
        service.commit(sha)
        service.advance(600)
    view = service.captain.rollback(["gamma/a"])
    assert rollback_json(view)[0]["state"] == "failed"
    assert view.failed
    assert service.targets()[("gamma", "a")] == (2, "failed")


@pytest.mark.parametrize(
    ("targets", "to", "code", "words"),
    [
        ([], None, 2, "name at least one target"),
        (["delta"], None, 3, "no stage named 'delta'"),
        (["gamma/zz"], None, 3, "stage gamma has no target 'zz'"),
        (["beta/local"], None, 3, "beta/local has no last good version before v1"),
        (["gamma/a"], "v9", 3, "there is no version v9"),
        (["gamma/a"], "v1", 3, "gamma/a already runs v1"),
    ],
)
def test_a_rollback_that_cannot_happen_is_refused_and_changes_nothing(
    make_service: MakeService, targets: list[str], to: str | None, code: int, words: str
) -> None:
    service = make_service(STAGES)
    service.commit("aaaa01")
    service.advance(600)
    before = service.targets()
    with pytest.raises(CaptainError, match=words) as caught:
        service.captain.rollback(targets, to=to)
    assert caught.value.exit_code == code
    assert service.targets() == before
    assert not rejected_in(service, "gamma", 1)


# -- with an engine holding the state directory -------------------------------------------


@pytest.fixture
def engine(two_passed: Service) -> Iterator[Captain]:
    """`captain run` over the same state directory, in a thread, with its own database
    connection, the same fake clock and scripted runner."""
    service = two_passed
    service.h.reconciler.stop()
    # The engine watches its real source: an empty repository, so no new version comes.
    repo = service.h.pipeline.path.parent / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    store = Store(service.h.pipeline.state_dir)
    running = Captain(
        service.h.pipeline, clock=service.h.clock, store=store, runner=service.h.runner
    )
    stop = threading.Event()
    thread = threading.Thread(target=lambda: running.run(stop=stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while service.captain.engine_pid() is None:
        assert time.monotonic() < deadline, "the engine did not start"
        time.sleep(0.01)
    yield running
    stop.set()
    thread.join(timeout=10)
    store.close()


def test_with_an_engine_the_engine_rolls_back_and_the_verb_follows_it(
    two_passed: Service, engine: Captain
) -> None:
    service = two_passed
    assert service.captain.status().to_json()["engine"]["running"] is True  # type: ignore[index]
    view = service.captain.rollback(["gamma/b"], reason="engine does it")
    assert rollback_json(view) == [
        {"stage": "gamma", "target": "b", "from": "v2", "to": "v1", "state": "succeeded"}
    ]
    assert service.targets()[("gamma", "b")] == (1, "rolled_back")
    assert rejected_in(service, "gamma", 2)
    requests = service.h.store.db.conn.execute("SELECT kind, state FROM requests").fetchall()
    assert requests == [("rollback", "applied")]
