"""Provides the captain's two colour themes, one for dark terminals and one for light
ones, with the same meaning everywhere: green passed, cyan running, amber waits for a
person, red failed or blocked, blue has focus."""

from __future__ import annotations

import os

from textual.theme import Theme

DARK = Theme(
    name="captain-dark",
    primary="#5EA1FF",
    secondary="#8A96A8",
    accent="#3CC8D8",
    warning="#E5B84B",
    error="#E0565B",
    success="#5FBF77",
    foreground="#D8DEE9",
    background="#15181D",
    surface="#1D2128",
    panel="#262C35",
    dark=True,
)

LIGHT = Theme(
    name="captain-light",
    primary="#1F5FBF",
    secondary="#5A6472",
    accent="#00838F",
    warning="#9A6700",
    error="#C62828",
    success="#2E7D32",
    foreground="#1E2329",
    background="#FAFAF7",
    surface="#EFEFEA",
    panel="#E2E3DD",
    dark=False,
)

THEMES = (DARK, LIGHT)


def default_theme() -> str:
    """`$CAPTAIN_THEME` (`dark`, `light` or any Textual theme's name) when set; else
    light when the terminal says its background is light (`$COLORFGBG`, as rxvt,
    Konsole and others set it); else dark."""
    chosen = os.environ.get("CAPTAIN_THEME", "").strip()
    if chosen:
        return {"light": LIGHT.name, "dark": DARK.name}.get(chosen, chosen)
    background = os.environ.get("COLORFGBG", "").rpartition(";")[2]
    return LIGHT.name if background in ("7", "15") else DARK.name
