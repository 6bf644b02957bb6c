"""The CAPTAIN_* environment of every command (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

from release_captain.runtime.environment import command_env, env_name


def test_deploy_environment(tmp_path: Path) -> None:
    env = command_env(
        {"PATH": "/bin", "CAPTAIN_OUT": "stale", "CAPTAIN_VAR_OLD": "stale", "KEEP": "1"},
        pipeline="sample-service",
        action="deploy",
        version="v12",
        commits={"app": "a" * 40, "shared-lib.v2": "b" * 40},
        primary="app",
        artefacts=tmp_path / "artefacts" / "versions" / "v12",
        state_dir=tmp_path,
        pipeline_dir=tmp_path / "pipeline",
        stage="prod-wave-2",
        target="eu-west-1",
        onebox=True,
        previous_version="v11",
        checkout=str(tmp_path / "checkouts" / "v12"),
        vars=(("port", "8201"), ("db-host.name", "db1")),
    )
    captain = {k: v for k, v in env.items() if k.startswith("CAPTAIN_")}
    assert captain == {
        "CAPTAIN_PIPELINE": "sample-service",
        "CAPTAIN_ACTION": "deploy",
        "CAPTAIN_VERSION": "v12",
        "CAPTAIN_COMMIT": "a" * 40,
        "CAPTAIN_COMMIT_APP": "a" * 40,
        "CAPTAIN_COMMIT_SHARED_LIB_V2": "b" * 40,
        "CAPTAIN_ARTEFACTS": str(tmp_path / "artefacts" / "versions" / "v12"),
        "CAPTAIN_STATE_DIR": str(tmp_path),
        "CAPTAIN_PIPELINE_DIR": str(tmp_path / "pipeline"),
        "CAPTAIN_CHECKOUT": str(tmp_path / "checkouts" / "v12"),
        "CAPTAIN_STAGE": "prod-wave-2",
        "CAPTAIN_TARGET": "eu-west-1",
        "CAPTAIN_ONEBOX": "1",
        "CAPTAIN_PREVIOUS_VERSION": "v11",
        "CAPTAIN_VAR_PORT": "8201",
        "CAPTAIN_VAR_DB_HOST_NAME": "db1",
    }
    assert env["PATH"] == "/bin" and env["KEEP"] == "1"


def test_build_environment_has_out_sources_and_extra(tmp_path: Path) -> None:
    env = command_env(
        {},
        pipeline="p",
        action="build",
        version="v1",
        commits={"app": "c" * 40},
        primary="app",
        artefacts=tmp_path / "out",
        state_dir=tmp_path,
        pipeline_dir=tmp_path,
        out=tmp_path / "out",
        sources={"app": tmp_path / "w" / "app", "docs": tmp_path / "w" / "docs"},
        extra={"CAPTAIN_COMMIT_MESSAGE": "fix $(touch PWNED)", "CAPTAIN_COMMIT_AUTHOR": "Ada"},
    )
    assert env["CAPTAIN_OUT"] == str(tmp_path / "out")
    assert env["CAPTAIN_SOURCE_APP"] == str(tmp_path / "w" / "app")
    assert env["CAPTAIN_SOURCE_DOCS"] == str(tmp_path / "w" / "docs")
    assert env["CAPTAIN_COMMIT_MESSAGE"] == "fix $(touch PWNED)"
    assert env["CAPTAIN_ONEBOX"] == "0"
    assert env["CAPTAIN_STAGE"] == "" and env["CAPTAIN_PREVIOUS_VERSION"] == ""


def test_out_and_checkout_only_when_given(tmp_path: Path) -> None:
    """A captain run from inside another's step must not hand its tree to a build."""
    env = command_env(
        {"CAPTAIN_OUT": "/inherited", "CAPTAIN_CHECKOUT": "/inherited"},
        pipeline="p",
        action="approval",
        version="v1",
        commits={},
        primary="app",
        artefacts=tmp_path,
        state_dir=tmp_path,
        pipeline_dir=tmp_path,
    )
    assert "CAPTAIN_OUT" not in env and "CAPTAIN_CHECKOUT" not in env
    assert env["CAPTAIN_COMMIT"] == ""


def test_env_name() -> None:
    assert env_name("eu-west.1") == "EU_WEST_1"
    assert env_name("already_OK_9") == "ALREADY_OK_9"
