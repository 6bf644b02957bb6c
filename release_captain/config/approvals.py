"""Provides the reading of approvals: a name and exactly one of run, bake, wait or manual.

Approvals appear in `[defaults]`, in stages and in a stage's `onebox`, always with the
same rules, so they are read here once. A `run` approval without its own `timeout` takes
the timeout of the stage it ends up in, which is only known after `[defaults]` is merged;
hence the `Draft` that remembers whether the timeout was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from msgspec import Struct
from msgspec.structs import replace

from release_captain.config.model import Approval, ApprovalKind
from release_captain.config.reader import Reference, Table, describe, index_path
from release_captain.config.shape import APPROVAL


class Draft(Struct, frozen=True, kw_only=True):
    """An approval as read, before the stage's timeout is known."""

    approval: Approval
    timeout_set: bool

    def for_stage(self, stage_timeout: float) -> Approval:
        """The approval inside a stage whose deploy timeout is `stage_timeout`."""
        if self.approval.kind == "run" and not self.timeout_set:
            return replace(self.approval, timeout=stage_timeout)
        return self.approval


def _found(kinds: Sequence[str]) -> str:
    if not kinds:
        return "none"
    return ", ".join(kinds[:-1]) + f" and {kinds[-1]}" if len(kinds) > 1 else kinds[0]


def read_approval(table: Table, refs: list[Reference]) -> Draft | None:
    """One approval table; None when it has problems (they are recorded)."""
    errors_before = len(table.problems)
    name = table.name()
    kinds = [variant.key for variant in APPROVAL.variants if variant.key in table]
    if not kinds and "rollback_check" in table:
        table.problem("rollback_check", 'needs run = "..." (the command run on both versions)')
        table.finish()
        return None
    if len(kinds) != 1:
        table.problem(
            None, f"give exactly one of run, bake, wait or manual (found {_found(kinds)})"
        )
        table.finish()
        return None
    kind = cast(ApprovalKind, kinds[0])
    approval = Approval(name=name or "", kind=kind)
    timeout_set = False
    match kind:
        case "run":
            command = table.str_("run", None)
            timeout = table.duration("timeout", None)
            timeout_set = timeout is not None
            approval = replace(
                approval,
                run=command,
                timeout=approval.timeout if timeout is None else timeout,
                rollback_check=table.bool_("rollback_check", False),
            )
        case "bake":
            approval = replace(
                approval,
                duration=table.duration("bake", 0.0),
                monitors=_bake_monitors(table, refs),
                interval=table.duration("interval", 30.0),
                min_checks=table.int_("min_checks", 1),
            )
        case "wait":
            approval = replace(approval, duration=table.duration("wait", 0.0))
        case "manual":
            if table.bool_("manual", True) is False:
                table.problem("manual", "only manual = true makes an approval (remove it)")
    table.finish(kind=kind)
    if len(table.problems) > errors_before:
        return None
    return Draft(approval=approval, timeout_set=timeout_set)


def _bake_monitors(table: Table, refs: list[Reference]) -> tuple[str, ...]:
    if "monitors" not in table:
        table.problem("monitors", "required for a bake (a list of monitor names)")
        return ()
    names = table.list_of_str("monitors", ())
    if not names and table.raw("monitors") == []:
        table.problem("monitors", "a bake needs at least one monitor")
    refs.extend(
        Reference(kind="monitor", path=index_path(table.path_of("monitors"), i), name=name)
        for i, name in enumerate(names)
    )
    return names


def read_approvals(table: Table, key: str, refs: list[Reference]) -> tuple[Draft, ...] | None:
    """The approvals list at `key`, or None when absent (so `[defaults]` may apply)."""
    if key not in table:
        table.raw(key)
        return None
    items = table.list_(key)
    if items is None:
        return ()
    drafts: list[Draft] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(items):
        path = index_path(table.path_of(key), i)
        if not isinstance(item, dict):
            table.problems.add(
                path,
                f'expected a table like {{ name = "...", run = "..." }}, got {describe(item)}',
            )
            continue
        draft = read_approval(Table(item, path, table.problems, APPROVAL), refs)
        name = item.get("name")
        if isinstance(name, str):
            if name in seen:
                table.problems.add(
                    f"{path}.name", f"duplicate approval '{name}' (also {seen[name]})"
                )
            seen.setdefault(name, path)
        if draft is not None:
            drafts.append(draft)
    return tuple(drafts)
