"""`captain logs` streams a step's log to stdout: its memory stays flat however big the
log is (issue 12, finding 8), and the bytes arrive exactly as written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.service.shapes import LogView
from release_captain.testing import harness

PIPELINE = """
[pipeline]
name = "logs"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
"""

BIG = 200 * 1024 * 1024

#: Runs `captain logs` with stdout into a pipe it drains, then prints the child's peak
#: RSS (KiB), the bytes it printed, and their last 200 bytes.
MEASURE = """
import json, resource, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
total, tail = 0, b""
while chunk := child.stdout.read(1 << 20):
    total += len(chunk)
    tail = (tail + chunk)[-200:]
err = child.stderr.read()
code = child.wait()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "peak_kib": peak, "total": total,
                  "tail": tail.decode("latin-1"), "stderr": err.decode()}))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    h = harness(tmp_path, PIPELINE, script={"deploy": 0})
    h.sources["app"].commit_to("aaaa1111", message="first")
    h.announce_commit()
    h.settle()
    h.store.close()
    return tmp_path


def _deploy_log(project: Path) -> Path:
    logs = sorted((project / ".captain" / "logs").rglob("*.log"))
    assert logs, "the deploy wrote no log"
    return logs[0]


def test_a_200_mb_log_is_printed_with_flat_memory(project: Path) -> None:
    log = _deploy_log(project)
    start = log.stat().st_size
    with open(log, "r+b") as handle:
        handle.truncate(BIG)  # sparse: 200 MB of NULs, made at once
        handle.seek(BIG)
        handle.write(b"the very last line \xff\n")
    argv = [sys.executable, "-m", "release_captain", "logs", "v1", "beta/local"]
    argv += ["-c", str(project / "pipeline.toml")]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=project,
    )
    result = json.loads(done.stdout)
    assert result["code"] == 0, result["stderr"]
    assert result["tail"].endswith("the very last line \xff\n")
    assert result["total"] > BIG + 20 - start
    assert result["peak_kib"] < 100 * 1024, f"peak RSS {result['peak_kib'] // 1024} MB"


def test_the_log_is_printed_verbatim_after_its_step_line(project: Path) -> None:
    log = _deploy_log(project)
    with open(log, "ab") as handle:
        handle.write("naïve output\nno newline at the end".encode())
    done = CliRunner().invoke(
        app, ["logs", "v1", "beta/local", "-c", str(project / "pipeline.toml")]
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("==> deploy: passed")
    assert done.stdout.endswith(log.read_text())


def test_the_tui_gets_a_bounded_tail_of_a_big_log(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    log.write_bytes(b"first line\n" + b"x" * (3 << 20) + b"\nlast line\n")
    view = LogView(step=None, path=log)  # type: ignore[arg-type]
    text = view.text
    assert len(text) <= (1 << 20) + 200
    assert text.endswith("last line\n") and "first line" not in text
    assert "not shown" in text.splitlines()[0]
    assert LogView(step=None, path=tmp_path / "missing.log").text == ""  # type: ignore[arg-type]
