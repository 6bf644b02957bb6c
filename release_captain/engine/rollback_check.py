"""SPEC §11: the rollback-safety check, an approval `{ rollback_check = true, run = … }`.

Rollback is tested, not reasoned about: on a target that has a last good version, the
check redeploys it (`CAPTAIN_ACTION=rollback-check`), runs `run` against it, deploys the
new version again (`CAPTAIN_ACTION=deploy`) and runs `run` once more. Each part is a
step of the plan of its own, recorded one by one, so `logs`, `history` and the TUI show
the four and a crash re-runs only the part it cut off (rule R10). A failed part fails
the approval, and so the target, through the ordinary failure path (rule R7).

The last good version is chosen once, when the first part starts, and recorded on it
(`to_version`); later parts and re-runs read it from there, so a check never mixes
versions. On a target with no last good version every part passes at once, saying so.
While the old version is on the target, its record keeps the new version with state
`verifying`; the running part's name says what is really happening.
"""

from __future__ import annotations

from collections.abc import Mapping

from msgspec.structs import replace

from release_captain.engine.decisions import StartStep
from release_captain.engine.last_good import last_good
from release_captain.engine.plan import CHECK_PARTS, CheckPart
from release_captain.engine.state import State, StepRecord

#: Why a check passes on a target with no last good version.
NO_LAST_GOOD = "no last good version on this target, so the rollback check passes at once"
#: Why its later parts pass too.
NOTHING_TO_CHECK = "nothing to check: this target has no last good version"


def first_part_index(index: int, part: CheckPart) -> int:
    """The plan index of the check's first part, from any part's index."""
    return index - [p for p, _, _ in CHECK_PARTS].index(part)


def shape_start(
    start: StartStep, part: CheckPart, steps: Mapping[int, StepRecord], state: State
) -> StartStep:
    """`start` (the next part of a check, as any step would start) with the version it
    works on and `CAPTAIN_PREVIOUS_VERSION` filled in, or passing at once."""
    first = steps.get(first_part_index(start.step.index, part))
    if part == "redeploy":
        # A re-run after a crash goes back to the version the cut-off attempt chose.
        good = (
            first.to_version if first is not None else last_good(state, start.stage, start.target)
        )
    else:
        good = first.to_version if first is not None else None
    if good is None:
        reason = NO_LAST_GOOD if part == "redeploy" else NOTHING_TO_CHECK
        return replace(start, passes_at_once=True, reason=reason)
    match part:
        case "redeploy":
            return replace(start, to=good, previous=start.version)
        case "check-old":
            return replace(start, to=good)
        case "deploy-again":
            return replace(start, previous=good)
    return start
