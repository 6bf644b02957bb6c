"""Detection: the first kind whose marker is at the repository's root wins, and a
repository with none gets the tarball pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_captain.starter import KINDS, detect


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        (["pyproject.toml"], "python"),
        (["package.json"], "node"),
        (["pyproject.toml", "package.json"], "python"),
        (["setup.py", "Makefile"], "tarball"),
        ([], "tarball"),
    ],
)
def test_the_first_fitting_row_names_the_kind(tmp_path: Path, files: list[str], kind: str) -> None:
    for name in files:
        (tmp_path / name).write_text("")
    assert detect(tmp_path).name == kind


def test_a_marker_in_a_subfolder_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "pyproject.toml").write_text("")
    assert detect(tmp_path).name == "tarball"


def test_the_last_row_fits_every_repository_and_says_what_it_did_not_find() -> None:
    assert KINDS[-1].marker is None
    assert KINDS[-1].found.startswith("no pyproject.toml or package.json: ")
    assert KINDS[0].found == "pyproject.toml: the build makes a wheel"
