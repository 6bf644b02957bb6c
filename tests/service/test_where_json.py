"""`captain where COMMIT --json`: which version includes the commit and, per stage and
target, whether it runs there, passed, was rejected or superseded, or waits, and why.
SPEC §6 names the content; `service.shapes.WhereView` fixes the keys, checked here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from release_captain.errors import CaptainError
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
"""

WHERE_STATES = {"passed", "rejected", "superseded", "in-flight", "waiting", "not-reached"}


def where(service: Service, commit: str) -> dict[str, Any]:
    doc: Any = service.captain.where(commit).to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert set(doc) == {"commit", "version", "build", "stages"}
    assert doc["build"] in ("pending", "building", "succeeded", "failed")
    for stage in doc["stages"]:
        assert set(stage) == {"stage", "state", "reason", "targets"}
        assert stage["state"] in WHERE_STATES and isinstance(stage["reason"], str)
        for target in stage["targets"]:
            assert set(target) == {"target", "running", "deployment"}
            assert isinstance(target["running"], bool)
            assert target["deployment"] in (None, "running", "succeeded", "failed")
    return doc


def test_where_follows_a_commit_through_the_stages(make_service: MakeService) -> None:
    service = make_service(STAGES)
    service.h.sources["app"].commit_to("aaaa01")
    service.commit("aaaa02")  # v1 holds both commits
    doc = where(service, "aaaa01")
    assert (doc["commit"], doc["version"], doc["build"]) == ("aaaa02", "v1", "succeeded")
    beta, gamma = doc["stages"]
    assert (beta["stage"], beta["state"]) == ("beta", "passed")
    assert beta["targets"] == [{"target": "local", "running": True, "deployment": "succeeded"}]
    assert (gamma["stage"], gamma["state"]) == ("gamma", "waiting")
    assert gamma["reason"].startswith("manual-approval")
    assert gamma["targets"] == [
        {"target": "a", "running": False, "deployment": None},
        {"target": "b", "running": False, "deployment": None},
    ]

    service.commit("bbbb03")
    service.captain.reject("gamma", version=1, comment="not this one")
    doc = where(service, "AAAA02")
    assert [s["state"] for s in doc["stages"]] == ["passed", "rejected"]
    assert doc["stages"][0]["targets"][0]["running"] is False, "v2 runs in beta now"
    assert where(service, "bbbb03")["stages"][1]["state"] == "waiting"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("not-a-sha", 2, "is not a commit SHA"),
        ("ffff", 3, "no version includes commit ffff"),
    ],
)
def test_where_refuses_what_is_not_a_known_commit(
    make_service: MakeService, text: str, code: int, words: str
) -> None:
    service = make_service(STAGES)
    service.commit("aaaa01")
    with pytest.raises(CaptainError, match=words) as caught:
        service.captain.where(text)
    assert caught.value.exit_code == code
