"""Provides `python -m release_captain`, the same as the `captain` command."""

from release_captain.entry import main

main()
