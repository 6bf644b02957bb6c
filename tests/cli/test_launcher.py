"""The CLI opens the TUI only through the launcher the console script plugs in, so no
module of `release_captain.cli` imports Textual."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from release_captain.cli import app, launcher

PIPELINE = (
    '[pipeline]\nname = "p"\n[[sources]]\nname = "app"\nrepo = "r"\n'
    '[[stages]]\nname = "beta"\ntargets = ["t"]\ndeploy = "true"\n'
)


class FakeTui:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def show(self, captain: object, *, readonly: bool, notify: bool = False) -> None:
        self.calls.append(("show", {"readonly": readonly, "notify": notify}))

    def run(self, captain: object, *, until_idle: bool, notify: bool = False) -> None:
        self.calls.append(("run", {"until_idle": until_idle, "notify": notify}))

    def demo(self, pipeline: object) -> None:
        self.calls.append(("demo", {}))


@pytest.fixture
def fake() -> Iterator[FakeTui]:
    tui = FakeTui()
    launcher.set_tui(tui)
    yield tui
    launcher.set_tui(None)


def test_captain_tui_opens_the_plugged_in_tui(tmp_path: Path, fake: FakeTui) -> None:
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    result = CliRunner().invoke(app, ["tui", "--readonly", "-c", str(tmp_path / "pipeline.toml")])
    assert result.exit_code == 0, result.output
    assert fake.calls == [("show", {"readonly": True, "notify": False})]


def test_captain_tui_notify_asks_the_tui_to_ring(tmp_path: Path, fake: FakeTui) -> None:
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    config = str(tmp_path / "pipeline.toml")
    result = CliRunner().invoke(app, ["tui", "--readonly", "--notify", "-c", config])
    assert result.exit_code == 0, result.output
    assert fake.calls == [("show", {"readonly": True, "notify": True})]


def test_without_a_tui_plugged_in_the_command_says_so(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    result = CliRunner().invoke(app, ["tui", "-c", str(tmp_path / "pipeline.toml")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "--headless" in result.output


def test_the_console_script_plugs_in_textual_without_importing_it() -> None:
    code = (
        "import sys\nfrom release_captain import entry\nfrom release_captain.cli import launcher\n"
        "entry.launcher.set_tui(entry.TextualTui())\n"
        "print(type(launcher.tui()).__name__, 'textual' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["TextualTui", "False"]


def test_the_console_script_is_the_entry_module() -> None:
    import tomllib

    pyproject = Path(__file__).parent.parent.parent / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    assert scripts == {"captain": "release_captain.entry:main"}
