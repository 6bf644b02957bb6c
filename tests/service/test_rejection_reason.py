"""A person's rejection keeps their words as the version's reason in the stage (what
`where` and the TUI's journey show), not the engine's later note that the stage is done
with the version."""

from __future__ import annotations

from tests.service.conftest import MakeService

STAGES = """
[[stages]]
name = "beta"
targets = ["local"]
approvals = [{ name = "soak", wait = "10m" }]
"""


def test_a_person_s_reason_survives_the_stage_finishing(make_service: MakeService) -> None:
    service = make_service(STAGES)
    service.commit("a1b2c3d4e5f6")
    service.captain.reject("beta", version=1, comment="totals are wrong")
    service.settle()
    service.advance(600)

    (row,) = service.captain.versions()
    mark = row.marks["beta"]
    assert mark.state == "rejected"
    assert mark.reason.endswith(": totals are wrong")
    assert mark.reason.startswith("rejected by ")
    assert mark.entered_at is not None and mark.finished_at is not None
    beta = service.captain.where("v1").stages[0]
    assert beta.reason == mark.reason
