"""Builds the history the metrics screen's tests draw: five days of releases on the
board's pipeline, on a fake clock, so every figure and every chart is the same in
every run."""

from __future__ import annotations

from pathlib import Path

from release_captain.testing import Call
from tests.tui import states

DAY = 86400.0


def _deploy(w: states.World) -> object:
    """Deploys pass, but v6's fails on prod-wave-2/eu-west-1; rollbacks take 90 s."""

    def deploy(call: Call) -> int:
        env = call.env
        if env["CAPTAIN_ACTION"] == "rollback":
            w.h.clock.advance(90)
            return 0
        return int(env["CAPTAIN_VERSION"] == "v6" and env["CAPTAIN_STAGE"] == "prod-wave-2")

    return deploy


def _commit(w: states.World, sha: str, message: str, author: str, wrote: float) -> None:
    """A new head committed `wrote` seconds ago, seen by the engine at once."""
    committed = w.h.clock.now - wrote
    w.h.sources["app"].commit_to(sha, message, author, committed_at=committed)
    w.h.announce_commit()
    w.h.settle()


def _ship(w: states.World, sha: str, message: str, author: str, wrote: float) -> None:
    """A version through gamma's bake and prod's gate (approved after a 20 min wait)."""
    _commit(w, sha, message, author, wrote)
    w.h.advance(300)
    w.h.advance(1200)
    w.captain.approve("prod-wave-1", comment="ship it")
    w.h.settle()
    w.h.advance(600)
    w.h.advance(600)


def week(tmp_path: Path) -> states.World:
    """Day 1: v1 ships. Day 2: v2 and v3 ship. Day 3: a person rejects v4 in gamma.
    Day 5: v5 ships. Day 6: v6 passes prod's first wave but fails its deploy in the
    second, whose targets roll back to v5 in 90 s each; v6 is rejected there. Now is
    three hours later."""
    w = states.world(tmp_path)
    w.h.runner.script["true"] = _deploy(w)  # type: ignore[assignment]
    _ship(w, "a1b2c3d4e5f6", "Add the basket page", "Ada", 3600)
    w.h.advance(DAY)
    _ship(w, "b2c3d4e5f6a7", "Faster checkout", "Grace", 7200)
    _ship(w, "c3d4e5f6a7b8", "Taxes at checkout", "Linus", 1800)
    w.h.advance(DAY)
    _commit(w, "d4e5f6a7b8c9", "Bigger buttons", "Ada", 600)
    w.h.advance(120)
    w.captain.reject("gamma", version=4, comment="buttons overlap on phones")
    w.h.settle()
    w.h.advance(2 * DAY)
    _ship(w, "e5f6a7b8c9d0", "Faster search", "Grace", DAY)
    w.h.advance(DAY)
    _commit(w, "f6a7b8c9d0e1", "New search index", "Linus", 5400)
    w.h.advance(300)
    w.h.advance(1200)
    w.captain.approve("prod-wave-1", comment="ship it")
    w.h.settle()
    w.h.advance(600)
    w.h.advance(3 * 3600)
    return w
