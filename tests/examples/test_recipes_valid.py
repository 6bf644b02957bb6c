"""Every recipe of examples/ is complete, passes `captain validate` once copied into a
repository as its README says, and validates against `captain schema` (issue 13, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

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


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """What `captain schema` prints, as an editor would read it."""
    done = subprocess.run(
        [sys.executable, "-m", "release_captain", "schema"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", RECIPES)
def test_a_recipe_validates_against_the_schema(name: str, schema: dict[str, Any]) -> None:
    data = tomllib.loads((EXAMPLES / name / "pipeline.toml").read_text(encoding="utf-8"))
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(data)
    ]
    assert errors == []
