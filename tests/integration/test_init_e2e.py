"""SPEC §9 acceptance of `captain init`: in a fresh repository, what it writes passes
`captain validate` and, unchanged, takes the head through every stage with `captain run
--headless --until-idle` on this machine (issue 13).

The Python project is flat (its package at the root, beside tests/), so a test run that
imported the checkout's source instead of the installed wheel would fail its
`site-packages` assertion. It builds with a backend of its own (PEP 517 `backend-path`,
no requirements), and pip is kept off any package index: the run needs no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from release_captain.testing_git import commit, init_repo

pytestmark = pytest.mark.slow

BACKEND = '''\
"""A PEP 517 backend of a few lines, so the test builds a wheel without an index."""
import base64, hashlib, os, zipfile

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist, wheel = "tinypkg-0.1.0.dist-info", "tinypkg-0.1.0-py3-none-any.whl"
    files = {
        "tinypkg/__init__.py": open("tinypkg/__init__.py", "rb").read(),
        dist + "/METADATA": b"Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 0.1.0\\n",
        dist + "/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(data)}")
        archive.writestr(dist + "/RECORD", "\\n".join(record + [dist + "/RECORD,,"]) + "\\n")
    return wheel
'''

PYTHON_PROJECT = {
    "pyproject.toml": (
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "backend"\n'
        'backend-path = ["_build"]\n\n'
        "[project]\n"
        'name = "tinypkg"\n'
        'version = "0.1.0"\n'
    ),
    "_build/backend.py": BACKEND,
    "tinypkg/__init__.py": "def answer():\n    return 42\n",
    "tests/test_tiny.py": (
        "import tinypkg\n\n\n"
        "def test_answer():\n"
        "    assert tinypkg.answer() == 42\n\n\n"
        "def test_it_is_the_installed_wheel_that_answers():\n"
        '    assert "site-packages" in tinypkg.__file__, tinypkg.__file__\n'
    ),
}

OTHER_PROJECT = {
    "README.md": "# a shell tool\n",
    "bin/hello": "#!/bin/sh\necho hello\n",
}


def captain(folder: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    # python3 is this interpreter, whose packages (pytest) the target venvs see; pip
    # reads no index, so nothing leaves the machine.
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "release_captain", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def init_validate_run(repo: Path) -> float:
    """`captain init`, `validate`, `run --headless --until-idle`; the run's seconds."""
    done = captain(repo, "init")
    assert done.returncode == 0, done.stdout + done.stderr
    done = captain(repo, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    start = time.monotonic()
    done = captain(repo, "run", "--headless", "--until-idle")
    took = time.monotonic() - start
    logs = "\n".join(
        f"== {log}\n{log.read_text()}"
        for log in sorted((repo / ".captain" / "logs").rglob("*.log"))
    )
    assert done.returncode == 0, done.stdout + done.stderr + logs
    status = json.loads(captain(repo, "status", "--json").stdout)
    passed = {stage["name"]: stage["passed"] for stage in status["stages"]}
    assert passed == dict.fromkeys(["beta", "gamma", "prod-wave-1", "prod-wave-2"], "v1"), logs
    return took


def test_a_python_project_goes_through_every_stage_and_rolls_back(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "tinypkg")
    commit(repo, PYTHON_PROJECT, "a tiny package with one test")
    init_validate_run(repo)
    tests_log = next((repo / ".captain" / "logs" / "v1" / "beta").rglob("*tests.log"))
    assert "2 passed" in tests_log.read_text()
    # The next commit keeps the version string 0.1.0, as real projects' commits do: the
    # rollback must still put the first commit's code back.
    commit(
        repo,
        {
            "tinypkg/__init__.py": "def answer():\n    return 43\n",
            "tests/test_tiny.py": PYTHON_PROJECT["tests/test_tiny.py"].replace("42", "43"),
        },
        "a new answer",
    )
    done = captain(repo, "run", "--headless", "--until-idle")
    assert done.returncode == 0, done.stdout + done.stderr
    region = repo / ".captain" / "targets" / "prod-wave-2" / "region-2"
    installed = region / "venv" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    source = installed / "site-packages" / "tinypkg" / "__init__.py"
    assert "return 43" in source.read_text()
    done = captain(repo, "rollback", "prod-wave-2/region-2", "--reason", "test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "return 42" in source.read_text()


def test_any_other_repository_goes_through_every_stage(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "tool")
    commit(repo, OTHER_PROJECT, "a shell tool")
    init_validate_run(repo)
    current = repo / ".captain" / "targets" / "prod-wave-2" / "region-2" / "current"
    assert (current / "bin" / "hello").read_text() == OTHER_PROJECT["bin/hello"]


def test_a_repository_whose_head_holds_no_files_goes_through_every_stage(
    tmp_path: Path,
) -> None:
    """A first, empty commit (`git commit --allow-empty`) is a release of nothing: every
    stage takes it, rather than gamma's health check calling an empty release unhealthy."""
    repo = init_repo(tmp_path / "fresh")
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "start"], check=True
    )
    init_validate_run(repo)
