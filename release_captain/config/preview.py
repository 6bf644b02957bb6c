"""Provides `[preview]` (SPEC §11): reading the table, and the two rules every preview
command and the engine's watch share: which branches may have a preview, and the safe
name a branch's preview goes by.

Both rules live here, below the runtime and the service, so `captain preview`, `--list`
and the engine's watch cannot disagree about them.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from release_captain.config.model import Pipeline, Preview, Source
from release_captain.config.reader import Table, index_path

#: A preview's name is used as a host name label or a folder name: DNS allows 63.
MAX_NAME = 63
_UNSAFE = re.compile(r"[^a-z0-9]+")


def read_preview(doc: Table, sources: tuple[Source, ...]) -> Preview | None:
    """The `[preview]` table, or None when the pipeline has none."""
    table = doc.table("preview")
    if table is None:
        return None
    deploy = table.str_("deploy", None, required=True)
    teardown = table.str_("teardown", None)
    branches = table.list_of_str("branches", ("*",))
    watch = table.list_of_str("watch", ())
    table.finish()
    mainline = sources[0].branch if sources else None
    for key, patterns in (("branches", branches), ("watch", watch)):
        for index, pattern in enumerate(patterns):
            if pattern == mainline:
                table.problems.add(
                    index_path(table.path_of(key), index),
                    f"'{pattern}' is the mainline (sources[0].branch): its versions go "
                    "through the stages, and a preview is for other branches",
                )
    if deploy is None:
        return None
    return Preview(deploy=deploy, teardown=teardown, branches=branches, watch=watch)


def preview_name(branch: str) -> str:
    """The branch made safe for a host or folder name: lower case, `[a-z0-9-]`, runs of
    anything else one `-`, at most 63 characters ('' when nothing is left)."""
    return _UNSAFE.sub("-", branch.lower()).strip("-")[:MAX_NAME].rstrip("-")


def matches(branch: str, patterns: tuple[str, ...]) -> bool:
    """Whether `branch` matches one of the glob `patterns` (`*` also crosses `/`)."""
    return any(fnmatchcase(branch, pattern) for pattern in patterns)


def refusal(pipeline: Pipeline, branch: str) -> str | None:
    """Why `branch` may not have a preview, as one sentence, or None when it may."""
    preview = pipeline.preview
    if preview is None:
        return f"{pipeline.path.name} has no [preview] table: add one with a deploy command"
    mainline = pipeline.primary.branch
    if branch == mainline:
        return (
            f"'{branch}' is the mainline: its versions go through the stages, "
            "and a preview is for other branches"
        )
    if not matches(branch, preview.branches):
        allowed = ", ".join(f"'{p}'" for p in preview.branches)
        return f"branch '{branch}' matches none of preview.branches ({allowed})"
    if not preview_name(branch):
        return f"branch '{branch}' has no letter or digit to name its preview by"
    return None
