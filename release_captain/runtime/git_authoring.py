"""Provides writing to a git repository: make one, commit files to it — what the
demo's story does to its sample repository, and how tests build theirs.

Runs the `git` command with an environment cut off from the machine (no global or
system config, fixed identities), so it behaves the same on every developer's machine
and in CI, whatever their git configuration says.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

_IDENTITY = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^>]*)>\s*$")


def git_env(author: str = "Ada <ada@example.com>") -> dict[str, str]:
    """An environment for `git` that ignores the machine's config, with `author` as
    both author and committer."""
    match = _IDENTITY.match(author)
    name, email = (match["name"], match["email"]) if match else (author, "nobody@example.com")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
    )
    return env


def git(path: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run `git -C path ARGS…` and return its stdout without the trailing newline."""
    done = subprocess.run(
        ["git", "-C", str(path), *args],
        env=dict(env) if env is not None else git_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {path}: {done.stderr.strip()}")
    return done.stdout.rstrip("\n")


def init_repo(path: Path, branch: str = "main") -> Path:
    """Create an empty repository at `path` whose first commit will be on `branch`."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "-b", branch)
    return path


def commit(
    path: Path,
    files: dict[str, str],
    message: str,
    author: str = "Ada <ada@example.com>",
) -> str:
    """Write `files` (relative path -> text), commit them all, and return the full SHA.

    An empty `files` makes an empty commit.
    """
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    env = git_env(author)
    if files:
        git(path, "add", "--", *files, env=env)
    git(path, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", message, env=env)
    return git(path, "rev-parse", "HEAD", env=env)
