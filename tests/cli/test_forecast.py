"""`captain forecast`: SPEC §10's JSON shape for every stage state, the plain table,
and the errors of a bad version."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing import Call, harness

PIPELINE = """
[pipeline]
name = "cli"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "deploy"
timeout = "5m"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "check" }]

[[stages]]
name = "gamma"
promotion = "manual"
targets = ["r1", "r2"]
approvals = [{ name = "soak", wait = "10m" }]

[[stages]]
name = "prod"
waves = [["r1"], ["r2"]]
blockers = ["freeze"]

[blockers.freeze]
deny = ["2000-01-01..2199-12-31"]
"""

TIME = {"type": ["string", "null"], "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
#: SPEC §10's shape of `captain forecast --json`.
SCHEMA = {
    "type": "object",
    "required": ["version", "now", "stages"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "string", "pattern": r"^v\d+$"},
        "now": {**TIME, "type": "string"},
        "stages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "state", "enter_at", "pass_at", "waits_for"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "state": {"enum": ["passed", "in-flight", "forecast", "rejected", "never"]},
                    "enter_at": TIME,
                    "pass_at": TIME,
                    "waits_for": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """v1 fails beta's check; v2 passes beta and waits for a person at gamma."""

    def check(call: Call) -> int:
        return 1 if call.env["CAPTAIN_VERSION"] == "v1" else 0

    h = harness(tmp_path, PIPELINE, script={"deploy": 0, "check": check})
    for sha in ("aaaa1111", "bbbb2222"):
        h.sources["app"].commit_to(sha)
        h.announce_commit()
        h.settle()
    h.store.close()
    return tmp_path


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "-c", str(project / "pipeline.toml")])


def forecast(project: Path, *args: str) -> dict[str, dict[str, object]]:
    result = invoke(project, "forecast", *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    jsonschema.validate(data, SCHEMA)
    return {s["name"]: s for s in data["stages"]}


def seconds(text: object) -> float:
    assert isinstance(text, str)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_forecast_of_the_newest_version_follows_the_spec(project: Path) -> None:
    stages = forecast(project)
    assert stages["beta"]["state"] == "passed"
    assert stages["beta"]["enter_at"] is not None and stages["beta"]["pass_at"] is not None
    gamma = stages["gamma"]
    assert gamma["state"] == "forecast"
    assert gamma["waits_for"] == ["manual-approval"]
    # A never-run deploy takes a tenth of its 5m timeout, then the 10m soak.
    assert seconds(gamma["pass_at"]) - seconds(gamma["enter_at"]) == pytest.approx(630, abs=1)
    wave = stages["prod-wave-1"]
    assert (wave["state"], wave["enter_at"], wave["pass_at"]) == ("never", None, None)
    assert wave["waits_for"] == ["blocker:freeze"]
    assert stages["prod-wave-2"]["state"] == "never"


def test_a_rejected_version_is_rejected_there_and_never_further(project: Path) -> None:
    stages = forecast(project, "v1")
    assert stages["beta"]["state"] == "rejected"
    assert stages["beta"]["enter_at"] is not None and stages["beta"]["pass_at"] is None
    assert [s["state"] for s in list(stages.values())[1:]] == ["never"] * 3


def test_the_plain_forecast_is_one_table(project: Path) -> None:
    result = invoke(project, "forecast", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("v2 forecast at ")
    assert lines[1].split() == [
        "stage",
        "state",
        "enters",
        "passes",
        "in",
        "how",
        "long",
        "waits",
        "for",
    ]
    gamma = next(line for line in lines if line.startswith("gamma"))
    assert "forecast" in gamma and "manual-approval" in gamma and "in 10m" in gamma
    assert "blocker:freeze" in next(line for line in lines if line.startswith("prod-wave-1"))


@pytest.mark.parametrize(("version", "message"), [("v9", "no version v9"), ("zz", "no version")])
def test_an_unknown_version_is_a_conflict_in_one_sentence(
    project: Path, version: str, message: str
) -> None:
    result = invoke(project, "forecast", version)
    assert result.exit_code == 3
    assert message in result.output and "Traceback" not in result.output
