"""SPEC §6 `captain versions --json`: a list of {version, commit, author, message, build,
stages}, newest first, with build one of pending|building|succeeded|failed and each
stage's state one of passed|rejected|superseded|in-flight."""

from __future__ import annotations

import json
from typing import Any

from release_captain.service.shapes import version_json
from release_captain.testing import Call
from tests.service.conftest import MakeService
from tests.service.kit import Service

BUILDS = {"pending", "building", "succeeded", "failed"}
STAGE_STATES = {"passed", "rejected", "superseded", "in-flight"}

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "gamma"
targets = ["a"]
approvals = [{ name = "soak", wait = "10m" }, { name = "check", run = "check" }]
"""


def versions(service: Service) -> list[dict[str, Any]]:
    docs = [version_json(row) for row in service.captain.versions()]
    assert json.loads(json.dumps(docs)) == docs
    for doc in docs:
        assert set(doc) == {"version", "commit", "author", "message", "build", "stages"}
        assert all(isinstance(doc[k], str) for k in ("version", "commit", "author", "message"))
        assert doc["build"] in BUILDS
        assert isinstance(doc["stages"], dict)
        assert set(doc["stages"]) <= {"beta", "gamma"}
        assert set(doc["stages"].values()) <= STAGE_STATES
    return docs


def test_each_version_says_its_commit_author_message_build_and_how_far_it_got(
    make_service: MakeService,
) -> None:
    seen: list[dict[str, Any]] = []
    service: Service

    def make(call: Call) -> int:
        seen.extend(versions(service))
        return 1 if call.env["CAPTAIN_VERSION"] == "v4" else 0

    def check(call: Call) -> int:
        return 1 if call.env["CAPTAIN_VERSION"] == "v3" else 0

    service = make_service(STAGES, {"make": make, "check": check})
    service.commit("aaaa01", "first change", "Ada")
    assert seen == [
        {
            "version": "v1",
            "commit": "aaaa01",
            "author": "Ada",
            "message": "first change",
            "build": "building",
            "stages": {},
        }
    ]
    service.commit("bbbb02", "second", "Grace")  # passes beta, waits behind v1 in gamma
    service.commit("cccc03", "third", "Linus")  # supersedes v2 in gamma
    service.advance(600)  # v1 passes gamma; v3 enters and fails its check
    service.advance(600)
    service.commit("dddd04", "fourth", "Barbara")  # its build fails
    docs = versions(service)
    assert [d["version"] for d in docs] == ["v4", "v3", "v2", "v1"], "newest first"
    by_name = {d["version"]: d for d in docs}
    assert by_name["v1"]["stages"] == {"beta": "passed", "gamma": "passed"}
    assert by_name["v2"]["stages"] == {"beta": "passed", "gamma": "superseded"}
    assert by_name["v3"]["stages"] == {"beta": "passed", "gamma": "rejected"}
    assert by_name["v4"] == {
        "version": "v4",
        "commit": "dddd04",
        "author": "Barbara",
        "message": "fourth",
        "build": "failed",
        "stages": {},
    }
    assert {d["build"] for d in docs[1:]} == {"succeeded"}


def test_a_version_in_flight_says_so(make_service: MakeService) -> None:
    service = make_service(STAGES)
    service.commit("aaaa01")
    (doc,) = versions(service)
    assert doc["stages"] == {"beta": "passed", "gamma": "in-flight"}


def test_a_version_not_yet_built_is_pending(make_service: MakeService) -> None:
    service = make_service(STAGES)
    service.h.store.record_version(
        heads={"app": "aaaa01"},
        primary="app",
        commits=[],
        author="Ada",
        message="recorded, not yet built",
        now=service.h.clock(),
    )
    (doc,) = versions(service)
    assert (doc["version"], doc["build"], doc["stages"]) == ("v1", "pending", {})
