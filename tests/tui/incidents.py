"""Builds the states the incident and key-map tests draw: failures (a monitor's ALARM
in a bake), several prompts in several stages."""

from __future__ import annotations

from pathlib import Path

from tests.tui import states


def shipped(w: states.World, sha: str, message: str, author: str = "Ada") -> None:
    """A new version that goes all the way, through prod's gate."""
    w.commit(sha, message, author)
    w.h.advance(300)  # gamma's bake
    w.captain.approve("prod-wave-1", comment="ship it")
    w.h.settle()
    w.h.advance(600)
    w.h.advance(600)


def alarmed(tmp_path: Path) -> states.World:
    """v1, v2 and v3 went all the way; v4's bake in gamma met the `errors` monitor in
    ALARM at its first check (`errors` exited 1), so gamma's targets rolled back to
    v3, and v4 is rejected there."""
    w = states.idle(tmp_path)
    shipped(w, "b2c3d4e5f6a7", "Faster checkout", "Grace")
    shipped(w, "c3d4e5f6a7b8", "Taxes at checkout", "Linus")
    w.h.runner.script["errors"] = 1
    w.commit("d4e5f6a7b8c9", "Bigger buttons")
    w.h.advance(60)
    return w


# gamma and prod both wait for a person before a version enters them.
TWO_GATES_PIPELINE = states.PIPELINE.replace(
    'targets = ["us-east-1", "eu-west-1"]',
    'targets = ["us-east-1", "eu-west-1"]\npromotion = "manual"',
)


def two_gates(tmp_path: Path) -> states.World:
    """v1 waits at prod's gate, v2 at gamma's: two prompts in two stages."""
    w = states.world(tmp_path, TWO_GATES_PIPELINE)
    w.commit("a1b2c3d4e5f6", "Add the basket page")
    w.captain.approve("gamma", comment="go")
    w.h.settle()
    w.h.advance(300)
    w.commit("b2c3d4e5f6a7", "Faster checkout", author="Grace")
    return w
