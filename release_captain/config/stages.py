"""Provides the reading of `[defaults]` and `[[stages]]`, and their expansion into stages.

A `[[stages]]` entry is not yet a `Stage`: it inherits any key it leaves out from
`[defaults]`, its `waves` expand into stages `NAME-wave-1` … `NAME-wave-N`, and its
targets' variables merge over the stage's. Reading keeps each setting as "not written"
(None) until that merge, so a stage that sets nothing still gets every default.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct
from msgspec.structs import replace

from release_captain.config.approvals import Draft, read_approvals
from release_captain.config.model import Onebox, Promotion, Stage, Target, Vars
from release_captain.config.placeholders import VAR_NAME
from release_captain.config.reader import (
    Problems,
    Reference,
    Table,
    describe,
    index_path,
    name_problem,
)
from release_captain.config.shape import PROMOTIONS, TARGET

#: Keys a stage has that `[defaults]` must not set, with the reason shown to the user.
STAGE_ONLY = {
    key: f"{key} belongs on each [[stages]] entry, not under [defaults]"
    for key in ("name", "targets", "waves")
}


class Settings(Struct, frozen=True, kw_only=True):
    """The stage keys `[defaults]` may also set; None means "not written here"."""

    deploy: str | None = None
    timeout: float | None = None
    rollback: bool | None = None
    promotion: Promotion | None = None
    wave_promotion: Promotion | None = None
    approvals: tuple[Draft, ...] | None = None
    #: The onebox's approvals; False when written `onebox = false` (a stage dropping the
    #: onebox of `[defaults]`); None when not written.
    onebox: tuple[Draft, ...] | Literal[False] | None = None
    bake_after: float | None = None
    blockers: tuple[str, ...] | None = None
    block_on_alarm: tuple[str, ...] | None = None
    vars: Vars | None = None

    def over(self, defaults: Settings) -> Settings:
        """These settings, with every one not written taken from `defaults`."""
        merged = {}
        for name in self.__struct_fields__:
            own = getattr(self, name)
            merged[name] = own if own is not None else getattr(defaults, name)
        return Settings(**merged)


class TargetSpec(Struct, frozen=True, kw_only=True):
    """A target as written: its name, its own vars, and where its name is."""

    path: str
    name: str
    vars: Vars = ()


class StageSpec(Struct, frozen=True, kw_only=True):
    """One `[[stages]]` entry as written."""

    path: str
    name: str | None
    targets: tuple[TargetSpec, ...]
    #: The waves, or None for a stage written with `targets`.
    waves: tuple[tuple[TargetSpec, ...], ...] | None
    settings: Settings


class Expanded(Struct, frozen=True, kw_only=True):
    """A finished stage with where it came from, for problems found across stages."""

    stage: Stage
    #: The key path a problem about this stage's name points at.
    path: str
    #: How another problem refers to it ("stages[2].waves[0], wave 1 of 'prod'").
    origin: str
    #: What the name came from when it was not written as such ("wave 1 of 'prod'").
    note: str = ""


def read_vars(table: Table, key: str = "vars") -> Vars | None:
    """A table of variables, stringified (`true`/`false` for booleans) and sorted."""
    vars_table = table.table(key, expected="a table like { port = 8201 }")
    if vars_table is None:
        return None
    values: dict[str, str] = {}
    for name, value in vars_table.data.items():
        if not VAR_NAME.fullmatch(name):
            vars_table.problem(
                name,
                f"{describe(name)} is not a valid variable name "
                "(use letters, digits and '_', not starting with a digit)",
            )
        elif isinstance(value, bool):
            values[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            values[name] = str(value)
        else:
            vars_table.problem(name, f"expected a string, number or boolean, got {describe(value)}")
    return tuple(sorted(values.items()))


def _names(
    table: Table, key: str, kind: Literal["monitor", "blocker"], refs: list[Reference]
) -> tuple[str, ...] | None:
    names = table.list_of_str(key, None)
    if names is not None:
        refs.extend(
            Reference(kind=kind, path=index_path(table.path_of(key), i), name=name)
            for i, name in enumerate(names)
        )
    return names


def read_settings(table: Table, refs: list[Reference]) -> Settings:
    """The settings a stage or `[defaults]` writes, recording problems and references."""
    # A deploy written wrong reads as "" rather than None, so a stage that inherits it
    # is not also told that its deploy is missing.
    deploy = table.str_("deploy", None if table.raw("deploy") is None else "")
    timeout = table.duration("timeout", None)
    rollback = table.bool_("rollback", None)
    promotion = table.choice("promotion", PROMOTIONS, None)
    wave_promotion = table.choice("wave_promotion", PROMOTIONS, None)
    approvals = read_approvals(table, "approvals", refs)
    onebox: tuple[Draft, ...] | Literal[False] | None = None
    if table.raw("onebox") is False:
        onebox = False
    else:
        onebox_table = table.table(
            "onebox", expected="a table like { approvals = [...] }, or false to have none"
        )
        if onebox_table is not None:
            onebox = read_approvals(onebox_table, "approvals", refs) or ()
            onebox_table.finish()
    return Settings(
        deploy=deploy,
        timeout=timeout,
        rollback=rollback,
        promotion=promotion,
        wave_promotion=wave_promotion,
        approvals=approvals,
        onebox=onebox,
        bake_after=table.duration("bake_after", None),
        blockers=_names(table, "blockers", "blocker", refs),
        block_on_alarm=_names(table, "block_on_alarm", "monitor", refs),
        vars=read_vars(table),
    )


def read_defaults(doc: Table, refs: list[Reference]) -> Settings:
    """`[defaults]`, or no settings at all when it is absent."""
    table = doc.table("defaults")
    if table is None:
        return Settings()
    settings = read_settings(table, refs)
    table.finish(STAGE_ONLY)
    return settings


def _read_targets(items: list[object], path: str, problems: Problems) -> tuple[TargetSpec, ...]:
    targets = []
    for i, item in enumerate(items):
        item_path = index_path(path, i)
        if isinstance(item, str):
            if problem := name_problem(item):
                problems.add(item_path, problem)
            targets.append(TargetSpec(path=item_path, name=item))
        elif isinstance(item, dict):
            table = Table(item, item_path, problems, TARGET)
            name = table.name()
            target_vars = read_vars(table) or ()
            table.finish()
            if name is not None:
                targets.append(TargetSpec(path=table.path_of("name"), name=name, vars=target_vars))
        else:
            problems.add(
                item_path,
                'expected a target name or a table like { name = "...", vars = { ... } }, '
                f"got {describe(item)}",
            )
    return tuple(targets)


def _read_waves(table: Table) -> tuple[tuple[TargetSpec, ...], ...]:
    items = table.list_("waves")
    if items is None:
        return ()
    if not items:
        table.problem("waves", "give at least one wave (a list of lists of targets)")
    waves = []
    for i, wave in enumerate(items):
        path = index_path(table.path_of("waves"), i)
        if not isinstance(wave, list):
            table.problems.add(path, f"expected a list of targets, got {describe(wave)}")
            continue
        if not wave:
            table.problems.add(path, "a stage has at least one target (this wave is empty)")
        waves.append(_read_targets(wave, path, table.problems))
    return tuple(waves)


def read_stage(table: Table, refs: list[Reference]) -> StageSpec:
    """One `[[stages]]` entry: a name, `targets` or `waves`, and its own settings."""
    name = table.name()
    has_targets, has_waves = "targets" in table, "waves" in table
    if has_targets and has_waves:
        table.problem(None, "give targets or waves, not both")
    elif not has_targets and not has_waves:
        table.problem(None, "give targets or waves (a stage has at least one target)")
    targets: tuple[TargetSpec, ...] = ()
    if has_targets and (items := table.list_("targets")) is not None:
        if not items:
            table.problem("targets", "a stage has at least one target")
        targets = _read_targets(items, table.path_of("targets"), table.problems)
    waves = _read_waves(table) if has_waves else None
    settings = read_settings(table, refs)
    table.finish()
    seen: dict[str, str] = {}
    for target in (t for group in (waves or (targets,)) for t in group):
        if target.name in seen:
            table.problems.add(
                target.path, f"duplicate target '{target.name}' (also {seen[target.name]})"
            )
        seen.setdefault(target.name, target.path)
    return StageSpec(path=table.path, name=name, targets=targets, waves=waves, settings=settings)


def _targets(specs: tuple[TargetSpec, ...], stage_vars: Vars) -> tuple[Target, ...]:
    return tuple(
        Target(name=spec.name, vars=tuple(sorted({**dict(stage_vars), **dict(spec.vars)}.items())))
        for spec in specs
    )


def expand(spec: StageSpec, defaults: Settings, problems: Problems) -> list[Expanded]:
    """The finished stages of one `[[stages]]` entry: one, or one per wave."""
    merged = spec.settings.over(defaults)
    if merged.deploy is None:
        problems.add(f"{spec.path}.deploy", "required (set it here or under [defaults])")
    if spec.name is None:
        return []
    timeout = 300.0 if merged.timeout is None else merged.timeout
    onebox = merged.onebox
    stage_vars = merged.vars or ()
    first = Stage(
        name=spec.name,
        targets=_targets(spec.targets, stage_vars),
        deploy=merged.deploy or "",
        timeout=timeout,
        rollback=True if merged.rollback is None else merged.rollback,
        promotion=merged.promotion or "automatic",
        approvals=tuple(draft.for_stage(timeout) for draft in merged.approvals or ()),
        onebox=None
        if onebox is None or onebox is False
        else Onebox(approvals=tuple(d.for_stage(timeout) for d in onebox)),
        bake_after=merged.bake_after or 0.0,
        blockers=merged.blockers or (),
        block_on_alarm=merged.block_on_alarm or (),
        group=spec.name,
    )
    if spec.waves is None:
        return [Expanded(stage=first, path=f"{spec.path}.name", origin=spec.path)]
    expanded = []
    for number, wave in enumerate(spec.waves, start=1):
        promotion = merged.promotion if number == 1 else merged.wave_promotion
        stage = replace(
            first,
            name=f"{spec.name}-wave-{number}",
            targets=_targets(wave, stage_vars),
            promotion=promotion or "automatic",
            wave=number,
            waves=len(spec.waves),
        )
        path = index_path(f"{spec.path}.waves", number - 1)
        note = f"wave {number} of '{spec.name}'"
        expanded.append(Expanded(stage=stage, path=path, origin=f"{path}, {note}", note=note))
    return expanded


def check_unique(stages: list[Expanded], problems: Problems) -> None:
    """Stage names are unique after wave expansion."""
    seen: dict[str, Expanded] = {}
    for item in stages:
        first = seen.setdefault(item.stage.name, item)
        if first is not item:
            because = f"{item.note}; " if item.note else ""
            problems.add(
                item.path,
                f"duplicate stage name '{item.stage.name}' ({because}also {first.origin})",
            )
