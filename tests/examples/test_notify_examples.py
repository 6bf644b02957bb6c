"""The notify scripts of `examples/notify/` pass `captain validate` in a pipeline that
names them, and are valid shell; they are never run here (no webhook, no desktop)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples" / "notify"
SCRIPTS = ("slack.sh", "desktop.sh")

PIPELINE = """
[pipeline]
name = "notified"

[[sources]]
name = "app"
repo = "https://example.com/app.git"

[[stages]]
name = "beta"
targets = ["local"]
deploy = "true"

[[notify]]
on = ["rollback.*", "stage.rejected", "approval.waiting"]
run = "sh notify/slack.sh"

[[notify]]
on = ["approval.waiting"]
run = "sh notify/desktop.sh"
timeout = "5s"
"""


def test_a_pipeline_naming_both_scripts_validates(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "notify")
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    done = subprocess.run(
        [sys.executable, "-m", "release_captain", "validate", "-c", "pipeline.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stdout


def test_the_readme_shows_the_tested_pipeline() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    assert PIPELINE.split("[[notify]]", 1)[1].strip() in readme


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_is_valid_shell(script: str) -> None:
    done = subprocess.run(["sh", "-n", str(EXAMPLES / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_notify_script_that_is_missing_is_named_by_validate(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    done = subprocess.run(
        [sys.executable, "-m", "release_captain", "validate", "-c", "pipeline.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "notify[0].run" in done.stderr and "notify/slack.sh" in done.stderr
