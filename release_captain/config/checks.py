"""Provides `check_files`: what `captain validate` sees outside the file (SPEC §9).

`load_pipeline` checks the file itself and runs at every command and engine start, so it
never touches the disk beyond the file. These checks look at the machine instead — a
local source is a git repository with the branch, a command whose first word is a path
names an existing (executable) file, an artefact pattern stays inside the build folder —
and only `captain validate` runs them. Each problem starts with the key path of the text
that has it, as the reader's problems do, so they are found in the raw document rather
than in the merged `Pipeline` (where a stage's deploy may have come from `[defaults]`).

Build commands run in a clean checkout of the primary source's branch, not in the
pipeline's folder: their paths are looked up in that branch's committed tree (with its
executable bit) when the source is local, and skipped for a URL source.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import shlex
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

from release_captain.config.model import Pipeline, Source

_SHELL = frozenset({"-c"})
_EVAL = frozenset({"-e", "-E", "--eval"})
#: Programs that read their script argument as a file (it need not be executable), each
#: with the options after which no script argument follows (the code is given inline).
INTERPRETERS = {
    **dict.fromkeys(("sh", "bash", "dash", "zsh", "ksh"), _SHELL),
    **dict.fromkeys(("python", "python3"), frozenset({"-c", "-m"})),
    **dict.fromkeys(("perl", "ruby", "node"), _EVAL),
}
#: Options that take the next word as their value.
_WITH_VALUE = frozenset({"-o", "-O", "-W", "-X", "--rcfile", "--init-file"})
_SHELL_MAGIC = frozenset("$`*?[")
#: Git variables that would aim our read-only commands at another repository.
_GIT_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")
_GIT_TIMEOUT = 10.0


def check_files(pipeline: Pipeline, data: Mapping[str, object] | None = None) -> list[str]:
    """Every problem `validate` sees on the machine, each as `key.path: sentence`.

    `data` is the pipeline's TOML document; it is read from `pipeline.path` when absent.
    """
    if data is None:
        text = pipeline.path.read_text(encoding="utf-8").removeprefix("\ufeff")
        data = tomllib.loads(text)
    problems: list[str] = []
    for index, source in enumerate(pipeline.sources):
        problems += _source_problems(f"sources[{index}]", source)
    build = _table(data.get("build"))
    for index, pattern in enumerate(_strings(build.get("artefacts"))):
        if problem := _artefact_problem(pattern):
            problems.append(f"build.artefacts[{index}]: {problem}")
    for key in ("checks", "run"):
        for index, command in enumerate(_strings(build.get(key))):
            problems += _build_command_problems(f"build.{key}[{index}]", command, pipeline)
    for path, command in _pipeline_commands(data):
        if problem := _command_problem(command, pipeline.root):
            problems.append(f"{path}: {problem}")
    return problems


# -- sources ------------------------------------------------------------------------


def _git(path: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_VARS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        return subprocess.run(
            ["git", "-C", str(path), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def local_branches(path: Path) -> list[str] | None:
    """The branches of the repository at `path`, or None when it is not one."""
    done = _git(path, "rev-parse", "--git-common-dir")
    if done is None or done.returncode != 0 or not done.stdout.strip():
        return None
    listed = _git(path, "for-each-ref", "--format=%(refname:strip=2)", "refs/heads")
    if listed is None or listed.returncode != 0:
        return None
    return listed.stdout.split()


def source_problem(source: Source) -> tuple[str, str] | None:
    """Why a local source cannot be read, as (key, sentence), or None (URL sources too).

    The key is `repo` or `branch`; `captain run` may call this at start to refuse such a
    source with one sentence instead of idling."""
    if source.is_url:
        return None
    if not source.path.exists():
        return "repo", f"{source.path} does not exist"
    if not source.path.is_dir():
        return None  # the reader already said so
    branches = local_branches(source.path)
    if branches is None:
        return "repo", f"{source.path} is not a git repository"
    if source.branch not in branches:
        close = difflib.get_close_matches(source.branch, branches, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        if not branches:
            hint = " (it has no branches yet: make a first commit)"
        return "branch", f"no branch '{source.branch}' in {source.path}{hint}"
    return None


def _source_problems(path: str, source: Source) -> list[str]:
    found = source_problem(source)
    return [] if found is None else [f"{path}.{found[0]}: {found[1]}"]


# -- artefacts ----------------------------------------------------------------------


def _artefact_problem(pattern: str) -> str | None:
    if pattern.startswith(("/", "~")) or (len(pattern) > 1 and pattern[1] == ":"):
        return f"'{pattern}' is an absolute path; patterns are relative to $CAPTAIN_OUT"
    if ".." in pattern.replace("\\", "/").split("/"):
        return f"'{pattern}' has a '..' component; patterns stay inside $CAPTAIN_OUT"
    return None


# -- commands -----------------------------------------------------------------------


def _table(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _approval_runs(path: str, value: object) -> Iterator[tuple[str, str]]:
    for index, item in enumerate(value if isinstance(value, list) else []):
        run = _table(item).get("run")
        if isinstance(run, str):
            yield f"{path}[{index}].run", run


def _settings_commands(path: str, table: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    if isinstance(deploy := table.get("deploy"), str):
        yield f"{path}.deploy", deploy
    yield from _approval_runs(f"{path}.approvals", table.get("approvals"))
    onebox = _table(table.get("onebox"))
    yield from _approval_runs(f"{path}.onebox.approvals", onebox.get("approvals"))


def _pipeline_commands(data: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(key path, command) of every command that runs in the pipeline's folder."""
    yield from _settings_commands("defaults", _table(data.get("defaults")))
    stages = data.get("stages")
    for index, stage in enumerate(stages if isinstance(stages, list) else []):
        yield from _settings_commands(f"stages[{index}]", _table(stage))
    for name, monitor in _table(data.get("monitors")).items():
        run = _table(monitor).get("run")
        # A placeholder in the program's words is only known per target: skipped.
        if isinstance(run, str):
            yield f"monitors.{name}.run", run
    notify = data.get("notify")
    for index, entry in enumerate(notify if isinstance(notify, list) else []):
        run = _table(entry).get("run")
        if isinstance(run, str):
            yield f"notify[{index}].run", run


def program_words(command: str) -> tuple[str, bool] | None:
    """The word of `command` naming a file to run and whether it must be executable.

    That is the first word when it is a path, or the script argument of an interpreter
    (`sh x.sh`, `python -u tools/x.py`); None when no file is named or the word is only
    known when the command runs (a `$VARIABLE`, a glob, a monitor placeholder)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    while words and "=" in words[0] and not words[0].startswith(("/", ".", "=")):
        words = words[1:]  # NAME=value assignments before the program
    if not words:
        return None
    first = words[0]
    if _unknowable(first):
        return None
    program = posixpath.basename(first)
    if _is_python(program):
        program = "python"
    if program not in INTERPRETERS:
        return (first, True) if "/" in first else None
    rest = iter(words[1:])
    for word in rest:
        if word in INTERPRETERS[program] or word == "-":
            return None
        if word in _WITH_VALUE:
            next(rest, None)
            continue
        if word.startswith("-"):
            continue
        return None if _unknowable(word) else (word, False)
    return None


def _is_python(name: str) -> bool:
    """`python3.12` and the like."""
    return name.startswith("python") and name[6:].replace(".", "").isdigit()


def _unknowable(word: str) -> bool:
    """Whether the word is only known when it runs: a variable, a glob, a placeholder
    (a monitor's `{target}`; a literal `{{` is rare enough to be skipped too)."""
    return bool(_SHELL_MAGIC & set(word)) or "{" in word


def _command_problem(command: str, root: Path) -> str | None:
    found = program_words(command)
    if found is None:
        return None
    word, executable = found
    path = root / Path(word).expanduser()
    if not path.exists():
        return f"{word} does not exist (looked for {path})"
    if path.is_dir():
        return f"{word} is a folder, not a file to run ({path})"
    if executable and not os.access(path, os.X_OK):
        return f"{word} is not executable (chmod +x {word}, or run it through sh)"
    return None


def _build_command_problems(path: str, command: str, pipeline: Pipeline) -> list[str]:
    found = program_words(command)
    if found is None:
        return []
    word, executable = found
    if word.startswith(("/", "~")):
        problem = _command_problem(command, pipeline.root)
        return [] if problem is None else [f"{path}: {problem}"]
    source = pipeline.primary if pipeline.sources else None
    inside = posixpath.normpath(word)
    if source is None or source.is_url or inside.startswith(".."):
        return []
    if source_problem(source) is not None:
        return []  # said once, at the source
    listed = _git(source.path, "ls-tree", "--full-tree", source.branch, "--", inside)
    if listed is None or listed.returncode != 0:
        return []
    where = f"branch '{source.branch}' of {source.path}"
    if not listed.stdout.strip():
        return [f"{path}: {word} is not committed on {where} (builds run in its checkout)"]
    mode, kind = listed.stdout.split()[:2]
    if kind != "blob":
        return [f"{path}: {word} is a folder on {where}, not a file to run"]
    if executable and mode not in ("100755", "120000"):
        return [
            f"{path}: {word} is not executable on {where} "
            f"(git update-index --chmod=+x {inside}, or run it through sh)"
        ]
    return []
