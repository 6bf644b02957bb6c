"""A valid pipeline (the SPEC §3 example, plus defaults and vars) becomes the expected objects.

This is the contract with the engine and the runtime: waves are expanded, `[defaults]`
is merged into every stage, target vars are merged over stage vars, durations are
seconds and paths are absolute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.config import (
    Approval,
    Blocker,
    Build,
    Monitor,
    Onebox,
    Pipeline,
    Source,
    Target,
    load_pipeline,
    parse_pipeline,
)

PIPELINE = (Path(__file__).parent / "full_pipeline.toml").read_text(encoding="utf-8")


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    (tmp_path / "sample-repo").mkdir()
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE, encoding="utf-8")
    return load_pipeline(path)


def test_pipeline_and_paths(pipeline: Pipeline, tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert pipeline.name == "sample-service"
    assert pipeline.path == root / "pipeline.toml"
    assert pipeline.root == root
    assert pipeline.state_dir == root / ".captain"
    assert pipeline.max_parallel == 4


def test_sources(pipeline: Pipeline, tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert pipeline.sources == (
        Source(
            name="app",
            repo="sample-repo",
            branch="main",
            poll=2.0,
            is_url=False,
            path=root / "sample-repo",
        ),
        Source(
            name="lib",
            repo="git@example.com:org/lib.git",
            branch="release",
            poll=60.0,
            is_url=True,
            path=root / ".captain" / "mirrors" / "lib",
        ),
    )
    assert pipeline.primary.name == "app"


def test_build(pipeline: Pipeline) -> None:
    assert pipeline.build == Build(
        checks=("python -m compileall -q .",),
        run=('python -m pip wheel --no-deps -w "$CAPTAIN_OUT" .',),
        artefacts=("*.whl",),
        timeout=600.0,
    )


def test_waves_expand_into_stages(pipeline: Pipeline) -> None:
    assert [s.name for s in pipeline.stages] == [
        "beta",
        "gamma",
        "prod-wave-1",
        "prod-wave-2",
        "prod-wave-3",
    ]
    waves = [pipeline.stage(f"prod-wave-{n}") for n in (1, 2, 3)]
    assert [(s.group, s.wave, s.waves) for s in waves if s] == [
        ("prod", 1, 3),
        ("prod", 2, 3),
        ("prod", 3, 3),
    ]
    assert [[t.name for t in s.targets] for s in waves if s] == [
        ["us-west-2"],
        ["eu-west-1", "us-east-1"],
        ["ap-southeast-2", "eu-central-1", "ap-northeast-1"],
    ]
    beta = pipeline.stages[0]
    assert (beta.group, beta.wave, beta.waves) == ("beta", None, 0)


def test_every_wave_inherits_the_stage(pipeline: Pipeline) -> None:
    waves = pipeline.stages[2:]
    assert [s.name for s in waves] == ["prod-wave-1", "prod-wave-2", "prod-wave-3"]
    for stage in waves:
        assert stage.deploy == "scripts/deploy.sh"
        assert stage.timeout == 300.0
        assert stage.bake_after == 1800.0
        assert stage.blockers == ("holidays", "office-hours")
        assert stage.block_on_alarm == ("errors",)
        assert stage.onebox == Onebox(
            approvals=(
                Approval(name="onebox-bake", kind="bake", duration=300.0, monitors=("health",)),
            )
        )
        assert stage.approvals == (
            Approval(name="bake", kind="bake", duration=1200.0, monitors=("health", "errors")),
        )


def test_promotion_of_waves(pipeline: Pipeline) -> None:
    assert [s.promotion for s in pipeline.stages] == [
        "automatic",
        "manual",
        "manual",
        "manual",
        "manual",
    ]


def test_defaults_are_merged(pipeline: Pipeline) -> None:
    beta, gamma = pipeline.stages[:2]
    assert (beta.deploy, beta.timeout, beta.rollback) == ("scripts/deploy.sh", 120.0, False)
    assert (gamma.deploy, gamma.timeout, gamma.rollback) == ("scripts/deploy.sh", 300.0, True)
    assert beta.onebox is None
    assert beta.targets == (
        Target(name="local", vars=(("debug", "false"), ("region_kind", "cloud"))),
    )


def test_vars_merge_stage_then_target(pipeline: Pipeline) -> None:
    gamma = pipeline.stages[1]
    # gamma's own vars replace the defaults' vars; each target's win over the stage's.
    assert gamma.targets == (
        Target(name="us-east-1", vars=(("port", "8201"), ("ratio", "0.5"))),
        Target(name="eu-west-1", vars=(("debug", "true"), ("port", "8202"), ("ratio", "0.5"))),
    )
    wave3 = pipeline.stages[4]
    assert wave3.target("eu-central-1") == Target(name="eu-central-1", vars=(("port", "8300"),))
    assert wave3.target("ap-northeast-1") == Target(name="ap-northeast-1", vars=(("port", "9000"),))


def test_approval_kinds(pipeline: Pipeline) -> None:
    beta, gamma = pipeline.stages[:2]
    assert beta.approvals == (
        # A run approval without a timeout takes its stage's.
        Approval(name="integration", kind="run", run="scripts/integration.sh", timeout=120.0),
        Approval(name="settle", kind="wait", duration=90.0),
    )
    assert gamma.approvals == (
        Approval(name="load", kind="run", run="scripts/load.sh", timeout=1800.0),
        Approval(
            name="bake",
            kind="bake",
            duration=600.0,
            monitors=("health", "errors"),
            interval=15.0,
            min_checks=10,
        ),
        Approval(name="qa-signoff", kind="manual"),
    )


def test_monitors(pipeline: Pipeline) -> None:
    assert pipeline.monitors == (
        Monitor(
            name="health",
            kind="http",
            http="https://{target}.{stage}.example.internal:{vars.port}/health",
            expect_status=204,
            max_latency=0.5,
        ),
        Monitor(
            name="errors",
            kind="run",
            run="scripts/error_rate.sh --onebox {onebox} --json '{{}}'",
            timeout=20.0,
        ),
    )


def test_blockers(pipeline: Pipeline) -> None:
    assert pipeline.blockers == (
        Blocker(
            name="holidays",
            holidays="GB-ENG",
            deny=("2026-11-27", "2026-12-24..2027-01-02", "Sun"),
            timezone="Europe/London",
        ),
        Blocker(
            name="office-hours",
            allow=("Mon-Fri 09:00-17:00", "Sat 10:00-12:00", "Mon,Wed 22:00-02:00", "Sun-Mon"),
        ),
    )


def test_state_dir_argument_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "sample-repo").mkdir()
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE.replace("max_parallel = 4", 'state_dir = "var/state"'), "utf-8")
    assert load_pipeline(path).state_dir == tmp_path.resolve() / "var" / "state"
    other = tmp_path / "elsewhere"
    loaded = load_pipeline(path, state_dir=other)
    assert loaded.state_dir == other.resolve()
    assert loaded.sources[1].path == other.resolve() / "mirrors" / "lib"


def test_minimal_pipeline_defaults(tmp_path: Path) -> None:
    data = {
        "pipeline": {"name": "tiny"},
        "sources": [{"name": "app", "repo": "/does/not/exist/yet"}],
        "stages": [{"name": "only", "targets": ["here"], "deploy": "true"}],
    }
    pipeline = parse_pipeline(data, path=tmp_path / "pipeline.toml")
    assert pipeline.max_parallel == 16
    assert pipeline.build == Build()
    assert pipeline.sources[0].path == Path("/does/not/exist/yet")
    assert pipeline.sources[0].branch == "main"
    stage = pipeline.stages[0]
    assert (stage.timeout, stage.rollback, stage.promotion, stage.bake_after) == (
        300.0,
        True,
        "automatic",
        0.0,
    )
    assert (stage.approvals, stage.onebox, stage.group, stage.wave, stage.waves) == (
        (),
        None,
        "only",
        None,
        0,
    )
    assert (pipeline.monitors, pipeline.blockers) == ((), ())


def test_a_stage_drops_the_onebox_of_its_defaults_with_false(tmp_path: Path) -> None:
    onebox = {"approvals": [{"name": "smoke", "run": "true"}]}
    data = {
        "pipeline": {"name": "tiny"},
        "sources": [{"name": "app", "repo": "/does/not/exist/yet"}],
        "defaults": {"deploy": "true", "onebox": onebox},
        "stages": [
            {"name": "beta", "targets": ["local"], "onebox": False},
            {"name": "prod", "waves": [["a"], ["b"]]},
        ],
    }
    pipeline = parse_pipeline(data, path=tmp_path / "pipeline.toml")
    beta, wave_1, wave_2 = pipeline.stages
    assert beta.onebox is None
    assert wave_1.onebox == wave_2.onebox
    assert wave_1.onebox is not None
    assert [a.name for a in wave_1.onebox.approvals] == ["smoke"]
