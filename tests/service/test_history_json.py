"""SPEC §6 `captain history --json`: one object per event with exactly {id, at, kind,
version, stage, target, actor, detail}; `at` is ISO 8601 in UTC; the log is oldest
first, filters by stage and target, and `limit` keeps the newest."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from release_captain.errors import CaptainError
from release_captain.service.shapes import event_json
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

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def history(service: Service, **filters: Any) -> list[dict[str, Any]]:
    docs: list[Any] = [event_json(e) for e in service.captain.history(**filters)]
    for doc in docs:
        assert json.loads(json.dumps(doc)) == doc
        assert set(doc) == {"id", "at", "kind", "version", "stage", "target", "actor", "detail"}
        assert type(doc["id"]) is int
        assert isinstance(doc["at"], str) and ISO_UTC.match(doc["at"]), doc["at"]
        assert isinstance(doc["kind"], str) and doc["kind"]
        assert doc["version"] is None or re.fullmatch(r"v[1-9]\d*", doc["version"])
        assert doc["stage"] is None or isinstance(doc["stage"], str)
        assert doc["target"] is None or isinstance(doc["target"], str)
        assert isinstance(doc["actor"], str) and doc["actor"]
        assert isinstance(doc["detail"], str)
    return docs


def test_every_event_has_the_spec_keys_and_a_utc_instant(make_service: MakeService) -> None:
    service = make_service(STAGES)
    service.commit("aaaa01", "first")
    service.advance(90)
    service.captain.approve("gamma", comment="ship it")
    service.settle()
    docs = history(service)
    ids = [d["id"] for d in docs]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "oldest first, each once"
    instants = [dt.datetime.fromisoformat(d["at"].replace("Z", "+00:00")) for d in docs]
    assert all(i.utcoffset() == dt.timedelta(0) for i in instants)
    assert instants == sorted(instants)
    start = dt.datetime.fromtimestamp(1_790_000_000, dt.UTC)
    assert instants[0] == start
    assert instants[-1] == start + dt.timedelta(seconds=90)

    detected = next(d for d in docs if d["kind"] == "version.detected")
    assert (detected["version"], detected["stage"], detected["target"]) == ("v1", None, None)
    assert detected["actor"] == "captain"
    deployed = next(d for d in docs if d["kind"] == "step.started" and d["stage"] == "beta")
    assert (deployed["version"], deployed["target"]) == ("v1", "local")
    granted = next(d for d in docs if d["kind"] == "approval.granted")
    assert granted["actor"] != "captain" and granted["detail"].endswith("ship it")
    assert (granted["version"], granted["stage"]) == ("v1", "gamma")


def test_history_filters_by_stage_and_target_and_limit_keeps_the_newest(
    make_service: MakeService,
) -> None:
    service = make_service(STAGES)
    service.commit("aaaa01")
    service.captain.approve("gamma")
    service.settle()
    everything = history(service)
    gamma = history(service, stage="gamma")
    assert gamma and {d["stage"] for d in gamma} == {"gamma"}
    assert gamma == [d for d in everything if d["stage"] == "gamma"]
    only_b = history(service, stage="gamma", target="b")
    assert only_b and {d["target"] for d in only_b} == {"b"}
    assert history(service, limit=3) == everything[-3:]


def test_an_unknown_stage_is_a_usage_error(make_service: MakeService) -> None:
    service = make_service(STAGES)
    with pytest.raises(CaptainError, match="no stage named 'delta'") as caught:
        service.captain.history(stage="delta")
    assert caught.value.exit_code == 2
