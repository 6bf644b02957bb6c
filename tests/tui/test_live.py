"""The TUI over a live state: it shows what another process records within two
seconds, and with the engine in the same process it stays responsive while a slow
deploy runs."""

from __future__ import annotations

import time
from pathlib import Path

from release_captain.service import Captain
from release_captain.testing_git import commit, init_repo
from release_captain.tui import make_app
from release_captain.tui.screens.versions import VersionsScreen
from tests.tui import states

SIZE = (120, 36)


async def test_a_new_version_shows_within_two_seconds_of_its_detection(tmp_path: Path) -> None:
    w = states.idle(tmp_path)
    viewer = Captain(w.h.pipeline, clock=w.h.clock)  # its own connection, as `captain tui`
    app = make_app(viewer, refresh=0.2, clock=w.h.clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await app.refreshed()
            assert app.board is not None and app.board.status.latest_version == 1
            w.commit("c3d4e5f6a7b8", "Gift cards")  # the engine records v2
            detected = time.monotonic()
            while app.board.status.latest_version != 2:
                assert time.monotonic() - detected <= 2.0, "v2 did not show within 2s"
                await pilot.pause(0.05)
            await pilot.pause()
            assert "latest v2" in str(app.screen.query_one("CaptainHeader").render())
    finally:
        viewer.close()


SLOW = """
[pipeline]
name = "slow"

[[sources]]
name = "app"
repo = "repo"

[build]
run = ["true"]

[defaults]
deploy = "sleep 3"

[[stages]]
name = "beta"
targets = ["local"]
"""


async def test_the_engine_in_the_app_never_freezes_the_screen(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"app.txt": "1"}, "First")
    (tmp_path / "pipeline.toml").write_text(SLOW)
    captain = Captain.from_config(tmp_path / "pipeline.toml")
    app = make_app(captain, engine=True, until_idle=True, refresh=0.2)
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 30
        while not (app.board and app.board.stage("beta").targets[0].state == "deploying"):
            assert time.monotonic() < deadline, (
                f"the deploy never started: engine done {app.engine_done.is_set()}, "
                f"error {app.engine_error!r}, history "
                f"{[(e.kind, e.detail) for e in captain.history()]}"
            )
            await pilot.pause(0.05)
        assert "engine running here" in str(app.screen.query_one("CaptainHeader").render())
        started = time.monotonic()
        await pilot.press("v")  # while `sleep 3` deploys
        assert isinstance(app.screen, VersionsScreen)
        # Handled while the deploy still runs: a screen waiting on it would not be.
        assert captain.status().stages[0].targets[0].state == "deploying"
        assert time.monotonic() - started < 3
        while not app.engine_done.is_set():
            assert time.monotonic() < deadline, "the engine did not get idle"
            await pilot.pause(0.1)
    assert app.engine_error is None
    assert captain.versions()[0].stages == {"beta": "passed"}
    captain.close()
