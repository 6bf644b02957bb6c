"""`[preview]` (SPEC §11): its defaults, the safe name of a branch's preview, and which
branches may have one."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.config import load_pipeline
from release_captain.config.preview import preview_name, refusal
from release_captain.testing import write_pipeline

BASE = """
[pipeline]
name = "p"

[[sources]]
name = "app"
repo = "https://example.com/app.git"
branch = "trunk"

[[stages]]
name = "beta"
targets = ["local"]
deploy = "deploy.sh"
"""


@pytest.mark.parametrize(
    ("branch", "name"),
    [
        ("Feature/Login_Page", "feature-login-page"),
        ("fix--Two..dots", "fix-two-dots"),
        ("-x-", "x"),
        ("a" * 80, "a" * 63),
        ("Ünïcode", "n-code"),
        ("___", ""),
    ],
)
def test_preview_name_is_lower_case_letters_digits_and_dashes(branch: str, name: str) -> None:
    assert preview_name(branch) == name


def test_preview_defaults_to_every_branch_and_no_watch(tmp_path: Path) -> None:
    path = write_pipeline(tmp_path, BASE + '[preview]\ndeploy = "preview.sh"\n')
    preview = load_pipeline(path).preview
    assert preview is not None
    assert (preview.branches, preview.watch, preview.teardown) == (("*",), (), None)


def test_without_the_table_there_is_no_preview(tmp_path: Path) -> None:
    pipeline = load_pipeline(write_pipeline(tmp_path, BASE))
    assert pipeline.preview is None
    assert "has no [preview] table" in (refusal(pipeline, "feature") or "")


def test_refusals_name_the_mainline_and_unmatched_branches(tmp_path: Path) -> None:
    text = BASE + '[preview]\ndeploy = "preview.sh"\nbranches = ["feature/*"]\n'
    pipeline = load_pipeline(write_pipeline(tmp_path, text))
    assert "'trunk' is the mainline" in (refusal(pipeline, "trunk") or "")
    assert "matches none of preview.branches ('feature/*')" in (refusal(pipeline, "fix/a") or "")
    assert refusal(pipeline, "feature/Login") is None
