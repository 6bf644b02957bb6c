"""Rule R3: independent stages. Which versions a stage may take, and which are superseded.

A stage takes the newest candidate: a version that passed the previous stage (that was
built, for the first stage), is newer than the version the stage last took, and has not
been rejected or superseded there. Older candidates are superseded once a newer one is
eligible to enter, so they are never deployed in that stage.
"""

from __future__ import annotations

from release_captain.config.model import Pipeline, Stage
from release_captain.engine.state import State


def candidates_for(pipeline: Pipeline, state: State, stage: Stage) -> list[int]:
    """Version numbers the stage could take, oldest first."""
    index = pipeline.stage_index(stage.name)
    previous = pipeline.stages[index - 1].name if index else None
    floor = state.last_taken.get(stage.name, 0)
    found: list[int] = []
    for record in state.versions:
        if record.number <= floor or (stage.name, record.number) in state.stage_versions:
            continue
        if previous is None:
            ready = record.build == "succeeded"
        else:
            passed = state.stage_versions.get((previous, record.number))
            ready = passed is not None and passed.state == "passed"
        if ready:
            found.append(record.number)
    return found
