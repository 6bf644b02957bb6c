"""`captain tui` is a command of the CLI that loads Textual only when it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import release_captain.cli.tui  # noqa: F401 - registers the command
from release_captain.cli.app import app


def test_captain_tui_has_help_with_readonly() -> None:
    result = CliRunner().invoke(app, ["tui", "--help"])
    assert result.exit_code == 0, result.output
    assert "--readonly" in result.output and "--config" in result.output


def test_the_command_module_does_not_load_textual() -> None:
    code = "import sys, release_captain.cli.tui; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_missing_pipeline_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["tui", "-c", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
