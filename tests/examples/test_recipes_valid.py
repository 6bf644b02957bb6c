"""Every recipe of examples/ is complete and passes `captain validate` once copied into a
repository as its README says (issue 13, item 6)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.examples.recipes import EXAMPLES, RECIPES, copy_recipe


def test_every_recipe_folder_is_found() -> None:
    assert RECIPES == ["container", "python-wheel", "service", "static-site"]


def test_the_index_names_every_recipe() -> None:
    index = (EXAMPLES / "README.md").read_text()
    for name in RECIPES:
        assert f"]({name}/)" in index, f"examples/README.md does not link {name}/"


@pytest.mark.parametrize("name", RECIPES)
def test_a_recipe_has_its_parts(name: str) -> None:
    recipe = EXAMPLES / name
    for part in ("README.md", "pipeline.toml", "deploy", "sample"):
        assert (recipe / part).exists(), f"{name} has no {part}"
    assert ".captain/" in (recipe / "sample" / ".gitignore").read_text()


@pytest.mark.parametrize("name", RECIPES)
def test_a_recipes_scripts_are_executable_and_parse(name: str) -> None:
    for script in sorted((EXAMPLES / name / "deploy").iterdir()):
        if script.suffix == ".sh":
            done = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
            assert done.returncode == 0, f"{script}: {done.stderr}"
        if script.name != "tool.sh":  # sourced, never run
            assert os.access(script, os.X_OK), f"{script} is not executable"


@pytest.mark.parametrize("name", RECIPES)
def test_a_copied_recipe_passes_validate(name: str, tmp_path: Path) -> None:
    copied = copy_recipe(name, tmp_path / "repo")
    done = copied.captain("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pipeline.toml is valid" in done.stdout
