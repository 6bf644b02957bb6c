"""`captain schema` (SPEC §9): prints the JSON Schema of pipeline.toml that editors read
through a `#:schema` line, and that schema judges pipeline files as `validate` does."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from release_captain.cli import app

ROOT = Path(__file__).parent.parent.parent


def test_schema_prints_a_draft_2020_12_schema_as_json() -> None:
    done = CliRunner().invoke(app, ["schema"])
    assert (done.exit_code, done.stderr) == (0, "")
    schema = json.loads(done.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert done.stdout.startswith('{\n  "$schema"')  # indented for people reading it


def test_the_printed_schema_accepts_the_repository_pipeline_and_refuses_a_typo() -> None:
    validator = Draft202012Validator(json.loads(CliRunner().invoke(app, ["schema"]).stdout))
    data = tomllib.loads((ROOT / "pipeline.toml").read_text(encoding="utf-8"))
    assert validator.is_valid(data)
    data["pipeline"]["nmae"] = "typo"
    assert not validator.is_valid(data)


def test_schema_takes_config_as_every_command_does(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["schema", "-c", str(tmp_path / "absent.toml")])
    assert done.exit_code == 0
    assert json.loads(done.stdout)["title"]


def test_schema_help_shows_the_line_editors_read() -> None:
    done = CliRunner().invoke(app, ["schema", "--help"])
    assert done.exit_code == 0
    assert "captain schema > pipeline.schema.json" in done.stdout
    assert "#:schema ./pipeline.schema.json" in done.stdout
