"""Provides the kinds of project `captain init` recognises: a small table, one row a kind.

Each row names the file that marks the kind at the repository's root, the templates its
pipeline is made of, and the scripts it writes under `deploy/`. The first row whose
marker exists wins; the last row has no marker and fits any repository. Supporting
another kind of project is adding a row (and its templates beside this module).
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct


class Kind(Struct, frozen=True, kw_only=True):
    """One kind of project and the starter pipeline that fits it."""

    name: str
    #: A file at the repository's root that marks the kind; None fits any repository.
    marker: str | None
    #: What the pipeline builds, as `captain init` says it.
    summary: str
    #: The artefact the build makes, as the pipeline's comments name it.
    artefact: str
    #: What the beta approval checks, as the pipeline's comments say it.
    tests_note: str
    #: The scripts written under `deploy/`: written name -> template file name.
    scripts: tuple[tuple[str, str], ...]

    @property
    def found(self) -> str:
        """What `captain init` says it found: `package.json: the build makes …`, or for
        the row without a marker, that no other row's marker is there."""
        if self.marker is not None:
            return f"{self.marker}: {self.summary}"
        others = " or ".join(kind.marker for kind in KINDS if kind.marker is not None)
        return f"no {others}: {self.summary}"

    def fits(self, root: Path) -> bool:
        """Whether the repository whose root is `root` is of this kind."""
        return self.marker is None or (root / self.marker).is_file()


#: The kinds, most specific first; the last one fits every repository.
KINDS: tuple[Kind, ...] = (
    Kind(
        name="python",
        marker="pyproject.toml",
        summary="the build makes a wheel",
        artefact="wheel",
        tests_note="tests/ of this commit, against the installed wheel",
        scripts=(
            ("deploy.sh", "python-deploy.sh"),
            ("test.sh", "python-test.sh"),
            ("health.sh", "python-health.sh"),
        ),
    ),
    Kind(
        name="node",
        marker="package.json",
        summary="the build makes a package with npm pack",
        artefact="package",
        tests_note="this commit's `npm test`",
        scripts=(
            ("deploy.sh", "unpack-deploy.sh"),
            ("test.sh", "npm-test.sh"),
            ("health.sh", "unpack-health.sh"),
        ),
    ),
    Kind(
        name="tarball",
        marker=None,
        summary="the build makes a `git archive` tarball",
        artefact="tarball",
        tests_note="the target holds exactly the commit's tree",
        scripts=(
            ("deploy.sh", "unpack-deploy.sh"),
            ("test.sh", "tree-test.sh"),
            ("health.sh", "unpack-health.sh"),
        ),
    ),
)


def detect(root: Path) -> Kind:
    """The kind of the repository whose root is `root`: the first row that fits."""
    return next(kind for kind in KINDS if kind.fits(root))
