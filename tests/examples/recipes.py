"""The recipes of `examples/` as a user takes them: the recipe's sample project made into
a git repository, with the recipe's `pipeline.toml` and `deploy/` copied to its root and
committed on `main`, and the real `captain` command run there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from release_captain.testing_git import commit, git, init_repo

#: examples/ at the root of the repository (it ships in the sdist, not in the package).
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECIPES = sorted(p.parent.name for p in EXAMPLES.glob("*/pipeline.toml"))


@dataclass
class Copied:
    """A user's repository holding one recipe."""

    root: Path

    def captain(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `captain ARGS` in the repository, with this Python's folder first on PATH
        (as in an activated virtualenv), so the recipes' `python3` is the one running us."""
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return subprocess.run(
            [sys.executable, "-m", "release_captain", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=os.environ | {"PYTHONUNBUFFERED": "1", "PATH": path},
        )

    def run_until_idle(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.captain("run", "--headless", "--until-idle", timeout=timeout)

    def commit(self, message: str, **files: str) -> str:
        return commit(self.root, files, message)


def copy_recipe(name: str, dest: Path) -> Copied:
    """What a recipe's README tells a user to do, in a fresh repository at `dest`."""
    recipe = EXAMPLES / name
    shutil.copytree(recipe / "sample", dest)
    shutil.copy2(recipe / "pipeline.toml", dest / "pipeline.toml")
    shutil.copytree(recipe / "deploy", dest / "deploy")
    init_repo(dest)
    git(dest, "add", "-A")
    commit(dest, {}, f"Ship with the {name} recipe")
    return Copied(dest)


def stage_names(copied: Copied) -> list[str]:
    """Every stage of the pipeline, waves expanded, from `captain status --json`."""
    done = copied.captain("status", "--json")
    assert done.returncode == 0, done.stderr
    return [stage["name"] for stage in json.loads(done.stdout)["stages"]]
