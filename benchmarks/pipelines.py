"""Provides the pipelines the benchmarks run, each described once as a `Shape` that
renders both the `pipeline.toml` the captain runs and the bash script of its ideal run
(`benchmarks/ideal.py`), so the two always run the same commands in the same order.

The reference pipeline of issue 7 is 81 commands: build `true`; stage `beta` with 20
targets r01–r20, each deploy `sleep 0.2` then one approval `sleep 0.1`; then production
in three waves of 2, 6 and 12 targets with the same steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, kw_only=True)
class StageShape:
    """One `[[stages]]` table: plain targets (one wave) or several waves."""

    name: str
    waves: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """A pipeline with one build command, one deploy command and run approvals."""

    name: str
    stages: tuple[StageShape, ...]
    build: str = "true"
    deploy: str = "true"
    approvals: tuple[str, ...] = ()
    max_parallel: int = 20
    #: Extra `[pipeline]` / source lines (as TOML text), e.g. a poll interval.
    source_extra: str = ""

    @property
    def targets(self) -> int:
        return sum(len(w) for s in self.stages for w in s.waves)

    @property
    def commands(self) -> int:
        """Shell commands one version runs through the whole pipeline."""
        return 1 + self.targets * (1 + len(self.approvals))

    def toml(self) -> str:
        """The `pipeline.toml` text (its source is the repository `repo` beside it)."""
        lines = [
            "[pipeline]",
            f"name = {json.dumps(self.name)}",
            f"max_parallel = {self.max_parallel}",
            "",
            "[[sources]]",
            'name = "app"',
            'repo = "repo"',
            'branch = "main"',
            *([self.source_extra] if self.source_extra else []),
            "",
            "[build]",
            f"run = [{json.dumps(self.build)}]",
            "",
            "[defaults]",
            f"deploy = {json.dumps(self.deploy)}",
            'timeout = "60s"',
            "",
        ]
        approvals = ", ".join(
            f'{{ name = "approval-{i + 1}", run = {json.dumps(cmd)} }}'
            for i, cmd in enumerate(self.approvals)
        )
        for stage in self.stages:
            lines += ["[[stages]]", f"name = {json.dumps(stage.name)}"]
            if len(stage.waves) == 1:
                lines.append(f"targets = {json.dumps(list(stage.waves[0]))}")
            else:
                lines.append(f"waves = {json.dumps([list(w) for w in stage.waves])}")
            lines += [f"approvals = [{approvals}]", ""]
        return "\n".join(lines)

    def bash(self) -> str:
        """The ideal: the same commands run by bash with `&` and `wait`, stage after
        stage (each wave waits for the previous one), every target's steps in order."""
        lines = ["#!/bin/bash", "# the ideal run of pipeline " + self.name, self.build]
        steps = "; ".join([self.deploy, *self.approvals])
        for stage in self.stages:
            for wave in stage.waves:
                lines.append(f"# {stage.name}: {len(wave)} targets")
                for _target in wave:
                    lines.append(f"{{ {steps}; }} &")
                lines.append("wait")
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        """Write `pipeline.toml` into `folder` and return its path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "pipeline.toml"
        path.write_text(self.toml())
        return path

    def final_stage(self) -> str:
        """The name of the last stage (a wave stage is `NAME-wave-N`)."""
        last = self.stages[-1]
        return last.name if len(last.waves) == 1 else f"{last.name}-wave-{len(last.waves)}"


def regions(count: int, start: int = 1) -> tuple[str, ...]:
    """Target names r01, r02, …"""
    return tuple(f"r{i:02d}" for i in range(start, start + count))


def _waves(sizes: tuple[int, ...], names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    waves, at = [], 0
    for size in sizes:
        waves.append(names[at : at + size])
        at += size
    return tuple(waves)


def reference(*, deploy: str = "sleep 0.2", approval: str = "sleep 0.1") -> Shape:
    """The reference pipeline of issue 7 (81 commands, 40 targets, 4 stages)."""
    targets = regions(20)
    return Shape(
        name="reference",
        stages=(
            StageShape(name="beta", waves=(targets,)),
            StageShape(name="prod", waves=_waves((2, 6, 12), targets)),
        ),
        build="true",
        deploy=deploy,
        approvals=(approval,),
        max_parallel=20,
    )


def reference_true() -> Shape:
    """The reference pipeline with every command `true`."""
    return reference(deploy="true", approval="true")


def commit_to_deploy(stamps: Path) -> Shape:
    """Just beta with one target; the deploy appends `VERSION EPOCH-SECONDS` to `stamps`
    the moment it starts (`date +%s.%N`)."""
    quoted = json.dumps(str(stamps))[1:-1]
    return Shape(
        name="commit-to-deploy",
        stages=(StageShape(name="beta", waves=(("local",),)),),
        build="true",
        deploy=f'echo "$CAPTAIN_VERSION $(date +%s.%N)" >> "{quoted}"',
        approvals=(),
        max_parallel=4,
    )


def scale(targets: int = 200) -> Shape:
    """One stage of `targets` targets, all at once (`max_parallel` = targets), each
    deploy `sleep 0.5`."""
    return Shape(
        name="scale",
        stages=(
            StageShape(name="fleet", waves=(tuple(f"t{i:03d}" for i in range(1, targets + 1)),)),
        ),
        build="true",
        deploy="sleep 0.5",
        approvals=(),
        max_parallel=targets,
    )


def tui_pipeline() -> Shape:
    """50 targets for the TUI benchmark: beta with 10, production in waves of 5, 15, 20."""
    return Shape(
        name="tui-50",
        stages=(
            StageShape(name="beta", waves=(regions(10),)),
            StageShape(name="prod", waves=_waves((5, 15, 20), regions(40))),
        ),
        build="true",
        deploy="true",
        approvals=("true",),
        max_parallel=20,
    )
