"""Provides the `captain` command line: a thin skin over `release_captain.service`.

Importing this package stays cheap (no Textual, no GitPython), so `captain --help` and
`captain status` start fast; heavy modules are imported inside the commands that need
them. It never imports the TUI: the console script (`release_captain.entry`) plugs it
in through `cli.launcher`.
"""

from release_captain.cli.app import app, main

__all__ = ["app", "main"]
