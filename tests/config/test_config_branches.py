"""Branch names are checked as git checks them, so `validate` refuses a name the engine
could never find (git's own `check-ref-format` is the oracle)."""

from __future__ import annotations

import subprocess

import pytest

from release_captain.config.parse import _branch_problem

NAMES = [
    "main", "release/1.x", "feature/a-b", "v1.0", "user@host", "a.b/c_d",
    "a..b", "x y", ".hidden", "a/.b", "a.lock", "a/b.lock/c", "-x", "a/", "a//b", "/a",
    "a.", "ok@{x", "x~1", "x^", "x:y", "x?", "x*", "x[", "x\\y", "tab\there", "",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_a_branch_name_is_valid_exactly_when_git_says_so(name: str) -> None:
    # --branch: the rules for a branch, which also refuse a leading '-'.
    git = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    assert (_branch_problem(name) is None) == (git.returncode == 0 and name != "")


def test_a_full_ref_gets_a_hint() -> None:
    assert _branch_problem("refs/heads/release/1.x") == (
        "write the branch's own name, without refs/heads/ ('release/1.x')"
    )
