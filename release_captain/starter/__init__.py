"""Provides `captain init`'s starter pipeline (SPEC §9): what kind of project a
repository is, and a pipeline with its scripts that runs it through every stage on this
machine, commented with what to change for real targets."""

from release_captain.starter.kinds import KINDS, Kind, detect
from release_captain.starter.repository import Repository
from release_captain.starter.writing import (
    SCRIPTS_DIR,
    STATE_DIR,
    Starter,
    write_starter,
)

__all__ = [
    "KINDS",
    "SCRIPTS_DIR",
    "STATE_DIR",
    "Kind",
    "Repository",
    "Starter",
    "detect",
    "write_starter",
]
