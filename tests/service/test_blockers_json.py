"""`captain blockers --json`: each blocker, active now, until when, its next change (ISO
8601 UTC), and the stages it holds (SPEC §6; keys fixed by `service.shapes.BlockerView`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.service.conftest import MakeService

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]

[[stages]]
name = "prod"
targets = ["r"]
blockers = ["freeze", "weekends"]

[blockers.freeze]
deny = ["2026-09-21"]
timezone = "UTC"

[blockers.weekends]
allow = ["Mon-Fri"]
timezone = "UTC"
"""


def test_each_blocker_says_whether_it_holds_now_and_when_that_changes(
    make_service: MakeService,
) -> None:
    service = make_service(STAGES)  # the fake clock starts on Monday 2026-09-21, 14:13 UTC
    docs: list[dict[str, Any]] = [b.to_json() for b in service.captain.blockers()]
    assert json.loads(json.dumps(docs)) == docs
    for doc in docs:
        assert set(doc) == {
            "name",
            "active",
            "until",
            "next_change",
            "reason",
            "timezone",
            "stages",
        }
    freeze, weekends = docs
    assert freeze["name"] == "freeze" and freeze["active"] is True
    assert freeze["until"] == freeze["next_change"] == "2026-09-22T00:00:00.000Z"
    assert (freeze["timezone"], freeze["stages"]) == ("UTC", ["prod"])
    assert isinstance(freeze["reason"], str) and freeze["reason"]
    assert weekends["name"] == "weekends" and weekends["active"] is False
    assert weekends["until"] is None
    assert weekends["next_change"] == "2026-09-26T00:00:00.000Z"
    moment = dt.datetime.fromisoformat(weekends["next_change"].replace("Z", "+00:00"))
    assert moment.weekday() == 5

    service.h.clock.advance(12 * 3600)  # Tuesday: the freeze lifted
    freeze = service.captain.blockers()[0].to_json()
    assert (freeze["active"], freeze["until"]) == (False, None)
