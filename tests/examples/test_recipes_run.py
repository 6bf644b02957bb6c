"""The recipes that need no tool beyond Python run to completion as written: copied into
a fresh repository, `captain run --headless --until-idle` carries v1 through every stage
(issue 13, item 6). The container recipe runs only where docker or podman works."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.examples.recipes import EXAMPLES, Copied, copy_recipe, stage_names

pytestmark = pytest.mark.slow


def passes_everywhere(copied: Copied, version: str = "v1") -> None:
    done = copied.run_until_idle()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    versions = json.loads(copied.captain("versions", "--json").stdout)
    row = next(v for v in versions if v["version"] == version)
    stages = stage_names(copied)
    assert len(stages) == 3
    assert row["stages"] == dict.fromkeys(stages, "passed"), row


def test_static_site_reaches_every_region(tmp_path: Path) -> None:
    copied = copy_recipe("static-site", tmp_path / "repo")
    passes_everywhere(copied)
    current = tmp_path / "repo/.captain/sites/prod-wave-2/eu-west-1/current"
    assert current.is_symlink() and (current / "version.txt").read_text().startswith("v1 ")
    assert (current / "index.html").read_text() == (
        EXAMPLES / "static-site/sample/site/index.html"
    ).read_text()


def processes_under(folder: Path) -> list[int]:
    """Pids whose command line names something inside `folder`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(folder) in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Copied]:
    """The service recipe, its processes ended by its own stop_all.sh afterwards."""
    copied = copy_recipe("service", tmp_path / "repo")
    try:
        yield copied
    finally:
        subprocess.run([str(copied.root / "deploy/stop_all.sh"), str(copied.root / ".captain")])


def test_service_runs_in_every_region_and_stop_all_ends_it(service: Copied) -> None:
    passes_everywhere(service)
    services = service.root / ".captain/services"
    assert len(processes_under(services)) == 4  # one process per region, kept running
    done = subprocess.run(
        [str(service.root / "deploy/stop_all.sh"), str(service.root / ".captain")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "stopped 4 instance(s)" in done.stdout, done
    assert processes_under(services) == []


def installed(copied: Copied, stage: str, target: str) -> bytes:
    venv = copied.root / ".captain/venvs" / stage / target
    (module,) = venv.glob("lib/python*/site-packages/greeter/__init__.py")
    return module.read_bytes()


def test_python_wheel_rollback_reinstalls_the_last_good_code(tmp_path: Path) -> None:
    copied = copy_recipe("python-wheel", tmp_path / "repo")
    good = (copied.root / "src/greeter/__init__.py").read_bytes()
    passes_everywhere(copied)
    assert installed(copied, "prod-wave-2", "ap-southeast-2") == good

    # v2 keeps the version string 1.0.0 and breaks greet(): its own tests fail in beta.
    copied.commit(
        "Greet less warmly",
        **{
            "src/greeter/__init__.py": good.decode().replace('f"Hello, {name}!"', 'f"Bye, {name}."')
        },
    )
    done = copied.run_until_idle()
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert "v2 rejected in beta" in done.stdout.strip().splitlines()[-1]
    status = json.loads(copied.captain("status", "--json").stdout)
    (local,) = next(s for s in status["stages"] if s["name"] == "beta")["targets"]
    assert (local["version"], local["state"]) == ("v1", "rolled_back"), local
    # The rollback truly reinstalled v1's files, though pip saw 1.0.0 both times.
    assert installed(copied, "beta", "local") == good


def container_tool_works() -> bool:
    """A container tool whose daemon answers and that has the base image (no network)."""
    for tool in ("podman", "docker"):
        if shutil.which(tool):
            probe = subprocess.run(
                [tool, "image", "inspect", "docker.io/library/python:3.12-slim"],
                capture_output=True,
                timeout=30,
            )
            return probe.returncode == 0
    return False


@pytest.mark.skipif(
    not container_tool_works(), reason="no working docker/podman with the base image"
)
def test_container_runs_in_every_region(tmp_path: Path) -> None:
    copied = copy_recipe("container", tmp_path / "repo")
    try:
        passes_everywhere(copied)
    finally:
        subprocess.run([str(copied.root / "deploy/stop_all.sh")])
