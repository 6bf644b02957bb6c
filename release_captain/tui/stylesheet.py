"""Provides loading the `.tcss` file that sits beside a widget's module, so each widget
keeps its styles in its own stylesheet (screens and the app use `CSS_PATH`)."""

from __future__ import annotations

from pathlib import Path


def beside(module_file: str) -> str:
    """The text of the `.tcss` file with the same name as `module_file`."""
    return Path(module_file).with_suffix(".tcss").read_text()
