"""Writes the screenshots the README shows — `docs/screenshot-board.svg` (the board),
`docs/screenshot-incident.svg` (the incident view) and `docs/screenshot-journey.svg`
(the versions' journey) — over harness states with a fake clock (so they only change
when the TUI does): `python -m tests.tui.make_screenshot`."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from release_captain.service import Captain
from release_captain.testing import Call, FakeClock, harness
from release_captain.tui import make_app

PIPELINE = """
[pipeline]
name = "sample-service"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["make"]

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "integration", run = "integration" }]

[[stages]]
name = "gamma"
targets = ["us-east-1", "eu-west-1"]
approvals = [
  { name = "bake", bake = "10m", monitors = ["health", "errors"], interval = "30s" },
  { name = "qa-signoff", manual = true },
]

[[stages]]
name = "prod"
promotion = "manual"
waves = [["us-west-2"], ["eu-west-1", "us-east-1"], ["ap-southeast-2", "eu-central-1"]]
approvals = [{ name = "settle", wait = "20m" }]

[monitors.health]
run = "health"

[monitors.errors]
run = "errors"
"""

OK = {"make": 0, "deploy": 0, "integration": 0, "health": 0, "errors": 0}
DOCS = Path(__file__).parents[2] / "docs"


def busy_captain(folder: Path) -> tuple[Captain, FakeClock]:
    """v1 everywhere, v2 settling in prod's second wave, v3 waiting for QA in gamma."""
    h = harness(folder, PIPELINE, script=OK)
    captain = Captain(h.pipeline, clock=h.clock, store=h.store)

    def commit(sha: str, message: str, author: str) -> None:
        h.sources["app"].commit_to(sha, message, author)
        h.announce_commit()
        h.settle()

    def through_gamma_into_prod() -> None:
        h.advance(600)
        captain.approve("gamma", comment="qa ok")
        h.settle()
        captain.approve("prod-wave-1", comment="ship it")
        h.settle()

    commit("7bd40390aa", "Add the basket page", "Ada")
    through_gamma_into_prod()
    for _ in range(3):
        h.advance(1200)
    commit("a2719211bb", "Faster checkout", "Grace")
    through_gamma_into_prod()
    h.advance(1200)
    h.advance(500)
    commit("831657d6cc", "Gift cards", "Linus")
    h.advance(600)
    h.advance(60)
    return captain, h.clock


def errors_in_v3_on_eu_west_1(call: Call) -> int:
    """The `errors` monitor: ALARM for v3 on gamma/eu-west-1, with what it printed."""
    if call.env.get("CAPTAIN_VERSION") == "v3" and call.env.get("CAPTAIN_TARGET") == "eu-west-1":
        call.output = "5xx rate 4.2% over the last 5m (threshold 1%): 212 of 5,040 requests\n"
        return 1
    call.output = "5xx rate 0.1% over the last 5m\n"
    return 0


def incident_captain(folder: Path) -> tuple[Captain, FakeClock]:
    """v1 and v2 through prod; v3 alarms in gamma's bake on eu-west-1 and is rolled back."""
    h = harness(folder, PIPELINE, script={**OK, "errors": errors_in_v3_on_eu_west_1})
    captain = Captain(h.pipeline, clock=h.clock, store=h.store)
    for sha, message, author in (
        ("7bd40390aa", "Add the basket page", "Ada"),
        ("a2719211bb", "Faster checkout", "Grace"),
    ):
        h.sources["app"].commit_to(sha, message, author)
        h.announce_commit()
        h.settle()
        h.advance(600)
        captain.approve("gamma", comment="qa ok")
        h.settle()
        captain.approve("prod-wave-1", comment="ship it")
        h.settle()
        for _ in range(4):
            h.advance(1200)
    h.sources["app"].commit_to("831657d6cc", "Retry payments twice", "Linus")
    h.announce_commit()
    h.settle()
    for _ in range(3):
        h.advance(60)
    return captain, h.clock


async def shoot(captain: Captain, clock: FakeClock, name: str, keys: list[str]) -> None:
    app = make_app(captain, refresh=0, clock=clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.refreshed()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(name, path=str(DOCS))


async def main() -> None:
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    os.environ["TZ"] = "UTC"
    time.tzset()
    captain, clock = busy_captain(Path(tempfile.mkdtemp()))
    await shoot(captain, clock, "screenshot-board.svg", [])
    captain, clock = incident_captain(Path(tempfile.mkdtemp()))
    await shoot(captain, clock, "screenshot-incident.svg", ["i"])
    await shoot(captain, clock, "screenshot-journey.svg", ["v"])


if __name__ == "__main__":
    asyncio.run(main())
