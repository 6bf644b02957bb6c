"""Writes `docs/screenshot-board.svg`, the board the README shows, over a harness
state with a fake clock (so it only changes when the TUI does):
`python -m tests.tui.make_screenshot`."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from release_captain.service import Captain
from release_captain.testing import FakeClock, harness
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


async def main() -> None:
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    os.environ["TZ"] = "UTC"
    time.tzset()
    captain, clock = busy_captain(Path(tempfile.mkdtemp()))
    app = make_app(captain, refresh=0, clock=clock)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.refreshed()
        await pilot.pause()
        app.save_screenshot("screenshot-board.svg", path=str(DOCS))


if __name__ == "__main__":
    asyncio.run(main())
