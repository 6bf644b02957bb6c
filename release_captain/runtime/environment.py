"""Provides the CAPTAIN_* environment every command runs with (SPEC §5).

Text that comes from git (commit messages, author names) reaches a command only as an
environment variable, never inside its command text (rule R12), so a message such as
`$(rm -rf ~)` is data to the shell, not code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_captain.config.reader import env_name

__all__ = ["command_env", "env_name"]

#: Variables the captain sets itself; an inherited value of one of them (a captain run
#: from inside another captain's step) must not leak into a command that lacks it.
_OWN = frozenset(
    {
        "CAPTAIN_PIPELINE",
        "CAPTAIN_VERSION",
        "CAPTAIN_COMMIT",
        "CAPTAIN_ARTEFACTS",
        "CAPTAIN_OUT",
        "CAPTAIN_STAGE",
        "CAPTAIN_TARGET",
        "CAPTAIN_ONEBOX",
        "CAPTAIN_ACTION",
        "CAPTAIN_PREVIOUS_VERSION",
        "CAPTAIN_STATE_DIR",
        "CAPTAIN_PIPELINE_DIR",
        "CAPTAIN_CHECKOUT",
        "CAPTAIN_COMMIT_MESSAGE",
        "CAPTAIN_COMMIT_AUTHOR",
        "CAPTAIN_PREVIEW",
        "CAPTAIN_PREVIEW_URL_FILE",
    }
)
_OWN_PREFIXES = ("CAPTAIN_COMMIT_", "CAPTAIN_VAR_", "CAPTAIN_SOURCE_", "CAPTAIN_EVENT_")


def command_env(
    base: Mapping[str, str],
    *,
    pipeline: str,
    action: str,
    version: str,
    commits: Mapping[str, str],
    primary: str,
    artefacts: Path | None,
    state_dir: Path,
    pipeline_dir: Path,
    stage: str = "",
    target: str = "",
    onebox: bool = False,
    previous_version: str = "",
    out: Path | None = None,
    checkout: str | None = None,
    vars: tuple[tuple[str, str], ...] = (),
    sources: Mapping[str, Path] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The captain's own environment `base` plus the CAPTAIN_* variables of one command.

    `commits` maps each source name to its full SHA; `primary` names the source whose
    commit is `CAPTAIN_COMMIT`. `out` (builds only) becomes `CAPTAIN_OUT`, `sources`
    (builds only) the `CAPTAIN_SOURCE_<NAME>` checkout paths; `checkout` (every step
    but the build) the absolute folder of the version's tree, `CAPTAIN_CHECKOUT`, or ''
    when it could not be made; `artefacts` None (a notification) sets it to ''. `extra`
    is set last, for values such as `CAPTAIN_COMMIT_MESSAGE` that must never enter command text.
    """
    env = {
        key: value
        for key, value in base.items()
        if key not in _OWN and not key.startswith(_OWN_PREFIXES)
    }
    env.update(
        CAPTAIN_PIPELINE=pipeline,
        CAPTAIN_ACTION=action,
        CAPTAIN_VERSION=version,
        CAPTAIN_COMMIT=commits.get(primary, ""),
        CAPTAIN_ARTEFACTS="" if artefacts is None else str(Path(artefacts).absolute()),
        CAPTAIN_STATE_DIR=str(Path(state_dir).absolute()),
        CAPTAIN_PIPELINE_DIR=str(Path(pipeline_dir).absolute()),
        CAPTAIN_STAGE=stage,
        CAPTAIN_TARGET=target,
        CAPTAIN_ONEBOX="1" if onebox else "0",
        CAPTAIN_PREVIOUS_VERSION=previous_version,
    )
    for name, sha in commits.items():
        env[f"CAPTAIN_COMMIT_{env_name(name)}"] = sha
    for name, value in vars:
        env[f"CAPTAIN_VAR_{env_name(name)}"] = str(value)
    for name, path in (sources or {}).items():
        env[f"CAPTAIN_SOURCE_{env_name(name)}"] = str(Path(path).absolute())
    if out is not None:
        env["CAPTAIN_OUT"] = str(Path(out).absolute())
    if checkout is not None:
        env["CAPTAIN_CHECKOUT"] = checkout
    env.update(extra or {})
    return env
