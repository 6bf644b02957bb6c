"""The layering holds mechanically: import-linter's contracts, mypy and ruff, and a CLI
that starts without Textual or GitPython so `captain --help` and `status` stay fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_import_linter_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_type_checker_passes() -> None:
    """mypy over the package, as configured in pyproject.toml. Its cache is the
    default .mypy_cache (ignored by git), so a warm run takes well under a second."""
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_nothing_and_the_formatting_is_settled() -> None:
    paths = ["release_captain", "tests", "benchmarks"]
    for command in (["check", *paths], ["format", "--check", *paths]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_cli_imports_neither_textual_nor_git() -> None:
    code = (
        "import sys, release_captain.cli; "
        "print(' '.join(m for m in ('textual', 'git', 'httpx', 'holidays') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_status_does_not_import_textual_or_git(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text(
        '[pipeline]\nname = "p"\n[[sources]]\nname = "app"\nrepo = "r"\n'
        '[[stages]]\nname = "beta"\ntargets = ["t"]\ndeploy = "true"\n'
    )
    code = (
        "import sys\nfrom release_captain.cli import app\n"
        "try:\n    app(['status', '--json'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', ' '.join(m for m in ('textual', 'git') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "LOADED"
