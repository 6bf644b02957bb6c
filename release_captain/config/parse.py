"""Provides `parse_pipeline`: a parsed TOML document becomes a validated `Pipeline`.

Reading is done once, here, with every problem collected before anything is raised, so
`captain validate` can list them all. The sections are read by their own modules
(`stages`, `approvals`, `monitors`, `blockers`); this module reads `[pipeline]`,
`[[sources]]` and `[build]`, then checks what spans sections: unique stage names after
wave expansion, references to monitors and blockers, and the variables monitor texts
need from every target that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from release_captain.config.blockers import read_blockers
from release_captain.config.model import Build, Monitor, Pipeline, Source, Stage
from release_captain.config.monitors import read_monitors
from release_captain.config.notify import read_notify
from release_captain.config.placeholders import template_vars
from release_captain.config.preview import read_preview
from release_captain.config.reader import (
    Problems,
    Reference,
    Table,
    close_hint,
    env_name,
    key_path,
)
from release_captain.config.shape import FILE, PIPELINE
from release_captain.config.stages import check_unique, expand, read_defaults, read_stage

# scp-like git addresses (`git@github.com:org/repo.git`) have no scheme but are URLs.
_SCP_URL = re.compile(r"[\w.+-]+@[\w.-]+:")


def is_url(repo: str) -> bool:
    """Whether a source's `repo` is a git URL to mirror rather than a local path."""
    return "://" in repo or bool(_SCP_URL.match(repo))


def _read_sources(doc: Table, root: Path, state_dir: Path) -> tuple[Source, ...]:
    tables = doc.tables("sources", expected="an array of tables ([[sources]])")
    if not tables:
        # Not when it was written as something else: that problem is reported already.
        if doc.data.get("sources") in (None, []):
            doc.problem("sources", "at least one [[sources]] is required (the repository to build)")
        return ()
    sources: list[Source] = []
    seen: dict[str, str] = {}
    by_variable: dict[str, str] = {}
    for table in tables:
        name = table.name()
        repo = table.str_("repo", None, required=True)
        branch = table.str_("branch", "main")
        if problem := _branch_problem(branch):
            table.problem("branch", problem)
        poll = table.duration("poll", 2.0)
        table.finish()
        if name is not None:
            if name in seen:
                table.problem("name", f"duplicate source '{name}' (also {seen[name]})")
            elif problem := _variable_problem(name, by_variable):
                table.problem("name", problem)
            seen.setdefault(name, table.path)
            by_variable.setdefault(env_name(name), name)
        if name is None or repo is None:
            continue
        if is_url(repo):
            path = state_dir / "mirrors" / name
        else:
            path = (root / Path(repo).expanduser()).resolve()
            if path.exists() and not path.is_dir():
                table.problem("repo", f"{path} exists and is not a directory")
        sources.append(
            Source(name=name, repo=repo, branch=branch, poll=poll, is_url=is_url(repo), path=path)
        )
    return tuple(sources)


#: What git's check-ref-format refuses anywhere in a ref name.
_NOT_IN_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def _branch_problem(branch: str) -> str | None:
    """Why `branch` cannot be a git branch name (git's check-ref-format rules), or None.

    Caught here, `validate` says so at once; otherwise the engine would only ever find
    no such branch."""
    if branch.startswith("refs/heads/"):
        return f"write the branch's own name, without refs/heads/ ('{branch[11:]}')"
    parts = branch.split("/")
    if (
        not branch
        or branch == "@"
        or _NOT_IN_REF.search(branch)
        or branch.startswith(("/", "-"))
        or branch.endswith(("/", "."))
        or any(part.startswith(".") or part.endswith(".lock") for part in parts)
    ):
        return f"'{branch}' is not a valid git branch name (see git check-ref-format)"
    return None


#: What a build's `CAPTAIN_COMMIT_<NAME>` already means for these names.
_RESERVED_COMMIT_VARIABLES = {"MESSAGE": "the commit message", "AUTHOR": "the commit author"}


def _variable_problem(name: str, by_variable: Mapping[str, str]) -> str | None:
    """Why a source's name cannot be its `CAPTAIN_COMMIT_<NAME>`, or None.

    Each source's commit reaches commands as `CAPTAIN_COMMIT_<NAME>` (and its checkout
    as `CAPTAIN_SOURCE_<NAME>`), the name upper-cased with `-` and `.` made `_`: two
    names that meet there, or a name that meets a variable builds already get, would
    hand a command the wrong value without a word."""
    variable = env_name(name)
    if variable in _RESERVED_COMMIT_VARIABLES:
        meaning = _RESERVED_COMMIT_VARIABLES[variable]
        return (
            f"source '{name}' would set CAPTAIN_COMMIT_{variable}, which builds get as "
            f"{meaning}; choose another name"
        )
    other = by_variable.get(variable)
    if other is not None:
        return (
            f"sources '{other}' and '{name}' would both set CAPTAIN_COMMIT_{variable}; "
            "choose names that differ in more than '-', '.' and '_'"
        )
    return None


def _read_build(doc: Table) -> Build:
    table = doc.table("build")
    if table is None:
        return Build()
    build = Build(
        checks=table.list_of_str("checks", ()),
        run=table.list_of_str("run", ()),
        artefacts=table.list_of_str("artefacts", ()),
        timeout=table.duration("timeout", 600.0),
    )
    table.finish()
    return build


def _declared(doc: Table, section: str) -> set[str]:
    """Names declared under `[section.NAME]`, even those whose tables have problems, so
    a broken monitor is not also reported as undefined wherever it is used."""
    value = doc.data.get(section)
    return set(value) if isinstance(value, dict) else set()


def _check_references(refs: list[Reference], doc: Table, problems: Problems) -> None:
    declared = {"monitor": _declared(doc, "monitors"), "blocker": _declared(doc, "blockers")}
    for ref in refs:
        names = declared[ref.kind]
        if ref.name not in names:
            problems.add(
                ref.path,
                f"{ref.kind} '{ref.name}' is not defined under [{ref.kind}s]"
                + close_hint(ref.name, names),
            )


def monitors_used(stage: Stage) -> tuple[str, ...]:
    """The monitors a stage evaluates: its bakes (onebox too) and `block_on_alarm`."""
    approvals = stage.approvals + (stage.onebox.approvals if stage.onebox else ())
    bakes = (name for a in approvals if a.kind == "bake" for name in a.monitors)
    return tuple(dict.fromkeys((*bakes, *stage.block_on_alarm)))


def _check_monitor_vars(
    stages: list[Stage], monitors: tuple[Monitor, ...], problems: Problems
) -> None:
    needs = {
        monitor.name: template_vars((monitor.http if monitor.kind == "http" else monitor.run) or "")
        for monitor in monitors
    }
    kinds = {monitor.name: monitor.kind for monitor in monitors}
    for stage in stages:
        for name in monitors_used(stage):
            for var in needs.get(name, ()):
                for target in stage.targets:
                    if var not in dict(target.vars):
                        problems.add(
                            key_path(key_path("monitors", name), kinds[name]),
                            f"{{vars.{var}}} has no value for target '{target.name}' of stage "
                            f"'{stage.name}' (set vars.{var} on the stage or the target)",
                        )


def parse_pipeline(
    data: Mapping[str, object], *, path: Path, state_dir: Path | None = None
) -> Pipeline:
    """The pipeline described by `data` (a document from `tomllib`) read from `path`.

    Relative paths are relative to `path`'s folder; `state_dir`, when given, replaces
    `[pipeline].state_dir`. Raises `ConfigError` listing every problem.
    """
    file = path.expanduser().resolve()
    root = file.parent
    problems = Problems()
    doc = Table(data, "", problems, FILE)
    doc.finish()

    info = doc.table("pipeline")
    if info is None:
        # Absent, its name is missing; of the wrong type, that is the one problem to say.
        wrong = "pipeline" in doc.data
        info = Table({}, "pipeline", Problems() if wrong else problems, PIPELINE)
    name = info.name()
    state_text = info.str_("state_dir", ".captain")
    max_parallel = info.int_("max_parallel", 16)
    info.finish()
    if state_dir is not None:
        state = Path(state_dir).expanduser().resolve()
    else:
        state = (root / Path(state_text).expanduser()).resolve()

    sources = _read_sources(doc, root, state)
    build = _read_build(doc)
    refs: list[Reference] = []
    defaults = read_defaults(doc, refs)
    tables = doc.tables("stages", expected="an array of tables ([[stages]])")
    if not tables and doc.data.get("stages") in (None, []):
        doc.problem("stages", "at least one [[stages]] is required")
    specs = [read_stage(table, refs) for table in tables or ()]
    expanded = [item for spec in specs for item in expand(spec, defaults, problems)]
    check_unique(expanded, problems)
    monitors = read_monitors(doc)
    blockers = read_blockers(doc)
    preview = read_preview(doc, sources)
    notify = read_notify(doc)

    _check_references(refs, doc, problems)
    stages = [item.stage for item in expanded]
    _check_monitor_vars(stages, monitors, problems)
    problems.raise_if_any(file.name)
    return Pipeline(
        name=name or "",
        path=file,
        root=root,
        state_dir=state,
        max_parallel=max_parallel,
        sources=sources,
        build=build,
        stages=tuple(stages),
        monitors=monitors,
        blockers=blockers,
        preview=preview,
        notify=notify,
    )
