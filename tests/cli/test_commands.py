"""The CLI's contract with scripts: JSON shapes of SPEC §6, exit codes, one-sentence
errors, and help for every command (each also named in the README)."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from release_captain.cli import app
from release_captain.testing import harness

PIPELINE = """
[pipeline]
name = "cli"

[[sources]]
name = "app"
repo = "repo"

[defaults]
deploy = "deploy"

[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "check", run = "check" }]

[[stages]]
name = "prod"
promotion = "manual"
targets = ["r1", "r2"]
blockers = ["freeze"]

[blockers.freeze]
deny = ["{freeze}"]
"""

#: A freeze ten days from now, so its next change is within the 400-day horizon.
FREEZE = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    h = harness(tmp_path, PIPELINE.replace("{freeze}", FREEZE), script={"deploy": 0, "check": 0})
    for sha in ("aaaa1111", "bbbb2222"):
        h.sources["app"].commit_to(sha, message=f"change {sha}")
        h.announce_commit()
        h.settle()
    h.store.close()
    return tmp_path


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "-c", str(project / "pipeline.toml")])


def test_versions_json_has_the_fields_of_the_spec(project: Path) -> None:
    done = invoke(project, "versions", "--json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert [r["version"] for r in rows] == ["v2", "v1"]
    assert set(rows[0]) == {"version", "commit", "author", "message", "build", "stages"}
    assert rows[0]["build"] == "succeeded" and rows[0]["stages"] == {"beta": "passed"}
    assert rows[1]["stages"] == {"beta": "passed"}


def test_history_json_is_one_event_object_a_line(project: Path) -> None:
    done = invoke(project, "history", "--json", "--stage", "beta", "--limit", "3")
    lines = done.stdout.splitlines()
    assert done.exit_code == 0 and len(lines) == 3
    events = [json.loads(line) for line in lines]
    assert all(
        set(e) == {"id", "at", "kind", "version", "stage", "target", "actor", "detail"}
        for e in events
    )
    assert all(e["stage"] == "beta" for e in events)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["at"]) for e in events)
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_where_json_names_the_version_and_its_state_per_stage(project: Path) -> None:
    done = invoke(project, "where", "bbbb", "--json")
    assert done.exit_code == 0, done.output
    view = json.loads(done.stdout)
    assert view["version"] == "v2"
    states = {s["stage"]: s["state"] for s in view["stages"]}
    assert states == {"beta": "passed", "prod": "waiting"}


def test_blockers_json_says_active_and_next_change(project: Path) -> None:
    (view,) = json.loads(invoke(project, "blockers", "--json").stdout)
    assert view["name"] == "freeze" and view["active"] is False
    assert view["next_change"][:10] in (FREEZE, _day_before(FREEZE))  # local midnight, UTC
    assert view["stages"] == ["prod"]


def _day_before(day: str) -> str:
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


def test_logs_show_each_step_of_a_rollout(project: Path) -> None:
    done = invoke(project, "logs", "v2", "beta/local")
    assert done.exit_code == 0
    assert "==> deploy: passed" in done.stdout and "==> check: passed" in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "sentence"),
    [
        (["logs", "v9", "beta/local"], 3, "there is no version v9"),
        (["logs", "v1", "nowhere/x"], 3, "no stage named 'nowhere'"),
        (["where", "zz"], 2, "is not a commit SHA"),
        (["approve", "beta"], 3, "nothing in beta waits for a person"),
        (["gate", "nowhere", "manual"], 3, "no stage named 'nowhere'"),
        (["history", "--stage", "nowhere"], 2, "no stage named 'nowhere'"),
    ],
)
def test_bad_requests_exit_with_their_code_and_one_sentence(
    project: Path, args: list[str], code: int, sentence: str
) -> None:
    done = invoke(project, *args)
    assert done.exit_code == code
    assert sentence in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.output


def test_approve_without_a_version_names_what_it_approved(project: Path) -> None:
    done = invoke(project, "approve", "prod", "--comment", "ok", "--json")
    assert done.exit_code == 0
    assert json.loads(done.stdout) == {
        "message": "approved v2 to enter prod",
        "stage": "prod",
        "version": "v2",
        "approved": "entry",
    }


COMMANDS = [
    "validate",
    "schema",
    "run",
    "status",
    "versions",
    "history",
    "logs",
    "where",
    "approve",
    "reject",
    "gate",
    "pause",
    "resume",
    "rollback",
    "blockers",
    "metrics",
    "tui",
    "demo",
    "init",
    "preview",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_a_readme_mention(command: str) -> None:
    done = CliRunner().invoke(app, [command, "--help"])
    assert done.exit_code == 0 and "Usage:" in done.stdout
    readme = (Path(__file__).parent.parent.parent / "README.md").read_text()
    assert f"captain {command}" in readme


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"captain {version('release-captain')}\n"
