"""`captain metrics` from the command line: SPEC §10's JSON for scripts, a table for
people, and one sentence with exit 2 for a bad `--since`. The history is made on a
fake clock set two hours before the real one, since the command reads the real clock."""

from __future__ import annotations

import json
import time
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

[[stages]]
name = "prod"
targets = ["r1", "r2"]
approvals = [{ name = "check", run = "check" }]
"""

STAGE_KEYS = {
    "name",
    "deployments",
    "passed",
    "rejected",
    "rolled_back",
    "change_failure_rate",
    "median_time_in_stage_s",
    "median_waiting_for_person_s",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """v1 passes both stages (committed 100 s before it is detected); v2 fails its check
    on prod/r1, which is rolled back."""
    h = harness(tmp_path, PIPELINE, script={"deploy": 0, "check": 0})
    h.runner.script["check"] = lambda call: int(
        call.env["CAPTAIN_VERSION"] == "v2" and call.env["CAPTAIN_TARGET"] == "r1"
    )
    h.clock.now = time.time() - 7200
    for sha in ("aaaa1111", "bbbb2222"):
        h.sources["app"].commit_to(sha, committed_at=h.clock.now - 100)
        h.announce_commit()
        h.settle()
        h.clock.advance(60)
    h.reconciler.stop()
    h.store.close()
    return tmp_path


def invoke(project: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["metrics", *args, "-c", str(project / "pipeline.toml")])


def test_metrics_json_has_spec_10_s_shape_and_the_history_s_figures(project: Path) -> None:
    result = invoke(project, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"since", "until", "stages", "delivery"}
    assert doc["since"].endswith("Z") and doc["until"].endswith("Z")
    assert doc["since"] < doc["until"]
    beta, prod = doc["stages"]
    assert set(beta) == set(prod) == STAGE_KEYS
    assert (beta["name"], beta["deployments"], beta["passed"]) == ("beta", 2, 2)
    assert (prod["deployments"], prod["passed"], prod["rejected"]) == (2, 1, 1)
    assert (prod["rolled_back"], prod["change_failure_rate"]) == (1, 0.5)
    delivery = doc["delivery"]
    assert set(delivery) == {
        "stage",
        "deployment_frequency_per_day",
        "lead_time_s",
        "time_to_restore_s",
    }
    assert delivery["stage"] == "prod"
    assert delivery["deployment_frequency_per_day"] == pytest.approx(1 / 30, abs=1e-4)
    assert delivery["lead_time_s"] == {"median": 100.0, "p90": 100.0}
    assert delivery["time_to_restore_s"] == {"median": 0.0, "p90": 0.0}


def test_metrics_with_a_since_excluding_everything_counts_zero_and_rates_null(
    project: Path,
) -> None:
    result = invoke(project, "--json", "--since", "1h")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    for stage in doc["stages"]:
        counts = [stage[k] for k in ("deployments", "passed", "rejected", "rolled_back")]
        assert counts == [0, 0, 0, 0]
        assert stage["change_failure_rate"] is None
        assert stage["median_time_in_stage_s"] is None
        assert stage["median_waiting_for_person_s"] is None
    assert doc["delivery"]["deployment_frequency_per_day"] == 0.0
    assert doc["delivery"]["lead_time_s"] == {"median": None, "p90": None}
    assert doc["delivery"]["time_to_restore_s"] == {"median": None, "p90": None}


def test_metrics_for_people_is_a_table_of_stages_and_the_delivery_figures(
    project: Path,
) -> None:
    result = invoke(project)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (prod,) = [line for line in lines if line.startswith("prod ")]
    assert prod.split()[:6] == ["prod", "2", "1", "1", "1", "50%"]
    assert any(line.split()[:3] == ["lead", "time", "median"] for line in lines)
    assert "1m40s" in result.stdout  # the lead time, as people read it


@pytest.mark.parametrize(
    ("since", "says"),
    [("soon", "is not a duration"), ("-2d", "negative"), ("400d", "more than 365 days")],
)
def test_a_bad_since_is_one_sentence_and_exit_2(project: Path, since: str, says: str) -> None:
    result = invoke(project, "--since", since)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("captain: --since: ") and says in line
