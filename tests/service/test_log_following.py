"""`captain logs` in the service (SPEC §6, issue 13 item 5): the build's output, and
following a version on a target through every step until it is done there — not only
to the end of the step in hand. The follower's `wait` drives the engine, so nothing
sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from release_captain.engine.decisions import StartBuild
from release_captain.errors import StateConflict
from release_captain.service.following import LogPiece, build_output, done_there
from release_captain.service.shapes import LogHeading
from release_captain.store import Store
from release_captain.store.views import StepRow
from tests.service.conftest import MakeService

SOAK = """
[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "soak", wait = "10m" }]
"""


def headings(pieces: Iterable[LogPiece]) -> list[str]:
    return [str(p) for p in pieces if isinstance(p, LogHeading)]


def step(state: str) -> StepRow:
    return StepRow(
        id=1, stage="beta", target="local", version=2, index=0, name="deploy", kind="deploy",
        onebox=False, state=state, attempt=1, started_at=0.0, finished_at=None, detail="",
        log="", checks="",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("steps", "deployment", "running", "stage_state", "done", "why"),
    [
        (["passed", "running"], "running", 2, "in-flight", False, "a step runs"),
        (["passed"], "running", 2, "in-flight", False, "between two steps"),
        (["passed"], "succeeded", 2, "in-flight", True, "succeeded there"),
        (["failed"], "failed", 2, "in-flight", False, "failed: its rollback is to come"),
        (["failed", "running"], "failed", 2, "in-flight", False, "its rollback runs"),
        (["failed", "passed"], "failed", 1, "in-flight", True, "rolled back to v1"),
        (["failed"], "failed", 2, "rejected", True, "no rollback: the stage rejected it"),
        ([], None, 1, "in-flight", False, "not begun here, the stage still works on it"),
        ([], None, 1, "rejected", True, "failed elsewhere: it never begins here"),
        (["passed"], "succeeded", 3, "passed", True, "the target moved on to v3"),
        (["running"], "succeeded", 2, "passed", False, "a person's rollback of it runs"),
    ],
)
def test_a_version_is_done_on_a_target_when_nothing_more_of_it_will_run_there(
    steps: list[str],
    deployment: str | None,
    running: int,
    stage_state: str,
    done: bool,
    why: str,
) -> None:
    rows = [step(s) for s in steps]
    assert (
        done_there(2, rows, deployment=deployment, running=running, stage_state=stage_state) is done
    ), why


def test_following_goes_on_through_the_approvals_until_the_version_succeeded_there(
    make_service: MakeService,
) -> None:
    service = make_service(SOAK)
    service.commit("aaaa01")
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        service.advance(600)  # the soak ends

    pieces = list(service.captain.log_output("v1", "beta/local", follow=True, wait=wait))
    assert headings(pieces) == [
        "==> deploy: passed exited 0",
        "==> soak: running",
        "==> soak: passed wait elapsed",
    ]
    assert b"$ deploy\n# exited 0\n" in pieces
    assert len(waits) == 1 and 0 < waits[0] <= 1


def test_without_follow_it_stops_at_the_step_in_hand(make_service: MakeService) -> None:
    service = make_service(SOAK)
    service.commit("aaaa01")
    never: Callable[[float], None] = lambda _: pytest.fail("it waited")  # noqa: E731
    pieces = service.captain.log_output("v1", "beta/local", wait=never)
    assert headings(pieces) == ["==> deploy: passed exited 0", "==> soak: running"]


def test_following_a_failed_version_goes_on_to_the_end_of_its_rollback(
    make_service: MakeService,
) -> None:
    service = make_service(SOAK)
    service.commit("aaaa01")
    service.advance(600)  # v1 passes beta: it is last good there
    service.commit("bbbb02")

    polls: list[float] = []

    def wait(seconds: float) -> None:
        if not polls:  # a person rejects v2 while it soaks
            service.captain.reject("beta", version="v2")
        polls.append(seconds)
        service.h.reconciler.tick()  # one engine pass a poll: every state in between

    pieces = list(service.captain.log_output("v2", "beta/local", follow=True, wait=wait))
    assert headings(pieces) == [
        "==> deploy: passed exited 0",
        "==> soak: running",
        "==> soak: failed rejected",
        "==> rollback: running",
        "==> rollback: passed exited 0",
    ]
    assert service.targets()[("beta", "local")] == (1, "rolled_back")


def test_a_version_that_never_ran_on_the_target_is_a_conflict(make_service: MakeService) -> None:
    service = make_service(SOAK)
    service.h.store.record_version(
        heads={"app": "aaaa01"}, primary="app", commits=[], author="Ada", message="m", now=1.0
    )
    with pytest.raises(StateConflict, match="v1 has not run on beta/local"):
        service.captain.log_output("v1", "beta/local", follow=True)


def test_the_build_log_is_read_through_the_service(make_service: MakeService) -> None:
    service = make_service(SOAK)
    service.commit("aaaa01")
    pieces = list(service.captain.log_output("v1", "build"))
    assert headings(pieces)[0].startswith("==> build: succeeded")
    assert b"$ make\n" in b"".join(p for p in pieces if isinstance(p, bytes))


def test_a_build_that_never_started_is_a_conflict_in_one_sentence(
    make_service: MakeService,
) -> None:
    service = make_service(SOAK)
    service.h.store.record_version(
        heads={"app": "aaaa01"}, primary="app", commits=[], author="Ada", message="m", now=1.0
    )
    with pytest.raises(StateConflict, match=r"^the build of v1 has not started \(pending\)"):
        service.captain.log_output("v1", "build", follow=True)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "state")
    store.record_version(
        heads={"app": "aaaa01"}, primary="app", commits=[], author="Ada", message="m", now=1.0
    )
    return store


def start_build(store: Store, output: bytes) -> Path:
    (started,) = store.apply([StartBuild(version=1, reason="test")], now=2.0)
    log: Path = started.log  # type: ignore[union-attr]
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(output)
    return log


def test_following_a_build_prints_what_it_writes_until_it_ends(store: Store) -> None:
    log = start_build(store, b"compiling\n")

    def wait(seconds: float) -> None:
        with open(log, "ab") as handle:
            handle.write(b"linking\n")
        store.finish_build(1, ok=True, artefacts=[], detail="built", now=3.0)

    pieces = list(build_output(store, 1, follow=True, wait=wait))
    assert pieces == [
        LogHeading(name="build", attempt=1, state="building"),
        b"compiling\n",
        b"linking\n",
        LogHeading(name="build", attempt=1, state="succeeded", detail="built"),
    ]


def test_a_build_cut_off_by_a_crash_shows_both_attempts_each_in_its_own_log(
    store: Store,
) -> None:
    first = start_build(store, b"first try\n")
    store.recover(now=3.0)
    second = start_build(store, b"second try\n")
    assert first != second and first.parent == second.parent
    pieces = list(build_output(store, 1))
    assert pieces == [
        LogHeading(name="build", attempt=1, state="interrupted"),
        b"first try\n",
        LogHeading(name="build", attempt=2, state="building"),
        b"second try\n",
    ]
