"""Placeholder values pasted into a `run` monitor's command are shell-quoted: each
becomes one shell word carrying its text verbatim, whatever it holds (issue 12,
finding 8). An `http` monitor's URL gets the text as it is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_captain.config import render_template
from release_captain.config.load import load_pipeline
from release_captain.runtime.monitors import MonitorEvaluator, Where
from release_captain.runtime.shell import ShellRunner

HOSTILE = [
    "x'; touch PWNED; '",
    "$(touch PWNED)",
    "`touch PWNED`",
    'a "b" c; touch PWNED',
    "two  spaces\tand\nnewline",
    "",
]


def _pipeline(tmp_path: Path, value: str) -> Path:
    (tmp_path / "echo_args.py").write_text(
        "import sys\nopen(sys.argv[1], 'w').write('\\0'.join(sys.argv[2:]))\n"
    )
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    path = tmp_path / "pipeline.toml"
    path.write_text(
        f"""
[pipeline]
name = "quoting"

[[sources]]
name = "app"
repo = "repo"
branch = "main"

[build]
run = ["true"]

[defaults]
deploy = "true"

[[stages]]
name = "beta"
targets = [{{ name = "local", vars = {{ hostile = "{escaped}" }} }}]
approvals = [{{ name = "bake", bake = "1m", monitors = ["probe"] }}]

[monitors.probe]
run = "python3 echo_args.py args.out {{vars.hostile}} {{target}} at-{{vars.hostile}}-end"
"""
    )
    (tmp_path / "repo").mkdir()
    return path


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_var_reaches_a_run_monitor_verbatim_and_never_runs(
    tmp_path: Path, value: str
) -> None:
    pipeline = load_pipeline(_pipeline(tmp_path, value))
    stage = pipeline.stages[0]
    evaluator = MonitorEvaluator(
        pipeline=pipeline, runner=ShellRunner(kill_grace=0.2), base_env=dict(os.environ)
    )
    where = Where(stage=stage, target="local", version=3, onebox=False, commits={})
    monitor = pipeline.monitor("probe")
    assert monitor is not None
    result = evaluator.evaluate(monitor, where, log=tmp_path / "logs" / "probe.log")
    assert result.ok, result.output
    assert not (tmp_path / "PWNED").exists()
    args = (tmp_path / "args.out").read_text().split("\0")
    assert args == [value, "local", f"at-{value}-end"]


def test_rendering_quotes_only_when_asked() -> None:
    def render(text: str, *, quote: bool) -> str:
        return render_template(
            text,
            stage="beta",
            target="local",
            version="",
            onebox=False,
            vars=(("v", "a b'c"),),
            quote=quote,
        )

    assert render("probe {vars.v} {version} {stage}", quote=True) == ("probe 'a b'\"'\"'c' '' beta")
    assert render("https://h/{vars.v}?s={stage}", quote=False) == "https://h/a b'c?s=beta"


@pytest.mark.parametrize(
    ("script", "said"),
    [
        ("exit 1", "exited 1"),  # nothing printed: how it ended, once
        ("echo 5xx rate 12%; exit 1", "5xx rate 12% (exited 1)"),
        ("echo all good", "all good"),
    ],
)
def test_a_run_monitors_account_is_its_last_line_and_how_it_ended(
    tmp_path: Path, script: str, said: str
) -> None:
    """The account lands on the board and in a rejection's reason: the monitor's own
    last line, then how it ended — never `exited 1 (exited 1)`."""
    path = _pipeline(tmp_path, "x")
    path.write_text(
        path.read_text().split("[monitors.probe]")[0] + f'[monitors.probe]\nrun = "{script}"\n'
    )
    pipeline = load_pipeline(path)
    evaluator = MonitorEvaluator(
        pipeline=pipeline, runner=ShellRunner(kill_grace=0.2), base_env=dict(os.environ)
    )
    where = Where(stage=pipeline.stages[0], target="local", version=3, onebox=False, commits={})
    monitor = pipeline.monitor("probe")
    assert monitor is not None
    result = evaluator.evaluate(monitor, where, log=tmp_path / "logs" / "probe.log")
    assert result.output == said
