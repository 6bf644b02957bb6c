"""Provides the TUI's screens: the board, the versions list, the history and a step's
log."""
