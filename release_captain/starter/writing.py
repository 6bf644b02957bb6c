"""Provides writing the starter pipeline: `pipeline.toml` and the scripts it names under
`deploy/`, made from the templates of the repository's kind.

Nothing is written when any of those files already exists, unless `force`: `init` on a
repository that has a pipeline would otherwise replace someone's work (exit 3, a
conflict with what is there). The scripts are written executable, since `validate`
checks that a command's script is.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path

from msgspec import Struct

from release_captain.errors import StateConflict, UsageError
from release_captain.starter.kinds import Kind, detect
from release_captain.starter.repository import Repository, is_ignored, repository_at

#: The folder of the scripts, beside the pipeline file.
SCRIPTS_DIR = "deploy"
#: The state directory the pipeline names, relative to the pipeline file.
STATE_DIR = ".captain"
_SCRIPT_MODE = 0o755
_SLOT = re.compile(r"\{\{(\w+)\}\}")


class Starter(Struct, frozen=True, kw_only=True):
    """What `init` wrote, for the CLI to tell."""

    kind: Kind
    repository: Repository
    #: Every file written, the pipeline file first.
    written: tuple[Path, ...]
    #: Whether git already ignores the state directory.
    state_ignored: bool


def write_starter(pipeline: Path, *, force: bool = False) -> Starter:
    """Write the starter pipeline file `pipeline`, its scripts in `deploy/` beside it, for
    the repository its folder is in."""
    pipeline = pipeline.absolute()
    folder = pipeline.parent
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: captain init writes {pipeline.name} there")
    repository = repository_at(folder)
    kind = detect(repository.root)
    contents = {pipeline: _pipeline_text(kind, repository, folder)}
    for name, template in kind.scripts:
        contents[folder / SCRIPTS_DIR / name] = _template(template)
    if not force:
        _refuse_existing(folder, list(contents))
    for path, text in contents.items():
        _write(path, text, executable=path.suffix == ".sh")
    return Starter(
        kind=kind,
        repository=repository,
        written=tuple(contents),
        state_ignored=is_ignored(repository, folder / STATE_DIR),
    )


def _pipeline_text(kind: Kind, repository: Repository, folder: Path) -> str:
    values = {
        "intro": _template(f"{kind.name}-intro.toml"),
        "build": _template(f"{kind.name}-build.toml"),
    }
    text = _fill(_template("pipeline.toml"), values)
    return _fill(
        text,
        {
            "project": repository.project,
            "branch": repository.branch,
            "repo": Path(os.path.relpath(repository.root, folder)).as_posix(),
            "state_dir": STATE_DIR,
            "artefact": kind.artefact,
            "tests_note": kind.tests_note,
        },
    )


def _fill(text: str, values: dict[str, str]) -> str:
    """Each `{{name}}` slot of `text` replaced by its value; a slot without one stays
    (the second pass fills the slots the first pass brought in). A comment after a
    filled slot keeps its column, so the file reads as one aligned column of notes."""
    return "".join(_fill_line(line, values) for line in text.splitlines(keepends=True))


def _fill_line(line: str, values: dict[str, str]) -> str:
    filled = _SLOT.sub(lambda match: values.get(match[1], match[0]), line)
    code, gap, comment = line.partition("  # ")
    if filled == line or not gap or not _SLOT.search(code):
        return filled
    new_code = _SLOT.sub(lambda match: values.get(match[1], match[0]), code).rstrip()
    return f"{new_code.ljust(len(code))}  # {comment}"


def _template(name: str) -> str:
    return (files(__package__) / "templates" / name).read_text(encoding="utf-8")


def _refuse_existing(folder: Path, paths: list[Path]) -> None:
    there = [path for path in paths if path.exists() or path.is_symlink()]
    if not there:
        return
    names = ", ".join(path.relative_to(folder).as_posix() for path in there)
    raise StateConflict(
        f"{names} already {'exists' if len(there) == 1 else 'exist'}: nothing was written "
        f"(captain init --force overwrites)"
    )


def _write(path: Path, text: str, *, executable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if executable:
        path.chmod(_SCRIPT_MODE)
