"""`captain status` says when the newest version is expected through the last stage
(issue 15): one line for people, an additive `forecast` object in `--json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing import harness
from tests.cli.test_forecast import PIPELINE, invoke, project, seconds

__all__ = ["project"]

#: The forecast test's pipeline without the production freeze: v2 can get through.
OPEN = PIPELINE.replace('blockers = ["freeze"]\n', "")


@pytest.fixture
def open_project(tmp_path: Path) -> Path:
    """v1 passed beta and waits for a person at gamma; production is open."""
    h = harness(tmp_path, OPEN, script={"deploy": 0, "check": 0})
    h.sources["app"].commit_to("aaaa1111")
    h.announce_commit()
    h.settle()
    h.store.close()
    return tmp_path


def status(project: Path, *args: str) -> Result:
    result = CliRunner().invoke(app, ["status", *args, "-c", str(project / "pipeline.toml")])
    assert result.exit_code == 0, result.output
    return result


def test_status_json_gives_when_the_newest_version_passes_the_last_stage(
    open_project: Path,
) -> None:
    doc = json.loads(status(open_project, "--json").output)
    whole = {
        s["name"]: s
        for s in json.loads(invoke(open_project, "forecast", "--json").output)["stages"]
    }
    outlook = doc["forecast"]
    assert (outlook["version"], outlook["stage"], outlook["state"]) == (
        "v1",
        "prod-wave-2",
        "forecast",
    )
    assert seconds(outlook["pass_at"]) == pytest.approx(
        seconds(whole["prod-wave-2"]["pass_at"]), abs=1
    )
    assert outlook["waits_for"] == [{"stage": "gamma", "reason": "manual-approval"}]


def test_plain_status_says_it_in_one_line(open_project: Path) -> None:
    lines = status(open_project).output.splitlines()
    line = next(line for line in lines if line.startswith("v1 expected"))
    assert "through prod-wave-2 at " in line
    assert "(in " in line and line.endswith("waits for manual-approval in gamma")


def test_a_version_held_past_the_horizon_is_not_expected(project: Path) -> None:
    doc = json.loads(status(project, "--json").output)
    assert doc["forecast"]["state"] == "never" and doc["forecast"]["pass_at"] is None
    assert {"stage": "prod-wave-1", "reason": "blocker:freeze"} in doc["forecast"]["waits_for"]
    line = next(x for x in status(project).output.splitlines() if x.startswith("v2 "))
    assert line.startswith("v2 is not expected through prod-wave-2, waits for ")
    assert "blocker:freeze in prod-wave-1" in line


def test_before_any_version_the_forecast_is_null(tmp_path: Path) -> None:
    h = harness(tmp_path, OPEN, script={"deploy": 0, "check": 0})
    h.store.close()
    doc = json.loads(status(tmp_path, "--json").output)
    assert doc["forecast"] is None
    assert not any(" expected " in x for x in status(tmp_path).output.splitlines())
