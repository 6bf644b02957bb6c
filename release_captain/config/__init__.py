"""Provides the pipeline configuration: `pipeline.toml` read once into frozen types.

`load_pipeline` is the way in; the model types describe what comes out. The helpers the
runtime shares with validation live here too, so both read the file's texts the same way:
`parse_duration`, `render_template` for monitor texts, and `check_window` for blocker
windows.
"""

from __future__ import annotations

from release_captain.config.durations import parse_duration
from release_captain.config.load import load_pipeline
from release_captain.config.model import (
    Approval,
    Blocker,
    Build,
    Monitor,
    Onebox,
    Pipeline,
    Source,
    Stage,
    Target,
    Vars,
)
from release_captain.config.parse import parse_pipeline
from release_captain.config.placeholders import render_template
from release_captain.config.windows_syntax import check_deny, check_window

__all__ = [
    "Approval",
    "Blocker",
    "Build",
    "Monitor",
    "Onebox",
    "Pipeline",
    "Source",
    "Stage",
    "Target",
    "Vars",
    "check_deny",
    "check_window",
    "load_pipeline",
    "parse_duration",
    "parse_pipeline",
    "render_template",
]
